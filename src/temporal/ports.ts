/** Local TCP ports: a free one, one out of the kernel's ephemeral range, one held until its user binds it, and whether one is already taken (by a server left behind, for example). */
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

/** Below every common kernel's ephemeral range (Linux starts it at 32768, macOS and Windows at 49152). */
const STABLE_PORTS = { from: 20_000, to: 32_000 };

/**
 * A free port that no process asking the kernel for any port (`listen(0)`) can be given: for a
 * server that is killed and started again on the same port while other servers start nearby (a
 * dev server's internal services take ephemeral ports, and one took a restarting server's once).
 */
export async function stablePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; ; tries++) {
    const port = STABLE_PORTS.from + Math.floor(Math.random() * (STABLE_PORTS.to - STABLE_PORTS.from));
    try {
      return await probe(port, host);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 100) throw error;
    }
  }
}

/**
 * A free port kept bound until `release`: for a port another process must be told before the
 * server that will listen on it can start (a dev server started meanwhile picks ports of its own).
 */
export async function reservePort(host = '127.0.0.1'): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
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
