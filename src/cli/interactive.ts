/**
 * The terminal question loop: wait for the run, ask the human about every pending interrupt,
 * answer through the `respond` update, until the run ends. Works on a TTY and on piped stdin
 * (one answer per line; at end of input every answer is the empty string, which means "no").
 */
import os from 'node:os';
import { createInterface, type Interface } from 'node:readline/promises';
import { escapeInline, hasUnsafeCharacters } from '../agent/escape.js';
import { questionOf, type Interrupt, type InterruptResponse } from '../agent/interrupts.js';
import type { JsonValue } from '../agent/types.js';
import { AgentClientError, type AgentClient } from '../sdk/agent-client.js';
import type { AgentRunResult } from '../workflows/messages.js';
import { Interrupted } from './errors.js';
import { callLines } from './output.js';
import { EventPrinter, printRun } from './watch.js';
import type { Signer } from './signing.js';
import { abortable, requestShutdown } from './signals.js';

/** Decides the answer to one interrupt (the terminal, or a fixed `--answer`). */
export type Answerer = (interrupt: Interrupt) => Promise<JsonValue>;

/** The OS user name, for `respondedBy`. */
export function userName(): string {
  try {
    return os.userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}

/**
 * One readline interface for the whole session, created on the first question (commands that
 * never ask leave stdin alone). Lines that arrive before they are asked for are kept in order.
 */
export class Terminal {
  private rl: Interface | undefined;
  private readonly lines: string[] = [];
  private readonly waiters: Array<{ resolve: (line: string | undefined) => void; reject: (error: Error) => void }> = [];
  private ended = false;
  private readonly interactive: boolean;

  constructor(
    readonly output: NodeJS.WritableStream,
    private readonly input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  ) {
    this.interactive = Boolean(input.isTTY && (output as { isTTY?: boolean }).isTTY);
  }

  /** Prints `prompt` and returns the next line; `''` once input has ended. */
  async ask(prompt: string): Promise<string> {
    const rl = this.open();
    let line: string | undefined;
    if (this.lines.length > 0) line = this.lines.shift();
    else if (this.ended) line = undefined;
    else {
      rl.setPrompt(prompt);
      if (this.interactive) rl.prompt();
      else this.output.write(prompt);
      line = await new Promise<string | undefined>((resolve, reject) => this.waiters.push({ resolve, reject }));
      if (!this.interactive) this.output.write(line === undefined ? '(end of input: empty answer)\n' : `${line}\n`);
      return line ?? '';
    }
    // Answered from buffered input, or at end of input: show the transcript as a human would see it.
    this.output.write(`${prompt}${line === undefined ? '(end of input: empty answer)' : line}\n`);
    return line ?? '';
  }

  close(): void {
    this.rl?.close();
    this.rl = undefined;
  }

  private open(): Interface {
    if (this.rl) return this.rl;
    const rl = createInterface({ input: this.input, output: this.output, terminal: this.interactive });
    rl.on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(line);
      else this.lines.push(line);
    });
    rl.on('close', () => {
      this.ended = true;
      for (const waiter of this.waiters.splice(0)) waiter.resolve(undefined);
    });
    // Ctrl-C at the prompt: readline swallows it on a TTY, so turn it into the session's shutdown.
    rl.on('SIGINT', () => {
      this.output.write('\n');
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Interrupted('interrupted at the prompt'));
      requestShutdown('interrupted at the prompt');
    });
    this.rl = rl;
    return rl;
  }
}

/**
 * Shows one interrupt: a header from its name, the reason's message and fields, who asks. Every
 * value came from a hook, a tool or a model, so each is escaped onto a line of its own (see
 * escape.ts): nothing here can print a line that looks like ours, or colour the terminal.
 */
export function describeInterrupt(interrupt: Interrupt): string[] {
  const lines = ['', `--- ${escapeInline(interrupt.name.toUpperCase())} ---`];
  const reason = interrupt.reason;
  if (reason !== null && typeof reason === 'object' && !Array.isArray(reason)) {
    if (typeof reason.message === 'string') lines.push(escapeInline(reason.message));
    for (const [key, value] of Object.entries(reason)) {
      if (key === 'message') continue;
      lines.push(`  ${escapeInline(key)}: ${fieldText(value)}`);
    }
  } else if (reason !== null && reason !== undefined) {
    lines.push(typeof reason === 'string' ? escapeInline(reason) : JSON.stringify(reason));
  }
  lines.push(...callLines(interrupt).map((line) => `  ${line}`));
  const asker = interrupt.source === 'tool' ? `the tool ${interrupt.toolName ?? ''}` : `a hook${interrupt.toolName ? ` before ${interrupt.toolName}` : ''}`;
  if (interrupt.accepts) lines.push(`  accepts: ${escapeInline(interrupt.accepts.description)}`);
  lines.push(`  (asked by ${escapeInline(asker.trim())}; id ${escapeInline(interrupt.id)})`);
  return lines;
}

/** A reason field on one line: a list of strings as `a, b`, a string as itself, anything else as JSON (which escapes controls). */
function fieldText(value: JsonValue): string {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map(escapeInline).join(', ');
  return typeof value === 'string' ? escapeInline(value) : escapeInline(JSON.stringify(value));
}

/** Choices longer than this are not choices but prose: the prompt then offers the default. */
const MAX_CHOICES_LENGTH = 40;

/**
 * `Your answer (y/N): `, with the choices the question itself offers when it ends with them,
 * e.g. "Approve? (t/y/N)" gives `(t/y/N)`. Read from the end with index scans: a question of any
 * size and shape costs one pass (the regex this replaces backtracked exponentially).
 */
export function promptFor(interrupt: Interrupt): string {
  const message = questionOf(interrupt.reason);
  // The question's own choices (`(t/y/N)`), else the words it declares it accepts.
  const choices = (message !== undefined ? offeredChoices(message) : undefined) ?? interrupt.accepts?.choices?.map(escapeInline).join('/');
  return `Your answer (${choices ?? 'y/N'}): `;
}

/** `t/y/N` from a question ending in `(t/y/N)`, optionally followed by `?`, `.` or `:`. */
export function offeredChoices(question: string): string | undefined {
  let end = question.trimEnd().length;
  if (end > 0 && '?.:'.includes(question[end - 1]!)) end = question.slice(0, end - 1).trimEnd().length;
  if (end === 0 || question[end - 1] !== ')') return undefined;
  const open = question.lastIndexOf('(', end - 1);
  if (open < 0 || end - 1 - open > MAX_CHOICES_LENGTH) return undefined;
  const inner = question.slice(open + 1, end - 1);
  const parts = inner.split('/');
  const plain = parts.length >= 2 && parts.every((part) => part.length > 0 && part.trim() === part && !/[\s()]/.test(part));
  return plain && !hasUnsafeCharacters(inner) ? inner : undefined;
}

/** Asks on the terminal. */
export function terminalAnswerer(terminal: Terminal): Answerer {
  return async (interrupt) => {
    terminal.output.write(`${describeInterrupt(interrupt).join('\n')}\n`);
    return terminal.ask(promptFor(interrupt));
  };
}

/** Gives the same answer to every question, showing it as if typed (`demo --answer`). */
export function fixedAnswerer(answer: string, output: NodeJS.WritableStream): Answerer {
  return async (interrupt) => {
    output.write(`${describeInterrupt(interrupt).join('\n')}\n${promptFor(interrupt)}${answer}  (--answer)\n`);
    return answer;
  };
}

export interface DriveOptions {
  answer: Answerer;
  /** Progress notes (answers refused because someone else answered first, ...). */
  output: NodeJS.WritableStream;
  /** Given: the model's text and the tool calls are written here as they happen (the run's stream). */
  live?: NodeJS.WritableStream;
  /** Who answers, and the key that signs the answers (see signing.ts); unsigned as the OS user when absent. */
  signer?: Signer;
  signal?: AbortSignal;
}

/**
 * The Strands-style loop: wait; while the run waits for a human, ask about every pending interrupt
 * and send the answers in one update; then return the run's result (or throw its failure).
 */
export async function driveRun(agents: AgentClient, workflowId: string, options: DriveOptions): Promise<AgentRunResult> {
  const sign = options.signer?.sign ?? ((_runId: string, answer: InterruptResponse) => ({ ...answer, respondedBy: userName() }));
  const printer = options.live ? new EventPrinter(options.live, 'text-and-tools') : undefined;
  const watching = printer ? printRun(agents, workflowId, printer, options.signal ? { signal: options.signal } : {}).catch(() => undefined) : undefined;
  let status = await abortable(agents.wait(workflowId), options.signal);
  while (status.status === 'waiting') {
    // The text the model wrote before it asked comes first.
    await printer?.caughtUp(status.pending.map((question) => question.id), LIVE_CATCH_UP_MS);
    const responses: InterruptResponse[] = [];
    for (const interrupt of status.pending) {
      const response = await abortable(options.answer(interrupt), options.signal);
      // Signed when it is sent: a proof carries the time it was made.
      responses.push({ interruptId: interrupt.id, response });
    }
    try {
      // Bound to the questions as shown: a run that changed meanwhile refuses them, and asks again.
      await abortable(agents.answer(workflowId, responses, sign, status.pending), options.signal);
    } catch (error) {
      // Someone else answered first (the first answer wins), or the run moved on: look again.
      if (!(error instanceof AgentClientError)) throw error;
      options.output.write(`note: ${escapeInline(error.message)}\n`);
    }
    status = await abortable(agents.wait(workflowId), options.signal);
  }
  await watching;
  return abortable(agents.result(workflowId), options.signal);
}

/** How long `run` waits for the stream to show the text before a question, before it asks anyway. */
const LIVE_CATCH_UP_MS = 3000;
