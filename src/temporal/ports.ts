/** Local TCP ports: a free one, and whether one is already taken (by a server left behind, for example). */
import { createServer } from 'node:net';

/** Listens on host:port and closes again; resolves the port, or rejects with the listen error (EADDRINUSE when taken). */
function probe(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port nothing listens on right now (the kernel's choice). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return probe(0, host);
}

/** True when something already listens on host:port. */
export async function portTaken(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    await probe(port, host);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
    throw error;
  }
}
