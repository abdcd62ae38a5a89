/**
 * A fake Amazon Bedrock Runtime for tests: `POST /model/{modelId}/converse` and
 * `POST /model/{modelId}/converse-stream` over plain HTTP/1.1, speaking the real wire formats
 * (restJson1; for the stream `application/vnd.amazon.eventstream` frames: messageStart,
 * contentBlockStart / contentBlockDelta / contentBlockStop, messageStop, metadata, written in
 * pieces with `pieceDelayMs` between them; a text reply may set its own number of pieces and
 * pauses), answering both from one script of replies. A
 * `streamError` reply ends a stream with an exception frame (`:message-type: exception`), a `cut`
 * reply closes the connection in the middle of it, and a `raw` Converse response body (JSON) is
 * streamed as that same response; any other raw body goes as it is.
 *
 * Requests are validated with the real service's rules (./converse-rules.ts). An invalid request
 * gets a 400 ValidationException, does not consume a scripted reply, and is recorded in
 * `violations`, which tests should assert stays empty.
 *
 * The AWS SDK client must use `requestHandler: new NodeHttpHandler()` (an instance): its default
 * handler speaks HTTP/2 and fails against this server with `NghttpError: Protocol error`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { converseRequestProblems } from './converse-rules.js';
import {
  DEFAULT_PIECE_DELAY_MS,
  groupPieces,
  jsonObject,
  newStreamRecord,
  pause,
  piecesBeforeError,
  splitFragments,
  splitText,
  writePieces,
  type StreamRecord,
  type WireEvent,
} from './stream-pieces.js';

export interface RecordedRequest extends StreamRecord {
  modelId: string;
  /** The parsed ConverseRequest JSON (`undefined` if the body was not JSON). */
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

type AnswerReply = Extract<ScriptedReply, { kind: 'text' | 'toolUse' }>;

export type ScriptedReply =
  | {
      kind: 'text';
      text: string;
      stopReason?: string;
      usage?: { inputTokens: number; outputTokens: number };
      /** Streamed: the text in at most this many pieces, cut after whitespace (default 6). */
      maxPieces?: number;
      /** Streamed: the pause between two pieces of this answer (default: the fake's `pieceDelayMs`). */
      pieceDelayMs?: number;
      /** Streamed: the pause after the response's headers, before its first piece: the model thinking (default 0). */
      firstPieceDelayMs?: number;
    }
  /** Several uses are parallel tool uses in one assistant message; stopReason is `tool_use`. */
  | { kind: 'toolUse'; uses: Array<{ name: string; input: unknown; toolUseId?: string }>; text?: string }
  /** Sets header `x-amzn-errortype: type` and body `{"message": ...}`; the type picks the SDK exception class. */
  | { kind: 'error'; type: string; status: number; message?: string }
  /** The body as given: text, or bytes (event-stream frames made with `eventFrame`, say). */
  | { kind: 'raw'; status: number; body: string | Uint8Array; contentType?: string }
  | { kind: 'delay'; ms: number; then: ScriptedReply }
  | { kind: 'respond'; fn: (req: RecordedRequest) => ScriptedReply }
  /**
   * On ConverseStream: the first `pieces` pieces of `before`'s stream (default: the first half;
   * `before` defaults to a short text), then an exception frame of `type` (`ThrottlingException`
   * is sent as `:exception-type: throttlingException`, as the real service names the union
   * member). On Converse: the same exception as HTTP `status`, like `{ kind: 'error' }`.
   */
  | { kind: 'streamError'; type: string; status: number; message?: string; before?: AnswerReply; pieces?: number }
  /** On ConverseStream: the connection closed after the first `pieces` pieces of `before`'s stream. On Converse: closed without an answer. */
  | { kind: 'cut'; before?: AnswerReply; pieces?: number };

const CONVERSE_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const BEFORE_STREAM_ERROR: AnswerReply = { kind: 'text', text: 'Let me look into that for you.' };
const codec = new EventStreamCodec(toUtf8, fromUtf8);

export interface FakeBedrockOptions {
  /** The pause between two pieces of a streamed answer (default 30 ms). */
  pieceDelayMs?: number;
}

/** Deterministic token estimate: a quarter of the character count, at least 1. */
const tokens = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

export class FakeBedrock {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  private readonly queue: ScriptedReply[] = [];
  private readonly perModel = new Map<string, ScriptedReply[]>();
  private fallback: ScriptedReply | undefined;
  private readonly responders = new Map<string, (request: RecordedRequest) => ScriptedReply>();
  private toolUseCount = 0;
  /** The pause between two pieces of a streamed answer; may be changed between calls. */
  pieceDelayMs: number;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    options: FakeBedrockOptions,
  ) {
    this.pieceDelayMs = options.pieceDelayMs ?? DEFAULT_PIECE_DELAY_MS;
  }

  static async start(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeBedrock(server, `http://127.0.0.1:${port}`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** Appends replies to the FIFO queue shared by all models. */
  script(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Appends replies to a queue for one model id; it is checked before the shared queue. */
  scriptFor(modelId: string, ...replies: ScriptedReply[]): this {
    const queue = this.perModel.get(modelId) ?? [];
    queue.push(...replies);
    this.perModel.set(modelId, queue);
    return this;
  }

  /** Every request to `modelId` is answered by `reply` (after any queued replies): for conversations that branch, like sub-agents. */
  respondFor(modelId: string, reply: (request: RecordedRequest) => ScriptedReply): this {
    this.responders.set(modelId, reply);
    return this;
  }

  /** The reply used whenever the queues are empty (`undefined` makes such a call a violation). */
  setFallback(reply: ScriptedReply | undefined): this {
    this.fallback = reply;
    return this;
  }

  /** Scripted replies not consumed yet (the fallback is not counted). */
  remaining(): number {
    let n = this.queue.length;
    for (const queue of this.perModel.values()) n += queue.length;
    return n;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    this.server.closeAllConnections(); // the SDK keeps connections alive; close() alone would wait for them
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const match = req.method === 'POST' ? CONVERSE_PATH.exec(req.url ?? '') : null;
    if (!match?.[1]) {
      this.violations.push(`unknown operation: ${req.method} ${req.url}`);
      return sendError(res, 404, 'UnknownOperationException', `fake bedrock: no operation for ${req.method} ${req.url}`);
    }
    const modelId = decodeURIComponent(match[1]);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const request: RecordedRequest = { modelId, body, headers: req.headers, ...newStreamRecord(match[2] === 'converse-stream') };
    this.requests.push(request);
    const label = `request #${this.requests.length} (${modelId})`;

    const problems = converseRequestProblems(body);
    if (problems.length > 0) {
      this.violations.push(...problems.map((p) => `${label}: ${p}`));
      return sendError(res, 400, 'ValidationException', problems[0]);
    }
    const responder = this.responders.get(modelId);
    const reply = this.perModel.get(modelId)?.shift() ?? (responder ? { kind: 'respond' as const, fn: responder } : undefined) ?? this.queue.shift() ?? this.fallback;
    if (!reply) {
      this.violations.push(`${label}: unexpected model call`);
      return sendError(res, 400, 'ValidationException', 'fake bedrock: no scripted reply left');
    }
    try {
      await this.send(req, res, reply, request, raw.length, 0);
    } catch (err) {
      this.violations.push(`${label}: scripted reply failed: ${String(err)}`);
      if (!res.headersSent) sendError(res, 500, 'InternalServerException', `fake bedrock: ${String(err)}`);
    }
  }

  private async send(incoming: IncomingMessage, res: ServerResponse, reply: ScriptedReply, req: RecordedRequest, inputChars: number, latencyMs: number): Promise<void> {
    switch (reply.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, reply.ms));
        return this.send(incoming, res, reply.then, req, inputChars, latencyMs + reply.ms);
      case 'respond':
        return this.send(incoming, res, reply.fn(req), req, inputChars, latencyMs);
      case 'error':
        return sendError(res, reply.status, reply.type, reply.message ?? `fake bedrock: scripted ${reply.type}`);
      case 'raw': {
        const contentType = reply.contentType ?? 'application/json';
        const written = req.streamed && reply.status === 200 && contentType === 'application/json' && typeof reply.body === 'string' ? jsonObject(reply.body) : undefined;
        if (written) return this.stream(res, req, this.streamFrames(written), {});
        return send(res, reply.status, reply.body, { 'content-type': contentType });
      }
      case 'cut': {
        if (!req.streamed) return void incoming.socket.destroy();
        const frames = this.streamFrames(this.response(reply.before ?? BEFORE_STREAM_ERROR, inputChars, latencyMs));
        return this.stream(res, req, frames.slice(0, piecesBeforeError(frames.length, reply.pieces)), { cut: true });
      }
      case 'streamError': {
        const message = reply.message ?? `fake bedrock: scripted ${reply.type} inside the stream`;
        if (!req.streamed) return sendError(res, reply.status, reply.type, message);
        const frames = this.streamFrames(this.response(reply.before ?? BEFORE_STREAM_ERROR, inputChars, latencyMs));
        const sent = frames.slice(0, piecesBeforeError(frames.length, reply.pieces));
        return this.stream(res, req, [...sent, exceptionFrame(reply.type, message)], {});
      }
      case 'text':
      case 'toolUse': {
        const response = this.response(reply, inputChars, latencyMs);
        const pacing: { maxPieces?: number; pieceDelayMs?: number; firstPieceDelayMs?: number } = reply.kind === 'text' ? reply : {};
        if (req.streamed) return this.stream(res, req, this.streamFrames(response, pacing.maxPieces), pacing);
        return send(res, 200, JSON.stringify(response), { 'content-type': 'application/json' });
      }
    }
  }

  /** The Converse response a text or tool-use reply stands for. */
  private response(reply: AnswerReply, inputChars: number, latencyMs: number): ConverseResponse {
    const content = reply.kind === 'text' ? [{ text: reply.text }] : this.toolUseContent(reply);
    const usage = (reply.kind === 'text' && reply.usage) || {
      inputTokens: tokens(inputChars),
      outputTokens: tokens(JSON.stringify(content).length),
    };
    const stopReason = reply.kind === 'text' ? (reply.stopReason ?? 'end_turn') : 'tool_use';
    return {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs },
    };
  }

  /**
   * A Converse response as ConverseStream sends it, frames grouped into pieces: messageStart; per
   * block its deltas (a toolUse opened by contentBlockStart with its id and name; text blocks have
   * no start event) and contentBlockStop; messageStop; metadata with usage and metrics. What the
   * response lacks (a hand-written one) is left out of the stream too.
   */
  private streamFrames(response: Partial<ConverseResponse> | Record<string, any>, maxTextPieces?: number): Uint8Array[] {
    const message = response.output?.message;
    const events: Array<WireEvent<Uint8Array>> = message ? [{ data: eventFrame('messageStart', { role: message.role }) }] : [];
    (Array.isArray(message?.content) ? (message.content as unknown[]) : []).forEach((block, contentBlockIndex) => {
      const b = (typeof block === 'object' && block !== null ? block : {}) as Partial<{ text: string; toolUse: { toolUseId: string; name: string; input: unknown } }>;
      if (typeof b.text === 'string') {
        splitText(b.text, maxTextPieces).forEach((text, i) => events.push({ data: eventFrame('contentBlockDelta', { contentBlockIndex, delta: { text } }), opens: contentBlockIndex > 0 || i > 0 }));
      } else if (b.toolUse) {
        const { toolUseId, name, input } = b.toolUse;
        events.push({ data: eventFrame('contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId, name } } }), opens: true });
        for (const fragment of splitFragments(JSON.stringify(input) ?? '')) events.push({ data: eventFrame('contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: fragment } } }), opens: true });
      }
      events.push({ data: eventFrame('contentBlockStop', { contentBlockIndex }) });
    });
    if (response.stopReason !== undefined) events.push({ data: eventFrame('messageStop', { stopReason: response.stopReason }), opens: true });
    if (response.usage !== undefined) events.push({ data: eventFrame('metadata', { usage: response.usage, metrics: response.metrics ?? { latencyMs: 0 } }) });
    return groupPieces(events).map((piece) => Buffer.concat(piece));
  }

  /** A 200 of event-stream frames, written piece by piece (`cut`: the connection closed after them). */
  private async stream(
    res: ServerResponse,
    req: RecordedRequest,
    pieces: Uint8Array[],
    { cut = false, pieceDelayMs = this.pieceDelayMs, firstPieceDelayMs = 0 }: { cut?: boolean; pieceDelayMs?: number; firstPieceDelayMs?: number },
  ): Promise<void> {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': `fake-req-${++requestIds}` });
    if (firstPieceDelayMs > 0) {
      res.flushHeaders(); // the headers go now; the first piece comes once the model has "thought"
      await pause(res, firstPieceDelayMs);
    }
    await writePieces(res, pieces, req, pieceDelayMs, cut);
  }

  private toolUseContent(reply: Extract<ScriptedReply, { kind: 'toolUse' }>): ConverseBlock[] {
    const uses = reply.uses.map((u) => ({
      toolUse: { toolUseId: u.toolUseId ?? `tooluse_${++this.toolUseCount}`, name: u.name, input: u.input },
    }));
    return reply.text === undefined ? uses : [{ text: reply.text }, ...uses];
  }
}

type ConverseBlock = { text: string } | { toolUse: { toolUseId: string; name: string; input: unknown } };

interface ConverseResponse {
  output: { message: { role: 'assistant'; content: ConverseBlock[] } };
  stopReason: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  metrics: { latencyMs: number };
}

let requestIds = 0;

/** One event-stream frame: string headers, a JSON body. */
export function frame(headers: Record<string, string>, body: object): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { type: 'string' as const, value }])),
    body: fromUtf8(JSON.stringify(body)),
  });
}

/** An event frame (`messageStart`, `contentBlockDelta`, ...); like the real service's, its payload carries a `p` padding field that clients ignore. */
export function eventFrame(type: string, payload: object): Uint8Array {
  return frame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, { ...payload, p: 'abcdefghijklmnopqrstuvwxyz'.slice(0, 4 + (type.length % 8)) });
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string>): void {
  if (res.destroyed || res.writableEnded) return; // the client gave up (e.g. a timeout during a delay)
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': `fake-req-${++requestIds}` });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, type: string, message: string | undefined): void {
  send(res, status, JSON.stringify({ message }), { 'content-type': 'application/json', 'x-amzn-errortype': type });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An exception frame: `ThrottlingException` goes out as `:exception-type: throttlingException`, the event stream's member name. */
export function exceptionFrame(type: string, message: string): Uint8Array {
  const member = type.charAt(0).toLowerCase() + type.slice(1);
  return frame({ ':message-type': 'exception', ':exception-type': member, ':content-type': 'application/json' }, { message });
}
