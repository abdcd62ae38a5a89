/** Starts the web inbox on a host and port; `--dev-user` only on a loopback address. */
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createInboxApp, type InboxAppOptions } from './app.js';

export interface InboxServer {
  url: string;
  close(): Promise<void>;
}

export class InboxServerError extends Error {
  override name = 'InboxServerError';
}

/** localhost, 127.0.0.0/8 and ::1: the only places a dev user may be served. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

/** Why the inbox may not start this way: a dev user off loopback, or nobody who could sign in. */
export function serveOptionsProblem(options: { host: string; devUser?: string; usersFile?: string }): string | undefined {
  if (options.devUser !== undefined && !isLoopback(options.host)) {
    return `--dev-user signs every browser in as ${options.devUser}: it is refused on ${options.host}; serve on 127.0.0.1 or use --users`;
  }
  if (options.devUser === undefined && options.usersFile === undefined) {
    return 'the inbox needs --users FILE (people and their password hashes; see --add-user) or, for local development, --dev-user NAME';
  }
  return undefined;
}

export async function startInboxServer(options: InboxAppOptions & { host: string; port: number }): Promise<InboxServer> {
  const problem = serveOptionsProblem(options);
  if (problem) throw new InboxServerError(problem);
  const { app, feed } = createInboxApp(options);
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(started as Server));
    (started as Server).once('error', (error: NodeJS.ErrnoException) =>
      reject(new InboxServerError(error.code === 'EADDRINUSE' ? `port ${options.port} on ${options.host} is in use; choose another with --port` : error.message)),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      feed.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
