/**
 * The worker's MCP connections: one official SDK `Client` per server and resolved settings (a
 * filesystem server per workspace folder, one connection per HTTP endpoint), shared by every run
 * and call that needs the same, closed after a quiet spell and on `close()`. A connection that
 * dies (the process exits, the HTTP session breaks) is dropped; the next use opens a new one.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describeIssues } from '../agent/types.js';
import type { ResolvedServer } from './config.js';

export interface McpPoolOptions {
  /** Close a connection nobody used for this long (default 5 minutes). */
  idleMs?: number;
  /** How long opening a connection (spawn or HTTP, then `initialize`) may take (default 30 s). */
  connectTimeoutMs?: number;
}

export const DEFAULT_IDLE_MS = 5 * 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Enough of a stdio server's stderr to say why it stopped. */
const STDERR_TAIL_CHARS = 600;

/** The server could not be reached: nothing was sent, so trying again is safe. */
export class McpServerUnreachable extends Error {
  override name = 'McpServerUnreachable';
}

/** The connection broke while a request was in flight: the server may or may not have acted. */
export class McpConnectionLost extends Error {
  override name = 'McpConnectionLost';
}

interface Connection {
  readonly key: string;
  readonly client: Client;
  /** The SDK the client came from (its error classes). */
  readonly sdk: McpSdk;
  readonly stderr: () => string;
  busy: number;
  idleTimer?: NodeJS.Timeout;
}

export class McpClientPool {
  /** Every pool that holds connections: `closeAll` ends them (a test or a worker process shutting down). */
  private static readonly live = new Set<McpClientPool>();
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly idleMs: number;
  private readonly connectTimeoutMs: number;

  constructor(options: McpPoolOptions = {}) {
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** How many connections are open or opening (for tests and metrics). */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Runs `work` with a connected client for `server`. Throws `McpServerUnreachable` when it cannot
   * connect, `McpConnectionLost` when the connection breaks during `work`; the server's own
   * errors (an unknown tool, invalid params) pass through as they are.
   */
  async use<T>(name: string, server: ResolvedServer, work: (client: Client) => Promise<T>): Promise<T> {
    const connection = await this.connection(`${name} ${JSON.stringify(server)}`, name, server);
    connection.busy++;
    clearTimeout(connection.idleTimer);
    try {
      return await work(connection.client);
    } catch (error) {
      if (!brokeTheConnection(connection.sdk, error)) throw error;
      void this.drop(connection);
      const stderr = connection.stderr();
      throw new McpConnectionLost(`MCP server "${name}" stopped answering (${describe(error)})${stderr ? `; its last words: ${stderr}` : ''}`);
    } finally {
      connection.busy--;
      this.closeWhenIdle(connection);
    }
  }

  /** Closes the connections of every pool in this process. */
  static async closeAll(): Promise<void> {
    await Promise.all([...McpClientPool.live].map((pool) => pool.close()));
  }

  /** Closes every connection (the pool stays usable: later uses open new ones). */
  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    McpClientPool.live.delete(this);
    await Promise.all(open.map(async (pending) => (await pending.catch(() => undefined))?.client.close().catch(() => undefined)));
  }

  private connection(key: string, name: string, server: ResolvedServer): Promise<Connection> {
    let pending = this.connections.get(key);
    if (!pending) {
      pending = this.open(key, name, server);
      this.connections.set(key, pending);
      McpClientPool.live.add(this);
      pending.catch(() => this.forget(key, pending!));
    }
    return pending;
  }

  private async open(key: string, name: string, server: ResolvedServer): Promise<Connection> {
    const sdk = await mcpSdk();
    const { transport, stderr } = transportFor(sdk, server);
    const client = new sdk.Client({ name: 'durable-hitl-agents', version: '1.0.0' });
    const connection: Connection = { key, client, sdk, stderr, busy: 0 };
    try {
      await client.connect(transport, { timeout: this.connectTimeoutMs });
    } catch (error) {
      await client.close().catch(() => undefined);
      const last = stderr();
      throw new McpServerUnreachable(`MCP server "${name}" cannot be reached: ${describe(error)}${last ? `; its last words: ${last}` : ''}`);
    }
    // A stdio process that exits, or a transport closed for any reason: the next use reconnects.
    client.onclose = () => this.forget(key);
    this.closeWhenIdle(connection);
    return connection;
  }

  private closeWhenIdle(connection: Connection): void {
    if (connection.busy > 0) return;
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => void (connection.busy === 0 && this.drop(connection)), this.idleMs);
    connection.idleTimer.unref();
  }

  private async drop(connection: Connection): Promise<void> {
    clearTimeout(connection.idleTimer);
    this.forget(connection.key);
    await connection.client.close().catch(() => undefined);
  }

  /** Forgets `key` (only the given attempt, when one is named: a newer connection stays). */
  private forget(key: string, pending?: Promise<Connection>): void {
    if (pending === undefined || this.connections.get(key) === pending) this.connections.delete(key);
  }
}

/** The MCP SDK, loaded when the worker first connects to a server: a worker without MCP servers never loads it. */
type McpSdk = Awaited<ReturnType<typeof loadMcpSdk>>;
let loadingMcpSdk: Promise<McpSdk> | undefined;
const mcpSdk = (): Promise<McpSdk> => (loadingMcpSdk ??= loadMcpSdk());

async function loadMcpSdk() {
  const [{ Client }, { StdioClientTransport }, { StreamableHTTPClientTransport }, { ErrorCode, McpError }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  return { Client, StdioClientTransport, StreamableHTTPClientTransport, ErrorCode, McpError };
}

function transportFor(sdk: McpSdk, server: ResolvedServer): { transport: Transport; stderr: () => string } {
  if (server.transport === 'http') {
    const transport = new sdk.StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
    return { transport, stderr: () => '' };
  }
  const transport = new sdk.StdioClientTransport({
    command: server.command,
    args: server.args,
    env: server.env,
    ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
    stderr: 'pipe',
  });
  let tail = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  return { transport, stderr: () => tail.trim().replace(/\s+/g, ' ') };
}

/** An error that says the connection itself is gone, as opposed to an answer from the server. */
function brokeTheConnection(sdk: McpSdk, error: unknown): boolean {
  if (error instanceof sdk.McpError) return error.code === sdk.ErrorCode.ConnectionClosed || error.code === sdk.ErrorCode.RequestTimeout;
  // A JSON-RPC answer the SDK's schema refused (a zod error, with its issues) is the server's fault, not the connection's.
  return !Array.isArray((error as { issues?: unknown } | undefined)?.issues);
}

/** One line: a schema refusal as its issues ("the answer does not fit the MCP protocol"), anything else as its message. */
export function describe(error: unknown): string {
  const issues = (error as { issues?: unknown } | undefined)?.issues;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message})` : '';
  const text = Array.isArray(issues) ? `the server's answer does not fit the MCP protocol (${describeIssues(issues, '(result)')})` : error instanceof Error ? error.message + cause : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 500);
}
