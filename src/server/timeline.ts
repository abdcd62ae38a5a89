/**
 * A run's timeline for its web page: the questions it asked, the answers they got (by whom,
 * verified or not, when) and the tool calls it made (tool, input, how the call ended), in the order
 * the run went through them. Built from the run's conversation (tool uses and their results, in
 * order) and its status (questions waiting and answered): each question is placed just before the
 * call it is about, its answer right after it. Pure: the inputs are read elsewhere (run-view.ts).
 */
import { canonicalJson } from '../agent/canonical-json.js';
import type { AnsweredInterrupt, Interrupt } from '../agent/interrupts.js';
import { isTextBlock, resultText, toolUsesOf, type JsonValue, type Message, type ToolResult, type ToolUse } from '../agent/types.js';
import type { RunPhase, RunStatus } from '../workflows/messages.js';
import { webQuestion } from './web-question.js';

export interface QuestionEntry {
  kind: 'question';
  interruptId: string;
  /** Set for a sub-agent's question shown in its caller: the run that asks it (its page is there). */
  runId?: string;
  ownId?: string;
  name: string;
  tool?: string;
  /** The question in web words (no terminal hint). */
  question: JsonValue;
  at: string;
  /** Still waiting for an answer. */
  waiting: boolean;
}

export interface AnswerEntry {
  kind: 'answer';
  interruptId: string;
  response: JsonValue;
  respondedBy?: string;
  verified?: boolean;
  preset?: boolean;
  reason?: string;
  at: string;
}

export type ToolCallStatus = 'success' | 'error' | 'waiting' | 'running' | 'no result';

export interface ToolEntry {
  kind: 'tool';
  toolUseId: string;
  tool: string;
  input: JsonValue;
  status: ToolCallStatus;
  /** What the tool returned (or why it did not run), cut to MAX_RESULT_TEXT characters. */
  result?: string;
  /** The questions asked about this call (their ids): a question page shows this call as its outcome. */
  questions: string[];
}

export type TimelineEntry = QuestionEntry | AnswerEntry | ToolEntry;

export const MAX_RESULT_TEXT = 2000;

/**
 * This run's own part of a conversation: from its prompt on. A run of a session starts with the
 * session's earlier conversation; its own prompt is the last user message that says exactly it.
 */
export function ownPart(messages: readonly Message[], prompt: string | undefined): readonly Message[] {
  if (prompt === undefined) return messages;
  const start = messages.findLastIndex(
    (message) => message.role === 'user' && message.content.length === 1 && isTextBlock(message.content[0]!) && message.content[0].text === prompt,
  );
  return start < 0 ? messages : messages.slice(start);
}

interface Asked {
  interrupt: Interrupt;
  answer?: AnsweredInterrupt;
}

export function buildTimeline(status: Pick<RunStatus, 'status' | 'pending' | 'answered' | 'lastMessage'>, conversation: readonly Message[], prompt?: string): TimelineEntry[] {
  const turns = [...ownPart(conversation, prompt)];
  // The turn whose calls wait for people is not in the conversation yet: the status's last message holds it.
  const seen = new Set(turns.flatMap((message) => toolUsesOf(message).map((use) => use.toolUseId)));
  const last = status.lastMessage;
  if (last?.role === 'assistant' && toolUsesOf(last).some((use) => !seen.has(use.toolUseId))) turns.push(last);

  const results = new Map<string, ToolResult>();
  for (const message of turns) for (const block of message.content) if ('toolResult' in block) results.set(block.toolResult.toolUseId, block.toolResult);

  const asked: Asked[] = [
    ...status.answered.filter((answer) => !answer.preset).map((answer) => ({ interrupt: answer.interrupt, answer })),
    ...status.pending.map((interrupt) => ({ interrupt })),
  ].sort((a, b) => a.interrupt.raisedAt.localeCompare(b.interrupt.raisedAt));

  const entries: TimelineEntry[] = [];
  const placed = new Set<Asked>();
  const place = (question: Asked) => {
    placed.add(question);
    entries.push(questionEntry(question.interrupt, question.answer === undefined));
    if (question.answer) entries.push(answerEntry(question.answer));
  };

  for (const message of turns) {
    if (message.role !== 'assistant') continue;
    const uses = toolUsesOf(message);
    if (uses.length === 0) continue;
    // A before-tools question is about the whole batch: it comes before the batch's first call.
    const batch = canonicalJson(uses.map((use) => ({ tool: use.name, input: use.input })));
    const aboutBatch = asked.filter((question) => !placed.has(question) && question.interrupt.calls !== undefined && canonicalJson(question.interrupt.calls) === batch);
    aboutBatch.forEach(place);
    for (const use of uses) {
      const aboutCall = asked.filter((question) => !placed.has(question) && question.interrupt.runId === undefined && question.interrupt.toolUseId === use.toolUseId);
      aboutCall.forEach(place);
      entries.push(toolEntry(use, results.get(use.toolUseId), status.status, [...aboutBatch, ...aboutCall].map((question) => question.interrupt.id)));
    }
  }
  // Questions no call of the conversation explains (a sub-agent's, shown in its caller), in the order they were asked.
  asked.filter((question) => !placed.has(question)).forEach(place);
  return entries;
}

function questionEntry(interrupt: Interrupt, waiting: boolean): QuestionEntry {
  return {
    kind: 'question',
    interruptId: interrupt.id,
    ...(interrupt.runId !== undefined && interrupt.ownId !== undefined ? { runId: interrupt.runId, ownId: interrupt.ownId } : {}),
    name: interrupt.name,
    ...(interrupt.toolName !== undefined ? { tool: interrupt.toolName } : {}),
    question: webQuestion(interrupt.reason),
    at: interrupt.raisedAt,
    waiting,
  };
}

function answerEntry(answer: AnsweredInterrupt): AnswerEntry {
  return {
    kind: 'answer',
    interruptId: answer.interruptId,
    response: answer.response,
    ...(answer.respondedBy !== undefined ? { respondedBy: answer.respondedBy } : {}),
    ...(answer.verified !== undefined ? { verified: answer.verified } : {}),
    ...(answer.preset ? { preset: true } : {}),
    ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
    at: answer.answeredAt,
  };
}

function toolEntry(use: ToolUse, result: ToolResult | undefined, phase: RunPhase, questions: string[]): ToolEntry {
  const pending: ToolCallStatus = phase === 'waiting' ? 'waiting' : phase === 'running' ? 'running' : 'no result';
  return {
    kind: 'tool',
    toolUseId: use.toolUseId,
    tool: use.name,
    input: use.input,
    status: result?.status ?? pending,
    ...(result ? { result: clipped(resultText(result)) } : {}),
    questions,
  };
}

function clipped(text: string): string {
  return text.length > MAX_RESULT_TEXT ? `${text.slice(0, MAX_RESULT_TEXT - 1)}…` : text;
}
