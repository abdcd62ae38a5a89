/** Starts the web inbox on a host and port; `--dev-user` only on a loopback address. */
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { serve } from '@hono/node-server';
import { createInboxApp, type InboxAppOptions } from './app.js';

export interface InboxServer {
  url: string;
  /**
   * Stops taking connections, ends the event streams (browsers reconnect, to another instance) and
   * lets the requests under way finish for at most `graceMs` (default 0), then cuts what is left.
   * `say` hears one line when it starts and one when the server has closed.
   */
  close(options?: { graceMs?: number; say?: (line: string) => void }): Promise<void>;
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

/**
 * Why the inbox may not start this way: a dev user off loopback, nobody who could sign in, or two
 * ways of signing in at once (single sign-on replaces the users file: one source of who may answer).
 */
export function serveOptionsProblem(options: { host: string; devUser?: string; usersFile?: string; oidc?: unknown }): string | undefined {
  if (options.oidc !== undefined && (options.devUser !== undefined || options.usersFile !== undefined)) {
    return `single sign-on (--oidc-issuer) replaces ${options.devUser !== undefined ? '--dev-user' : '--users (INBOX_USERS)'}: use one way of signing in`;
  }
  if (options.devUser !== undefined && !isLoopback(options.host)) {
    return `--dev-user signs every browser in as ${options.devUser}: it is refused on ${options.host}; serve on 127.0.0.1 or use --users`;
  }
  if (options.devUser === undefined && options.usersFile === undefined && options.oidc === undefined) {
    return 'the inbox needs --users FILE (people and their password hashes; see --add-user), single sign-on (--oidc-issuer and the other --oidc-* settings) or, for local development, --dev-user NAME';
  }
  return undefined;
}

export async function startInboxServer(options: InboxAppOptions & { host: string; port: number }): Promise<InboxServer> {
  const problem = serveOptionsProblem(options);
  if (problem) throw new InboxServerError(problem);
  const { app, feed, endStreams } = createInboxApp(options);
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(started as Server));
    (started as Server).once('error', (error: NodeJS.ErrnoException) =>
      reject(new InboxServerError(error.code === 'EADDRINUSE' ? `port ${options.port} on ${options.host} is in use; choose another with --port` : error.message)),
    );
  });
  // Requests under way, event streams included (a request counts from its headers until its response is done or its client gone).
  let open = 0;
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    open++;
    response.once('close', () => open--);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  const close = async ({ graceMs = 0, say = () => undefined }: { graceMs?: number; say?: (line: string) => void } = {}): Promise<void> => {
    const started = Date.now();
    const requests = open;
    // No new connections from here on; the idle ones close now, the others once their response is done.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const streams = endStreams();
    feed.stop();
    const others = requests - streams;
    say(
      requests === 0
        ? 'shutting down: no open requests'
        : `shutting down: ${streams > 0 ? `${streams} event stream${streams === 1 ? '' : 's'} ended (browsers reconnect)` : ''}${streams > 0 && others > 0 ? ', ' : ''}` +
            `${others > 0 ? `finishing ${others} open request${others === 1 ? '' : 's'}, at most ${Number((graceMs / 1000).toFixed(1))} s` : ''}`,
    );
    // A connection whose response just ended is idle: close it rather than wait for its client's next request.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([closed.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    clearInterval(idle);
    if (!inTime) {
      const cut = open;
      server.closeAllConnections();
      await closed;
      say(`inbox stopped: cut off ${cut} request${cut === 1 ? '' : 's'} still open after ${Number((graceMs / 1000).toFixed(1))} s`);
      return;
    }
    say(`inbox stopped: ${requests === 0 ? 'nothing was open' : 'every open request finished'} (${Number(((Date.now() - started) / 1000).toFixed(1))} s)`);
  };
  return {
    url: `http://${host}:${port}`,
    close: (options) => (closing ??= close(options)),
  };
}
