/**
 * Conversation managers: what the model is sent of a long conversation (Strands'
 * SlidingWindowConversationManager and SummarizingConversationManager, made durable).
 *
 * Both act on the model request only. The run's own conversation (its status, the `conversation`
 * query, its result, its session) stays whole: the audit keeps every message, and every tool-use id
 * the run ever saw stays in it, so a model that repeats an old id still gets a fresh one (idempotency
 * keys and interrupt ids derive from it; see tool-use-ids.ts).
 *
 * - `slidingWindow({ maxMessages })` sends the newest messages, at most `maxMessages`. It is a pure
 *   function of the conversation, so replay and continue-as-new give the same window. Its start
 *   moves in steps (`slideBy`), so that between two steps each model call's activity input carries
 *   only the new messages (workflows/runtime.ts compares the messages it sent by identity) and
 *   providers' prompt caches keep their prefix.
 * - `summarizing({ keepRecent, trigger... })`: when what the model would see passes the trigger,
 *   one model call (the model activity, recorded in history: replay reads its result) summarizes
 *   the oldest messages; from then on the model sees the summary, as a user message, then the
 *   messages after it.
 *
 * Neither ever splits a toolUse from its toolResult, and what the model is sent always starts with
 * a user message (Bedrock and Anthropic refuse anything else) that is not a lone tool result.
 */
import { parseModelChoice } from './model-choice.js';
import { resultText, type Message } from './types.js';

/** Sends the model the newest messages only. */
export interface SlidingWindowManager {
  readonly kind: 'slidingWindow';
  /** At most this many messages go to the model (the prompt kept in front counts). */
  readonly maxMessages: number;
  /** How many messages the window's start moves by when it moves. */
  readonly slideBy: number;
}

/** Replaces the oldest messages, in what the model sees, by a summary a model call wrote. */
export interface SummarizingManager {
  readonly kind: 'summarizing';
  /** The newest messages that are never summarized (a few more when a tool call's pair needs it). */
  readonly keepRecent: number;
  /** Summarize when the model would see more messages than this. */
  readonly triggerMessages: number | undefined;
  /** Summarize when what the model would see is longer than this, in characters of its JSON. */
  readonly triggerChars: number | undefined;
  /** The model that writes summaries, as `provider:id`; default: the run's model. */
  readonly summaryModel: string | undefined;
  /** The system prompt of the summary call. */
  readonly summaryPrompt: string;
}

export type ConversationManager = SlidingWindowManager | SummarizingManager;

export interface SlidingWindowOptions {
  /** At most this many messages are sent to the model (3 or more: a prompt, a tool call and its result). */
  maxMessages: number;
  /**
   * How far the window's start moves when the conversation outgrows it (default a quarter of
   * `maxMessages`, at least 1). The model then sees between `maxMessages - slideBy` and
   * `maxMessages` messages; 1 slides at every call, like Strands, and sends the whole window to
   * the model activity every time.
   */
  slideBy?: number;
}

export interface SummarizingOptions {
  /** The newest messages that stay as they are (default 10). */
  keepRecent?: number;
  /** Summarize when the model would see more messages than this (default 40, when no trigger is given). */
  triggerMessages?: number;
  /** Summarize when what the model would see passes this many characters of JSON. */
  triggerChars?: number;
  /** The model that writes summaries, as `provider:id` (default: the run's model). */
  summaryModel?: string;
  /** The system prompt of the summary call (default: SUMMARY_SYSTEM_PROMPT). */
  summaryPrompt?: string;
}

export const DEFAULT_KEEP_RECENT = 10;
export const DEFAULT_TRIGGER_MESSAGES = 40;
/** How the summary starts, in the user message that stands for the summarized messages. */
export const SUMMARY_PREFIX = 'Summary of the earlier conversation: ';
/** The longest text of one block that goes into a summary call as it is; longer ones are clipped. */
export const TRANSCRIPT_BLOCK_CHARS = 4000;

/** After Strands' DEFAULT_SUMMARIZATION_PROMPT. */
export const SUMMARY_SYSTEM_PROMPT = [
  'You are a conversation summarizer. Provide a concise summary of the conversation you are given.',
  'You MUST write structured, concise bullet points; you MUST NOT respond conversationally, address the user or comment on tool availability.',
  'You MUST NOT assume a tool execution failed unless the conversation says so.',
  'Include: the topics and requests covered; every significant tool call and its result; code or technical details shared; key insights and decisions so far.',
  'Write in the third person.',
].join('\n');

/** `conversation: slidingWindow({ maxMessages: 30 })` on `defineAgent`. */
export function slidingWindow(options: SlidingWindowOptions): SlidingWindowManager {
  const { maxMessages } = options;
  if (!Number.isInteger(maxMessages) || maxMessages < 3) {
    throw new TypeError(`slidingWindow: maxMessages must be an integer of 3 or more (a prompt, a tool call and its result), not ${String(maxMessages)}`);
  }
  const slideBy = options.slideBy ?? Math.max(1, Math.floor(maxMessages / 4));
  if (!Number.isInteger(slideBy) || slideBy < 1 || slideBy >= maxMessages) {
    throw new TypeError(`slidingWindow: slideBy must be an integer from 1 to ${maxMessages - 1}, not ${String(options.slideBy)}`);
  }
  return { kind: 'slidingWindow', maxMessages, slideBy };
}

/** `conversation: summarizing({ keepRecent: 10, triggerMessages: 40 })` on `defineAgent`. */
export function summarizing(options: SummarizingOptions = {}): SummarizingManager {
  const keepRecent = options.keepRecent ?? DEFAULT_KEEP_RECENT;
  if (!Number.isInteger(keepRecent) || keepRecent < 1) throw new TypeError(`summarizing: keepRecent must be an integer of 1 or more, not ${String(options.keepRecent)}`);
  const { triggerChars } = options;
  const triggerMessages = options.triggerMessages ?? (triggerChars === undefined ? Math.max(DEFAULT_TRIGGER_MESSAGES, keepRecent * 2) : undefined);
  if (triggerMessages !== undefined && (!Number.isInteger(triggerMessages) || triggerMessages <= keepRecent + 2)) {
    throw new TypeError(`summarizing: triggerMessages must be an integer above keepRecent + 2 (${keepRecent + 2}), or a summary would follow every call; not ${String(triggerMessages)}`);
  }
  if (triggerChars !== undefined && (!Number.isInteger(triggerChars) || triggerChars < 1)) {
    throw new TypeError(`summarizing: triggerChars must be a positive integer, not ${String(triggerChars)}`);
  }
  if (options.summaryModel !== undefined) parseModelChoice(options.summaryModel);
  const summaryPrompt = options.summaryPrompt ?? SUMMARY_SYSTEM_PROMPT;
  if (typeof summaryPrompt !== 'string' || summaryPrompt.trim() === '') throw new TypeError('summarizing: summaryPrompt must be a non-empty string');
  return { kind: 'summarizing', keepRecent, triggerMessages, triggerChars, summaryModel: options.summaryModel, summaryPrompt };
}

/** Why `manager` is not a conversation manager (an object made by hand), or undefined. */
export function conversationManagerProblem(manager: unknown): string | undefined {
  const kind = (manager as { kind?: unknown } | null)?.kind;
  if (kind !== 'slidingWindow' && kind !== 'summarizing') return 'conversation must be made by slidingWindow({...}) or summarizing({...})';
  if (kind === 'summarizing') {
    const given = manager as Partial<SummarizingManager>;
    if (typeof given.summaryPrompt !== 'string' || (given.triggerMessages === undefined && given.triggerChars === undefined)) {
      return 'conversation must be made by summarizing({...}): a summarizing manager needs a summary prompt and a trigger';
    }
  }
  try {
    if (kind === 'slidingWindow') slidingWindow(manager as SlidingWindowManager);
    else summarizing(manager as SummarizingOptions);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** A message with a tool result: the model must see its toolUse right before it. */
export function carriesToolResults(message: Message): boolean {
  return message.content.some((block) => 'toolResult' in block);
}

/** A user message that is not tool results: a prompt. */
export function opensTurn(message: Message): boolean {
  return message.role === 'user' && !carriesToolResults(message);
}

/**
 * The messages a sliding window sends: the conversation's newest messages, at most `maxMessages`
 * (unless even its last exchange is longer: then the shortest valid window). The window's start is
 * a multiple of `slideBy` at or after `length - maxMessages + 1` (one place left for a prompt in
 * front), moved on to the first valid start from which the window fits:
 * - a prompt (a user message that is not tool results): the window is the messages from there;
 * - an assistant message: the window is the prompt of its turn (the latest prompt before it), then
 *   the messages from there. The model keeps the task it works on, and roles still alternate.
 * A user message of tool results never starts the window (its toolUse would be cut off), and since
 * only a prefix is left out, every toolUse in the window has its toolResult after it.
 * The messages are the conversation's own objects (not copies).
 */
export function windowOf(messages: readonly Message[], maxMessages: number, slideBy = 1): Message[] {
  const length = messages.length;
  if (length <= maxMessages) return [...messages];
  // Room for a prompt in front: the start then moves only when the conversation passes a step.
  const start = Math.ceil((length - maxMessages + 1) / slideBy) * slideBy;
  for (let cut = start; cut < length; cut++) {
    const window = windowFrom(messages, cut);
    if (window && window.length <= maxMessages) return window;
  }
  for (let cut = length - 1; cut > 0; cut--) {
    const window = windowFrom(messages, cut);
    if (window) return window;
  }
  return [...messages];
}

function windowFrom(messages: readonly Message[], cut: number): Message[] | undefined {
  const first = messages[cut]!;
  if (carriesToolResults(first) || cutsPairs(messages, 0, cut)) return undefined;
  if (first.role === 'user') return messages.slice(cut);
  for (let pin = cut - 1; pin >= 0; pin--) if (opensTurn(messages[pin]!)) return [messages[pin]!, ...messages.slice(cut)];
  return undefined;
}

/**
 * Where a summary's part ends: messages `from` up to the split are summarized, the split's message
 * and those after it stay. It leaves the newest `keepRecent` messages, or a few more or fewer so that
 * the first message kept is not a tool result (its toolUse would be summarized away): forward first,
 * as Strands does, then backward. Undefined when fewer than two messages would be summarized.
 */
export function summarySplit(messages: readonly Message[], from: number, keepRecent: number): number | undefined {
  const length = messages.length;
  const wanted = length - keepRecent;
  if (wanted - from < 2) return undefined;
  const valid = (split: number) => !carriesToolResults(messages[split]!) && !cutsPairs(messages, from, split);
  let split = wanted;
  while (split < length && !valid(split)) split++;
  if (split >= length) {
    split = wanted - 1;
    while (split > from && !valid(split)) split--;
  }
  return split - from >= 2 ? split : undefined;
}

/** Whether leaving out messages `from` up to `cut` leaves a tool result after them whose toolUse is among them. */
function cutsPairs(messages: readonly Message[], from: number, cut: number): boolean {
  const before = new Set<string>();
  for (const message of messages.slice(from, cut)) for (const block of message.content) if ('toolUse' in block) before.add(block.toolUse.toolUseId);
  if (before.size === 0) return false;
  return messages.slice(cut).some((message) => message.content.some((block) => 'toolResult' in block && before.has(block.toolResult.toolUseId)));
}

/** Where a run stands with its summary; `through` and `covered` index its conversation. */
export interface SummaryState {
  /** The summary's text, as the model wrote it. */
  text: string;
  /** Messages before this one are in the summary. */
  covered: number;
  /** The model sees `message`, then the conversation from here on (`covered + 1` when `message` holds the first kept prompt). */
  through: number;
  /** The user message that stands for the summarized messages. */
  message: Message;
}

/**
 * The summary as the model will see it, standing for messages up to `split`: a user message
 * `Summary of the earlier conversation: …`. When the first message kept is a prompt (a user
 * message too), the summary goes in front of it, in the same message, so that roles alternate.
 */
export function summaryState(text: string, messages: readonly Message[], split: number): SummaryState {
  const block = { text: `${SUMMARY_PREFIX}${text}` };
  const first = messages[split];
  if (first && first.role === 'user') return { text, covered: split, through: split + 1, message: { role: 'user', content: [block, ...first.content] } };
  return { text, covered: split, through: split, message: { role: 'user', content: [block] } };
}

/** What the model is sent with a summary: the summary's message, then the messages after it. */
export function summarizedMessages(messages: readonly Message[], summary: SummaryState | undefined): Message[] {
  return summary ? [summary.message, ...messages.slice(summary.through)] : [...messages];
}

/**
 * The summary call's one user message: the earlier summary (if any), then the messages as a
 * transcript (tool calls and results included, each block clipped to TRANSCRIPT_BLOCK_CHARS). As
 * plain text, every provider takes it without the tool specs its tool blocks would need.
 */
export function summaryRequestText(messages: readonly Message[], earlier: string | undefined): string {
  const parts: string[] = [];
  if (earlier !== undefined) parts.push(`A summary of the conversation before this part:\n${earlier}`);
  parts.push(`The conversation${earlier !== undefined ? ' after it' : ''}:\n${transcriptOf(messages)}`);
  parts.push('Summarize the conversation above.');
  return parts.join('\n\n');
}

export function transcriptOf(messages: readonly Message[]): string {
  const lines: string[] = [];
  for (const message of messages) {
    const who = message.role === 'user' ? 'User' : 'Assistant';
    for (const block of message.content) {
      if ('text' in block) lines.push(`${who}: ${clip(block.text)}`);
      else if ('toolUse' in block) lines.push(`Assistant called tool ${block.toolUse.name} (${block.toolUse.toolUseId}) with ${clip(JSON.stringify(block.toolUse.input))}`);
      else lines.push(`Tool ${block.toolResult.toolUseId} ${block.toolResult.status === 'error' ? 'failed' : 'returned'}: ${clip(resultText(block.toolResult, '\n'))}`);
    }
  }
  return lines.join('\n');
}

function clip(text: string): string {
  return text.length <= TRANSCRIPT_BLOCK_CHARS ? text : `${text.slice(0, TRANSCRIPT_BLOCK_CHARS)}… [${text.length - TRANSCRIPT_BLOCK_CHARS} more characters]`;
}

/** Whether what the model would be sent passes the trigger: more messages, or more characters of JSON. */
export function summaryDue(manager: SummarizingManager, sent: readonly Message[]): boolean {
  if (manager.triggerMessages !== undefined && sent.length > manager.triggerMessages) return true;
  return manager.triggerChars !== undefined && JSON.stringify(sent).length > manager.triggerChars;
}
