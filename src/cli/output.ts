/** Printing: `--json` prints one JSON document on stdout, otherwise short human-readable text. */
import { clipInline, escapeBlock, escapeInline } from '../agent/escape.js';
import { questionOf, type AnsweredInterrupt, type Interrupt } from '../agent/interrupts.js';
import { oneLine, resultText, textOf, type JsonValue, type Usage } from '../agent/types.js';
import type { AgentRunResult, RunStatus } from '../workflows/messages.js';

export interface JsonFlag {
  json?: boolean;
}

export class Output {
  constructor(readonly json: boolean) {}

  /** Prints `value` as JSON with `--json`, else the human text (lines, or a function building them). */
  emit(value: unknown, human: string | string[] | (() => string | string[])): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(value)}\n`);
      return;
    }
    const text = typeof human === 'function' ? human() : human;
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Progress and dialogue: stdout for humans, stderr with `--json` so that stdout stays one JSON document. */
  info(text: string): void {
    (this.json ? process.stderr : process.stdout).write(`${text}\n`);
  }

  /** The stream that carries dialogue and progress. */
  get dialogue(): NodeJS.WritableStream {
    return this.json ? process.stderr : process.stdout;
  }
}

export function outputFor(options: JsonFlag): Output {
  return new Output(Boolean(options.json));
}

export function formatUsage(usage: Usage): string {
  return `${usage.totalTokens} tokens (${usage.inputTokens} in, ${usage.outputTokens} out)`;
}

/** Text from a model, a tool or a stranger, on one line of at most `max` characters, escaped (see escape.ts). */
export function shown(text: string, max = 300): string {
  return clipInline(oneLine(text, max), max + 40);
}

/** A JSON value on one escaped line (JSON escapes C0 controls, not the Unicode ones that reorder text). */
export function shownJson(value: JsonValue | undefined, max = 200): string {
  return shown(JSON.stringify(value ?? null), max);
}

/**
 * `status` / `wait` / `respond`: the run's phase, what it waits for, what it said last. Every
 * value that a model, a tool or an answerer wrote is escaped (see escape.ts).
 */
export function formatStatus(workflowId: string, status: RunStatus): string[] {
  const lines = [
    `${escapeInline(workflowId)}: ${status.status} (agent ${escapeInline(status.agent)}${status.sessionId ? `, session ${escapeInline(status.sessionId)}` : ''}; ` +
      `${status.modelCalls} model call${status.modelCalls === 1 ? '' : 's'}, ${formatUsage(status.usage)})`,
  ];
  if (status.error) lines.push(`  error: ${shown(status.error, 1000)}`);
  if (status.pending.length > 0) {
    lines.push(`  waiting for ${status.pending.length === 1 ? 'an answer' : `${status.pending.length} answers`}:`);
    for (const interrupt of status.pending) lines.push(...formatPending(interrupt).map((line) => `    ${line}`));
  }
  const last = status.lastMessage ? textOf(status.lastMessage).trim() : '';
  if (last && status.pending.length === 0) lines.push(`  last message: ${shown(last)}`);
  // A direct tool call (call-tool): what the tool returned, or why it did not run.
  if (status.toolResult && status.pending.length === 0) lines.push(`  tool result (${status.toolResult.status}): ${shown(resultText(status.toolResult))}`);
  // Questions code answered (interruptsPending hooks): who, so the audit shows no person was asked.
  for (const answer of status.answered.filter((one) => one.answeredBy).slice(-5)) lines.push(`  ${codeAnswerLine(answer)}`);
  for (const ignored of status.ignored.slice(-3)) lines.push(`  ignored answer to ${shown(ignored.interruptId, 200)}: ${shown(ignored.error)}`);
  return lines;
}

/** `answered by hook safe-rule: <id>: "y"`, or `by agent judge (hook judge-hook)`. */
export function codeAnswerLine(answer: AnsweredInterrupt): string {
  const by = answer.answeredBy!;
  const who = by.agent !== undefined ? `agent ${escapeInline(by.agent)} (hook ${escapeInline(by.hook)})` : `hook ${escapeInline(by.hook)}`;
  return `answered by ${who}: ${escapeInline(answer.interruptId)}: ${shownJson(answer.response)}${answer.reason ? ` (${shown(answer.reason)})` : ''}`;
}

function formatPending(interrupt: Interrupt): string[] {
  const lines = [escapeInline(interrupt.id)];
  const summary = reasonSummary(interrupt.reason);
  if (summary) lines.push(`  ${summary}`);
  lines.push(...callLines(interrupt).map((line) => `  ${line}`));
  return lines;
}

/** The call a question is about, as it will run: after an approver's edit, with the model's proposal beside it. */
export function callLines(question: Pick<Interrupt, 'toolName' | 'toolInput' | 'proposedInput' | 'calls' | 'binding'>): string[] {
  // The digest to pin an answer to with --call: what you saw is what you answer.
  const digest = question.binding ? `  (call ${question.binding.call.slice(0, 12)})` : '';
  if (question.toolName === undefined) {
    return question.calls ? [`runs the batch: ${question.calls.map((call) => `${escapeInline(call.tool)} ${shownJson(call.input)}`).join(', ')}${digest}`] : [];
  }
  const runs = `runs ${escapeInline(question.toolName)} ${shownJson(question.toolInput ?? {})}${digest}`;
  return question.proposedInput === undefined ? [runs] : [`${runs}  (edited by an approver)`, `the model proposed ${shownJson(question.proposedInput)}`];
}

function reasonSummary(reason: JsonValue): string {
  if (reason === null || reason === undefined) return '';
  const question = questionOf(reason);
  return question !== undefined ? shown(question) : shownJson(reason);
}

/** The model's final text, lines kept, every other control character escaped. */
export function finalText(result: AgentRunResult): string {
  return escapeBlock(result.text.trim()) || '(no text)';
}

/** `run` / `result`: the final text, then stop reason and usage. */
export function formatResult(result: AgentRunResult, textShown = false): string[] {
  const summary = `stop reason: ${result.stopReason}; ${result.modelCalls} model call${result.modelCalls === 1 ? '' : 's'}; ${formatUsage(result.usage)}`;
  // After live text the final text is out already.
  return textShown ? [summary] : [finalText(result), '', summary];
}

