/**
 * A fake Amazon Bedrock Runtime for tests: `POST /model/{modelId}/converse` over plain HTTP/1.1,
 * speaking the real Converse wire format (restJson1), answering from a script of replies.
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
import { converseRequestProblems } from './converse-rules.js';

export interface RecordedRequest {
  modelId: string;
  /** The parsed ConverseRequest JSON (`undefined` if the body was not JSON). */
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export type ScriptedReply =
  | { kind: 'text'; text: string; stopReason?: string; usage?: { inputTokens: number; outputTokens: number } }
  /** Several uses are parallel tool uses in one assistant message; stopReason is `tool_use`. */
  | { kind: 'toolUse'; uses: Array<{ name: string; input: unknown; toolUseId?: string }>; text?: string }
  /** Sets header `x-amzn-errortype: type` and body `{"message": ...}`; the type picks the SDK exception class. */
  | { kind: 'error'; type: string; status: number; message?: string }
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  | { kind: 'delay'; ms: number; then: ScriptedReply }
  | { kind: 'respond'; fn: (req: RecordedRequest) => ScriptedReply };

const CONVERSE_PATH = /^\/model\/([^/]+)\/converse$/;

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

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<FakeBedrock> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeBedrock(server, `http://127.0.0.1:${port}`);
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
    const request: RecordedRequest = { modelId, body, headers: req.headers };
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
      await this.send(res, reply, request, raw.length, 0);
    } catch (err) {
      this.violations.push(`${label}: scripted reply failed: ${String(err)}`);
      if (!res.headersSent) sendError(res, 500, 'InternalServerException', `fake bedrock: ${String(err)}`);
    }
  }

  private async send(res: ServerResponse, reply: ScriptedReply, req: RecordedRequest, inputChars: number, latencyMs: number): Promise<void> {
    switch (reply.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, reply.ms));
        return this.send(res, reply.then, req, inputChars, latencyMs + reply.ms);
      case 'respond':
        return this.send(res, reply.fn(req), req, inputChars, latencyMs);
      case 'error':
        return sendError(res, reply.status, reply.type, reply.message ?? `fake bedrock: scripted ${reply.type}`);
      case 'raw':
        return send(res, reply.status, reply.body, { 'content-type': reply.contentType ?? 'application/json' });
      case 'text':
      case 'toolUse': {
        const content = reply.kind === 'text' ? [{ text: reply.text }] : this.toolUseContent(reply);
        const usage = (reply.kind === 'text' && reply.usage) || {
          inputTokens: tokens(inputChars),
          outputTokens: tokens(JSON.stringify(content).length),
        };
        const stopReason = reply.kind === 'text' ? (reply.stopReason ?? 'end_turn') : 'tool_use';
        const response = {
          output: { message: { role: 'assistant', content } },
          stopReason,
          usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
          metrics: { latencyMs },
        };
        return send(res, 200, JSON.stringify(response), { 'content-type': 'application/json' });
      }
    }
  }

  private toolUseContent(reply: Extract<ScriptedReply, { kind: 'toolUse' }>): object[] {
    const uses = reply.uses.map((u) => ({
      toolUse: { toolUseId: u.toolUseId ?? `tooluse_${++this.toolUseCount}`, name: u.name, input: u.input },
    }));
    return reply.text === undefined ? uses : [{ text: reply.text }, ...uses];
  }
}

let requestIds = 0;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
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
