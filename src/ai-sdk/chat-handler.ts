/**
 * The AI SDK as a front door: a fetch handler (`Request` → `Response`) that speaks the AI SDK's UI
 * message stream protocol (SSE, `x-vercel-ai-ui-message-stream: v1`), so that a `useChat` page
 * drives durable runs. Mount it in a Next.js route, Hono, Express (through @hono/node-server's
 * `getRequestListener`) or anything that takes fetch handlers:
 *
 *   POST <api>                  useChat's messages: a user message starts a run in the chat's
 *                               session (the chat id is the session id); an assistant message whose
 *                               approvals were answered in the browser (`addToolApprovalResponse`)
 *                               answers the run's questions; either way the run's events follow
 *   GET  <api>/<chatId>/stream  useChat's `resume`: the chat's run in progress, replayed from its
 *                               first event (a reload, a second tab, another machine); 204 when none
 *
 * The run's events (AgentClient.stream) become the assistant message's parts: the model's text as
 * it streams (a retried model call's partial text is withdrawn with `reset-step`), tool calls
 * (`tool-input-available`), their results (`tool-output-available` / `tool-output-error`), and each
 * question the run asks as a `tool-approval-request` whose `approvalId` is the question's id, on
 * the tool call it is about (questions about no call of this run, such as a sub-agent's, get a
 * dynamic tool part of their own). The request's `approvalDescriptor` carries the question's
 * `binding` as the stream showed it; the browser sends it back with its answer, and the answer is
 * bound to exactly that, never to the run's status at answering time.
 *
 * A response ends when the run ends, or when it waits for a person and every question it waits for
 * has been shown (the next POST, after the approvals, goes on from there: the message's metadata
 * holds `runId` and the offset `next`).
 *
 * Answers are signed by the server (a `ServiceSigner`) as the signed-in person, whom `user(request)`
 * names; no user, no service (401). The run checks them as it checks every answer: who may answer,
 * the signature, the binding. A refusal reaches the chat as an error part, in the words the web
 * inbox uses.
 */
import type { UIMessage, UIMessageChunk } from 'ai';
import type { AnswerBinding } from '../agent/binding.js';
import type { Interrupt, InterruptResponse } from '../agent/interrupts.js';
import { parseApprovalAnswer } from '../agent/approval/answers.js';
import { nameProblem } from '../agent/names.js';
import type { RunEvent } from '../agent/run-events.js';
import type { JsonValue, ModelChoice } from '../agent/types.js';
import { AgentClientError, type AgentClient } from '../sdk/agent-client.js';
import { answerFor } from '../server/answers.js';
import { webQuestion } from '../server/web-question.js';

export interface ChatHandlerOptions {
  agents: AgentClient;
  /** The agent every chat runs. */
  agent: string;
  /** Signs each answer for the run as the signed-in person (a ServiceSigner, listed under them in the approvers file). */
  signer: { sign(runId: string, person: string, answer: InterruptResponse): InterruptResponse };
  /** Who is signed in (from your session cookie, a verified token...); undefined refuses the request. */
  user(request: Request): Promise<string | undefined> | string | undefined;
  /** The model a chat's runs use (default: the agent's). */
  model?: ModelChoice | ((request: Request) => ModelChoice | undefined);
  /** The session a chat's runs belong to (default: the chat id itself). */
  sessionId?(chatId: string, user: string): string;
  /** Pings on an idle response, so proxies keep it open while a tool runs (default 15 s). */
  keepAliveMs?: number;
}

/** What the assistant message of a run carries in its metadata. */
export interface ChatRunMetadata {
  runId: string;
  agent?: string;
  /** The prompt that started the run (the session's preview of it on a resume). */
  prompt?: string;
  /** The offset of the run's stream the next response goes on from. */
  next?: number;
  /** How the run ended, once it has. */
  status?: 'completed' | 'failed' | 'cancelled';
}

/** What an approval request's descriptor holds: the question's binding as the stream showed it, and its words. */
export interface ChatApprovalDescriptor {
  binding?: AnswerBinding;
  question: JsonValue;
}

export type ChatHandler = (request: Request) => Promise<Response>;

const KEEP_ALIVE_MS = 15_000;

export function chatHandler(options: ChatHandlerOptions): ChatHandler {
  return async (request) => {
    const user = await options.user(request);
    if (user === undefined || user === '') return json({ error: 'sign in first' }, 401);
    if (request.method === 'GET') return resume(options, request, user);
    if (request.method !== 'POST') return json({ error: 'POST a chat message, or GET <api>/<chat id>/stream' }, 405);
    const body = (await request.json().catch(() => undefined)) as { id?: unknown; messages?: unknown } | undefined;
    if (typeof body?.id !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) return json({ error: 'expected useChat\'s body: { id, messages }' }, 400);
    const sessionId = options.sessionId?.(body.id, user) ?? body.id;
    const problem = nameProblem('chat id', sessionId);
    if (problem) return json({ error: problem }, 400);
    const last = body.messages.at(-1) as UIMessage;
    if (last?.role === 'user') {
      const prompt = (last.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n').trim();
      if (prompt === '') return json({ error: 'the message has no text' }, 400);
      return respond(options, async (writer) => {
        const model = typeof options.model === 'function' ? options.model(request) : options.model;
        const { workflowId } = await options.agents.start({ agent: options.agent, prompt, sessionId, ...(model ? { model } : {}) });
        await relay(options, writer, { runId: workflowId, agent: options.agent, prompt }, 0, request.signal);
      });
    }
    if (last?.role === 'assistant') {
      const metadata = last.metadata as Partial<ChatRunMetadata> | undefined;
      const runId = metadata?.runId;
      if (typeof runId !== 'string') return json({ error: 'the message names no run (metadata.runId): send a new message instead' }, 400);
      return respond(options, async (writer) => {
        const view = await options.agents.session(sessionId);
        if (view.active?.runId !== runId && !view.runs.some((run) => run.runId === runId)) throw new AgentClientError(`run ${runId} is not a run of this chat`);
        const from = typeof metadata?.next === 'number' && Number.isInteger(metadata.next) && metadata.next >= 0 ? metadata.next : 0;
        await answerApprovals(options, runId, user, approvalsOf(last));
        await relay(options, writer, { runId, ...(typeof metadata?.agent === 'string' ? { agent: metadata.agent } : {}) }, from, request.signal);
      });
    }
    return json({ error: 'the last message must be the user\'s, or an assistant message with approvals' }, 400);
  };
}

/** GET <api>/<chatId>/stream: the chat's run in progress from its first event, or 204. */
async function resume(options: ChatHandlerOptions, request: Request, user: string): Promise<Response> {
  const match = /\/([^/]+)\/stream\/?$/.exec(new URL(request.url).pathname);
  if (!match) return json({ error: 'resume at <api>/<chat id>/stream' }, 404);
  const chatId = decodeURIComponent(match[1]!);
  const sessionId = options.sessionId?.(chatId, user) ?? chatId;
  if (nameProblem('chat id', sessionId)) return new Response(null, { status: 204 });
  const view = await options.agents.session(sessionId).catch((error: unknown) => {
    if (error instanceof AgentClientError) return undefined;
    throw error;
  });
  const active = view?.active;
  if (!active) return new Response(null, { status: 204 });
  return respond(options, (writer) => relay(options, writer, { runId: active.runId, agent: active.agent, prompt: active.prompt }, 0, request.signal));
}

interface Writer {
  write(chunk: UIMessageChunk): void;
}

/** A UI message stream response whose chunks `produce` writes; its failures become the chat's error part. */
async function respond(options: ChatHandlerOptions, produce: (writer: Writer) => Promise<void>): Promise<Response> {
  const { createUIMessageStream, createUIMessageStreamResponse } = await import('ai');
  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      try {
        await produce(writer);
      } catch (error) {
        writer.write({ type: 'error', errorText: errorText(error) });
      }
    },
  });
  return createUIMessageStreamResponse({ stream, keepAliveMs: options.keepAliveMs ?? KEEP_ALIVE_MS });
}

/** The refusal in the web inbox's words: the client's own message, or Temporal's trouble. */
function errorText(error: unknown): string {
  if (error instanceof AgentClientError) return error.message;
  const err = error as { details?: string; message?: string; cause?: { details?: string; message?: string } };
  return `Temporal did not answer: ${String(err?.cause?.details || err?.details || err?.message || error).replace(/\s+/g, ' ').slice(0, 500)}`;
}

interface Approval {
  approvalId: string;
  approved: boolean;
  reason?: string;
  descriptor?: Partial<ChatApprovalDescriptor>;
}

/** The approvals the browser answered in this message (`addToolApprovalResponse`), old and new. */
function approvalsOf(message: UIMessage): Approval[] {
  return message.parts.flatMap((part): Approval[] => {
    const approval = (part as { state?: unknown; approval?: { id?: unknown; approved?: unknown; reason?: unknown; descriptor?: unknown } }).approval;
    if ((part as { state?: unknown }).state !== 'approval-responded' || typeof approval?.id !== 'string' || typeof approval.approved !== 'boolean') return [];
    const descriptor = typeof approval.descriptor === 'object' && approval.descriptor !== null ? (approval.descriptor as Partial<ChatApprovalDescriptor>) : undefined;
    return [{ approvalId: approval.id, approved: approval.approved, ...(typeof approval.reason === 'string' ? { reason: approval.reason } : {}), ...(descriptor ? { descriptor } : {}) }];
  });
}

/**
 * Gives each answer whose question still waits, signed as `user`, bound to the binding the stream
 * showed with the question (which the browser sent back); one the run refuses stops here, and its
 * refusal is the chat's error. Answers to questions that wait no more (answered before, here or
 * elsewhere) are left alone: the stream shows what became of them.
 */
async function answerApprovals(options: ChatHandlerOptions, runId: string, user: string, approvals: readonly Approval[]): Promise<void> {
  if (approvals.length === 0) return;
  const pending = new Map((await options.agents.status(runId)).pending.map((question) => [question.id, question]));
  for (const approval of approvals) {
    const question = pending.get(approval.approvalId);
    if (!question) continue;
    const binding = approval.descriptor?.binding;
    if (binding === undefined) throw new AgentClientError('the page did not say which question it showed (no binding); reload it and answer what it shows');
    const unsigned = answerFor(
      { interruptId: question.id, action: approval.approved ? 'approve' : 'deny', binding, ...(approval.reason !== undefined ? { reason: approval.reason } : {}) },
      question.accepts,
    );
    if (typeof unsigned === 'string') throw new AgentClientError(unsigned);
    // Routed as the run shows the question (a sub-agent's goes to its own run); bound as the stream showed it.
    const shown: Interrupt = { ...question, binding };
    await options.agents.answer(runId, [unsigned], (target, bound) => options.signer.sign(target, user, bound), [shown]);
  }
}

/** A tool part of the message as the relay knows it. */
interface ToolPart {
  /** The question the part shows now, unanswered. */
  open?: string;
  /** Made for a question about no tool call of this run. */
  synthetic: boolean;
  done: boolean;
}

/**
 * Writes the run's events from offset `from` as UI message chunks (reading from the first, to know
 * the message the browser has), until the run ends or waits with every question it waits for shown.
 */
async function relay(options: ChatHandlerOptions, writer: Writer, metadata: ChatRunMetadata, from: number, signal: AbortSignal): Promise<void> {
  const { runId } = metadata;
  writer.write({ type: 'start', messageId: runId, messageMetadata: metadata });
  const parts = new Map<string, ToolPart>();
  /** The part each question shows on, while it waits. */
  const questions = new Map<string, string>();
  let turn: string | undefined;
  /** The text messages the current step shows (a second text-start of one replaces it). */
  const texts = new Set<string>();
  /** The last event was a tool call of the current model turn (one turn's calls share a step). */
  let inToolCalls = false;
  let next = from;
  /** Whether any event came before (an ended run's stream is its finish alone). */
  let first = true;
  let failure: string | undefined;
  const events = options.agents.stream(runId)[Symbol.asyncIterator]();
  const stopped = new Promise<'aborted'>((resolve) => (signal.aborted ? resolve('aborted') : signal.addEventListener('abort', () => resolve('aborted'), { once: true })));
  try {
    for (;;) {
      const item = await Promise.race([events.next(), stopped]);
      if (item === 'aborted' || item.done) return;
      const { offset, event } = item.value;
      // An ended run with no worker to replay it gives its finish alone (with its final text).
      const ended = event.type === 'finish' && first;
      first = false;
      const write = offset >= from || ended ? (chunk: UIMessageChunk) => writer.write(chunk) : () => undefined;
      if (offset >= from) next = offset + 1;
      switch (event.type) {
        case 'text-start':
          if (event.id !== turn) {
            turn = event.id;
            write({ type: 'start-step' });
          } else if (texts.has(event.id)) {
            // The whole text again (the run tells it when the activity could not stream it): it replaces what was shown.
            write({ type: 'reset-step' });
          }
          texts.add(event.id);
          inToolCalls = false;
          write(event);
          break;
        case 'text-delta':
        case 'text-end':
          write(event);
          break;
        case 'data-retry':
          // The model call is tried again: what it streamed so far goes.
          if (event.data.id === turn && texts.delete(event.data.id)) write({ type: 'reset-step' });
          break;
        case 'tool-input-available':
          if (!inToolCalls && turn === undefined) write({ type: 'start-step' });
          inToolCalls = true;
          turn = undefined;
          parts.set(event.toolCallId, { synthetic: false, done: false });
          write({ type: 'tool-input-available', toolCallId: event.toolCallId, toolName: event.toolName, input: event.input });
          break;
        case 'tool-approval-request': {
          inToolCalls = false;
          turn = undefined;
          const question = event.question;
          // A question of this run about one of its calls shows on that call; any other (a sub-agent's) on a part of its own.
          const own = question.runId === undefined || question.runId === runId;
          const onCall = own && event.toolCallId !== undefined ? parts.get(event.toolCallId) : undefined;
          let toolCallId = event.toolCallId;
          if (!onCall || onCall.open !== undefined || onCall.done) {
            toolCallId = `question:${question.id}`;
            parts.set(toolCallId, { synthetic: true, done: false });
            write({ type: 'tool-input-available', toolCallId, toolName: question.toolName ?? question.name, input: (question.toolInput ?? question.reason) as never, dynamic: true, title: titleOf(question) });
          }
          parts.get(toolCallId!)!.open = question.id;
          questions.set(question.id, toolCallId!);
          const descriptor: ChatApprovalDescriptor = { question: webQuestion(question.reason), ...(question.binding ? { binding: question.binding } : {}) };
          write({ type: 'tool-approval-request', approvalId: question.id, toolCallId: toolCallId!, approvalDescriptor: descriptor, reason: titleOf(question) });
          break;
        }
        case 'data-answer': {
          const toolCallId = questions.get(event.data.interruptId);
          if (toolCallId === undefined) break;
          questions.delete(event.data.interruptId);
          const part = parts.get(toolCallId)!;
          part.open = undefined;
          const meaning = parseApprovalAnswer({}, event.data.response);
          const approved = meaning?.decision === 'approve' || meaning?.decision === 'trust' || meaning?.decision === 'edit';
          const by = event.data.respondedBy !== undefined ? `${event.data.respondedBy}${event.data.verified ? '' : ' (unverified)'}` : undefined;
          write({ type: 'tool-approval-response', approvalId: event.data.interruptId, approved, ...(by !== undefined ? { reason: `answered by ${by}` } : {}) });
          if (part.synthetic) {
            part.done = true;
            write(approved ? { type: 'tool-output-available', toolCallId, output: { answer: event.data.response, ...(event.data.respondedBy !== undefined ? { respondedBy: event.data.respondedBy } : {}) } } : { type: 'tool-output-denied', toolCallId });
          }
          break;
        }
        case 'tool-output-available':
        case 'tool-output-error': {
          inToolCalls = false;
          if (!parts.has(event.toolCallId)) {
            // Its call is older than what the run keeps of its stream: a part to hold the result.
            write({ type: 'tool-input-available', toolCallId: event.toolCallId, toolName: 'tool', input: null, dynamic: true });
          }
          parts.set(event.toolCallId, { synthetic: false, done: true });
          write(event.type === 'tool-output-available' ? { type: 'tool-output-available', toolCallId: event.toolCallId, output: event.output } : { type: 'tool-output-error', toolCallId: event.toolCallId, errorText: event.errorText });
          break;
        }
        case 'error':
          // Said after the finish (an error part ends the browser's reading of the stream).
          failure = event.errorText;
          break;
        case 'finish': {
          if (ended && event.text) {
            write({ type: 'start-step' });
            write({ type: 'text-start', id: 'final' });
            write({ type: 'text-delta', id: 'final', delta: event.text });
            write({ type: 'text-end', id: 'final' });
          }
          for (const [toolCallId, part] of parts) {
            if (!part.done) write({ type: 'tool-output-error', toolCallId, errorText: `the run ended (${event.status}) before this call finished` });
          }
          write({ type: 'message-metadata', messageMetadata: { ...metadata, next, status: event.status } satisfies ChatRunMetadata });
          write({ type: 'finish', finishReason: FINISH_REASONS[event.finishReason ?? ''] ?? (event.status === 'completed' ? 'stop' : 'error') });
          if (event.status !== 'completed') writer.write({ type: 'error', errorText: event.status === 'cancelled' ? 'the run was cancelled' : `the run failed${failure ? `: ${failure}` : ''}` });
          return;
        }
        default:
          break;
      }
      // Waiting for people, and every question it waits for is shown: this response is done.
      if ((event.type === 'tool-approval-request' || event.type === 'data-answer') && questions.size > 0 && offset + 1 >= from && (await waitsOnlyFor(options, runId, questions))) {
        writer.write({ type: 'message-metadata', messageMetadata: { ...metadata, next } satisfies ChatRunMetadata });
        writer.write({ type: 'finish' });
        return;
      }
    }
  } finally {
    void events.return(undefined).catch(() => undefined);
  }
}

/** Whether the run waits for people now, and only for questions the message shows. */
async function waitsOnlyFor(options: ChatHandlerOptions, runId: string, shown: ReadonlyMap<string, string>): Promise<boolean> {
  const status = await options.agents.status(runId).catch(() => undefined);
  return status?.status === 'waiting' && status.pending.length > 0 && status.pending.every((question) => shown.has(question.id));
}

const FINISH_REASONS: Record<string, 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other'> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  max_model_calls: 'length',
  content_filtered: 'content-filter',
  guardrail_intervened: 'content-filter',
};

/** The question in words for the page: its message without the terminal's answer hint. */
function titleOf(question: Interrupt): string {
  const words = webQuestion(question.reason);
  return typeof words === 'string' ? words : question.name;
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
