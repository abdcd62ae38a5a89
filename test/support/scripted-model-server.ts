/**
 * A real HTTP server on 127.0.0.1 that answers one model endpoint from scripted turns
 * (./model-script.ts), in the wire format a `WireFormat` describes. Shared by FakeOpenAI and
 * FakeAnthropic; same queues as FakeBedrock: per model id first, then shared, then a fallback.
 *
 * A request that asks for a stream (`"stream": true`) gets the same turn as server-sent events,
 * in pieces with `pieceDelayMs` between them; every turn kind plays in both modes (a `raw` JSON
 * response body is streamed as that same response; any other raw body goes as it is), a
 * `streamError` turn (below) ends a streamed answer with the service's error event, and a `cut`
 * turn closes the connection in the middle of it.
 *
 * An invalid request (by the real service's rules) gets the service's 400, does not consume a
 * turn, and is recorded in `violations`, which tests should assert stays empty.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { estimateTokens, type RecordedModelRequest, type ScriptedToolUse, type ScriptedTurn, type TokenCounts } from './model-script.js';
import { DEFAULT_PIECE_DELAY_MS, jsonObject, newStreamRecord, piecesBeforeError, writePieces, type StreamRecord } from './stream-pieces.js';

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
  /** Whether the request asks for a streamed answer. */
  streams(body: any): boolean;
  /** The body fields that ask for a stream: left out of the token estimate, so both modes count alike. */
  streamFields: readonly string[];
  /** A streamed answer for a text or tool-use turn: the response body in pieces, written with a pause between them. */
  streamPieces(reply: WireReply, body: any): string[];
  /** The event that reports an error inside a stream (after the 200). */
  streamErrorPiece(status: number, code: string | undefined, message: string): string;
  /** A response body written by hand (a `raw` turn's JSON) as the stream of the same response, field for field. */
  streamOfBody(body: Record<string, any>): string[];
}

/** A text or tool-use turn: what a stream can carry. */
export type AnswerTurn = Extract<ScriptedTurn, { kind: 'text' | 'toolUse' }>;

/**
 * An error inside a stream: the first `pieces` pieces of `before`'s streamed answer (default: the
 * first half; `before` defaults to a short text), then the service's error event for `status` /
 * `code`, then the end of the response. A request that does not stream gets the same error as an
 * HTTP `status` before any answer, like `{ kind: 'error' }`: one turn serves both modes.
 */
export interface StreamErrorTurn {
  kind: 'streamError';
  status: number;
  code?: string;
  message?: string;
  before?: AnswerTurn;
  pieces?: number;
}

/**
 * The connection closed in the middle of a streamed answer: after the first `pieces` pieces of
 * `before`'s stream (default: the first half). A request that does not stream sees the connection
 * closed without an answer, like `{ kind: 'drop' }`.
 */
export interface CutTurn {
  kind: 'cut';
  before?: AnswerTurn;
  pieces?: number;
}

/** What a ScriptedModelServer plays: the shared scripted turns, errors inside streams and cut streams. */
export type ServerTurn = ScriptedTurn | StreamErrorTurn | CutTurn;

/** A request as the fake received it, and how it answered. */
export type ServerRequest = RecordedModelRequest & StreamRecord;

export interface ServerOptions {
  /** The pause between two pieces of a streamed answer (default 30 ms). */
  pieceDelayMs?: number;
}

const BEFORE_STREAM_ERROR: AnswerTurn = { kind: 'text', text: 'Let me look into that for you.' };

export interface WireReply {
  model: string;
  text: string | undefined;
  uses: Array<ScriptedToolUse & { id: string | null }>;
  /** Converse-style: end_turn, tool_use, max_tokens, content_filtered, ... */
  stopReason: string;
  usage: TokenCounts;
}

export class ScriptedModelServer {
  readonly requests: ServerRequest[] = [];
  readonly violations: string[] = [];
  /** The pause between two pieces of a streamed answer; may be changed between calls. */
  pieceDelayMs: number;
  private readonly queue: ServerTurn[] = [];
  private readonly perModel = new Map<string, ServerTurn[]>();
  private fallback: ScriptedTurn | undefined;
  private ids = 0;

  private constructor(
    private readonly server: Server,
    private readonly wire: WireFormat,
    /** `http://127.0.0.1:<port>` */
    readonly origin: string,
    options: ServerOptions,
  ) {
    this.pieceDelayMs = options.pieceDelayMs ?? DEFAULT_PIECE_DELAY_MS;
  }

  static async start(wire: WireFormat, options: ServerOptions = {}): Promise<ScriptedModelServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new ScriptedModelServer(server, wire, `http://127.0.0.1:${port}`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** Appends turns to the FIFO queue shared by all models. */
  script(...turns: ServerTurn[]): this {
    this.queue.push(...turns);
    return this;
  }

  /** Appends turns to a queue for one model id; it is checked before the shared queue. */
  scriptFor(model: string, ...turns: ServerTurn[]): this {
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
    const streamed = this.wire.streams(body);
    const request: ServerRequest = { model: typeof body?.model === 'string' ? body.model : '', body, headers: req.headers, ...newStreamRecord(streamed) };
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
      await this.play(req, res, turn, request, streamed ? raw.length - this.streamFieldChars(body) : raw.length);
    } catch (error) {
      this.violations.push(`${label}: scripted turn failed: ${String(error)}`);
      if (!res.headersSent) this.sendError(res, 500, undefined, `${this.wire.name}: ${String(error)}`);
    }
  }

  /** How many characters of the (compact JSON) body ask for the stream. */
  private streamFieldChars(body: Record<string, unknown>): number {
    const rest = Object.fromEntries(Object.entries(body).filter(([key]) => !this.wire.streamFields.includes(key)));
    return JSON.stringify(body).length - JSON.stringify(rest).length;
  }

  private async play(req: IncomingMessage, res: ServerResponse, turn: ServerTurn, request: ServerRequest, inputChars: number): Promise<void> {
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
      case 'raw': {
        const contentType = turn.contentType ?? 'application/json';
        const written = request.streamed && turn.status === 200 && contentType === 'application/json' ? jsonObject(turn.body) : undefined;
        if (written) return this.stream(res, request, this.wire.streamOfBody(written));
        return this.send(res, turn.status, turn.body, { 'content-type': contentType });
      }
      case 'cut': {
        if (!request.streamed) return void req.socket.destroy();
        const pieces = this.wire.streamPieces(this.reply(turn.before ?? BEFORE_STREAM_ERROR, request, inputChars), request.body);
        return this.stream(res, request, pieces.slice(0, piecesBeforeError(pieces.length, turn.pieces)), true);
      }
      case 'streamError': {
        const message = turn.message ?? `${this.wire.name}: scripted error inside the stream`;
        if (!request.streamed) return this.sendError(res, turn.status, turn.code, message);
        const pieces = this.wire.streamPieces(this.reply(turn.before ?? BEFORE_STREAM_ERROR, request, inputChars), request.body);
        const sent = pieces.slice(0, piecesBeforeError(pieces.length, turn.pieces));
        return this.stream(res, request, [...sent, this.wire.streamErrorPiece(turn.status, turn.code, message)]);
      }
      case 'text':
      case 'toolUse': {
        const reply = this.reply(turn, request, inputChars);
        if (request.streamed) return this.stream(res, request, this.wire.streamPieces(reply, request.body));
        return this.send(res, 200, JSON.stringify(this.wire.success(reply)), { 'content-type': 'application/json' });
      }
    }
  }

  /** The answer a text or tool-use turn stands for: fresh ids where the script gave none, estimated usage where it gave no counts. */
  private reply(turn: AnswerTurn, request: ServerRequest, inputChars: number): WireReply {
    const { text } = turn;
    const uses = turn.kind === 'toolUse' ? turn.uses.map((use) => ({ ...use, id: use.id === undefined ? this.freshId() : use.id })) : [];
    const outputChars = JSON.stringify([text, uses]).length;
    const usage = turn.usage ?? { inputTokens: estimateTokens(inputChars), outputTokens: estimateTokens(outputChars) };
    const stopReason = turn.kind === 'toolUse' ? 'tool_use' : (turn.stopReason ?? 'end_turn');
    return { model: request.model, text, uses, stopReason, usage };
  }

  /** A 200 of server-sent events, written piece by piece (`cut`: the connection closed after them). */
  private async stream(res: ServerResponse, request: ServerRequest, pieces: string[], cut = false): Promise<void> {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, { ...this.wire.headers(), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    await writePieces(res, pieces, request, this.pieceDelayMs, cut);
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
