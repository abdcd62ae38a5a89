/**
 * A real HTTP server on 127.0.0.1 that answers one model endpoint from scripted turns
 * (./model-script.ts), in the wire format a `WireFormat` describes. Shared by FakeOpenAI and
 * FakeAnthropic; same queues as FakeBedrock: per model id first, then shared, then a fallback.
 *
 * An invalid request (by the real service's rules) gets the service's 400, does not consume a
 * turn, and is recorded in `violations`, which tests should assert stays empty.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { estimateTokens, type RecordedModelRequest, type ScriptedToolUse, type ScriptedTurn, type TokenCounts } from './model-script.js';

export interface WireFormat {
  /** `fake openai`: the prefix of the fake's own messages. */
  name: string;
  /** The one endpoint, e.g. `/v1/chat/completions`. */
  path: string;
  /** The part of `path` that belongs in the client's base URL (`/v1` for OpenAI). */
  basePath: string;
  /** Why the real service would answer 401 (no key), if it would. */
  authProblem(headers: IncomingMessage['headers']): string | undefined;
  /** What the real service would refuse in this body with a 400; empty when valid. */
  problems(body: unknown): string[];
  /** How the service's tool-call ids begin (`call_`, `toolu_`). */
  idPrefix: string;
  /** A successful response body for a text or tool-use turn. */
  success(reply: WireReply): object;
  errorBody(status: number, code: string | undefined, message: string): object;
  /** Headers every response carries (request ids). */
  headers(): Record<string, string>;
}

export interface WireReply {
  model: string;
  text: string | undefined;
  uses: Array<ScriptedToolUse & { id: string | null }>;
  /** Converse-style: end_turn, tool_use, max_tokens, content_filtered, ... */
  stopReason: string;
  usage: TokenCounts;
}

export class ScriptedModelServer {
  readonly requests: RecordedModelRequest[] = [];
  readonly violations: string[] = [];
  private readonly queue: ScriptedTurn[] = [];
  private readonly perModel = new Map<string, ScriptedTurn[]>();
  private fallback: ScriptedTurn | undefined;
  private ids = 0;

  private constructor(
    private readonly server: Server,
    private readonly wire: WireFormat,
    /** `http://127.0.0.1:<port>` */
    readonly origin: string,
  ) {}

  static async start(wire: WireFormat): Promise<ScriptedModelServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new ScriptedModelServer(server, wire, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** Appends turns to the FIFO queue shared by all models. */
  script(...turns: ScriptedTurn[]): this {
    this.queue.push(...turns);
    return this;
  }

  /** Appends turns to a queue for one model id; it is checked before the shared queue. */
  scriptFor(model: string, ...turns: ScriptedTurn[]): this {
    this.perModel.set(model, [...(this.perModel.get(model) ?? []), ...turns]);
    return this;
  }

  /** The turn used whenever the queues are empty (`undefined` makes such a call a violation). */
  setFallback(turn: ScriptedTurn | undefined): this {
    this.fallback = turn;
    return this;
  }

  /** What the official client takes as `baseURL`. */
  get baseURL(): string {
    return `${this.origin}${this.wire.basePath}`;
  }

  /** Scripted turns not consumed yet (the fallback is not counted). */
  remaining(): number {
    return [...this.perModel.values()].reduce((n, queue) => n + queue.length, this.queue.length);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    this.server.closeAllConnections(); // clients keep connections alive; close() alone would wait for them
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== this.wire.path) {
      this.violations.push(`unknown operation: ${req.method} ${req.url}`);
      return this.sendError(res, 404, undefined, `${this.wire.name}: no operation for ${req.method} ${req.url}`);
    }
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const request: RecordedModelRequest = { model: typeof body?.model === 'string' ? body.model : '', body, headers: req.headers };
    this.requests.push(request);
    const label = `request #${this.requests.length} (${request.model})`;
    const unauthorized = this.wire.authProblem(req.headers);
    if (unauthorized) {
      this.violations.push(`${label}: ${unauthorized}`);
      return this.sendError(res, 401, undefined, unauthorized);
    }
    const problems = this.wire.problems(body);
    if (problems.length > 0) {
      this.violations.push(...problems.map((problem) => `${label}: ${problem}`));
      return this.sendError(res, 400, undefined, problems[0]!);
    }
    const turn = this.perModel.get(request.model)?.shift() ?? this.queue.shift() ?? this.fallback;
    if (!turn) {
      this.violations.push(`${label}: unexpected model call`);
      return this.sendError(res, 400, undefined, `${this.wire.name}: no scripted turn left`);
    }
    try {
      await this.play(req, res, turn, request, raw.length);
    } catch (error) {
      this.violations.push(`${label}: scripted turn failed: ${String(error)}`);
      if (!res.headersSent) this.sendError(res, 500, undefined, `${this.wire.name}: ${String(error)}`);
    }
  }

  private async play(req: IncomingMessage, res: ServerResponse, turn: ScriptedTurn, request: RecordedModelRequest, inputChars: number): Promise<void> {
    switch (turn.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, turn.ms));
        return this.play(req, res, turn.then, request, inputChars);
      case 'respond':
        return this.play(req, res, turn.fn(request), request, inputChars);
      case 'drop':
        req.socket.destroy();
        return;
      case 'error':
        return this.sendError(res, turn.status, turn.code, turn.message ?? `${this.wire.name}: scripted HTTP ${turn.status}`, turn.headers);
      case 'raw':
        return this.send(res, turn.status, turn.body, { 'content-type': turn.contentType ?? 'application/json' });
      case 'text':
      case 'toolUse': {
        const { text } = turn;
        const uses = turn.kind === 'toolUse' ? turn.uses.map((use) => ({ ...use, id: use.id === undefined ? this.freshId() : use.id })) : [];
        const outputChars = JSON.stringify([text, uses]).length;
        const usage = turn.usage ?? { inputTokens: estimateTokens(inputChars), outputTokens: estimateTokens(outputChars) };
        const stopReason = turn.kind === 'toolUse' ? 'tool_use' : (turn.stopReason ?? 'end_turn');
        const body = this.wire.success({ model: request.model, text, uses, stopReason, usage });
        return this.send(res, 200, JSON.stringify(body), { 'content-type': 'application/json' });
      }
    }
  }

  private freshId(): string {
    this.ids += 1;
    return `${this.wire.idPrefix}fake${this.ids}`;
  }

  private sendError(res: ServerResponse, status: number, code: string | undefined, message: string, headers: Record<string, string> = {}): void {
    this.send(res, status, JSON.stringify(this.wire.errorBody(status, code, message)), { 'content-type': 'application/json', ...headers });
  }

  private send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    if (res.destroyed || res.writableEnded) return; // the client gave up (a timeout during a delay)
    res.writeHead(status, { ...this.wire.headers(), ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
