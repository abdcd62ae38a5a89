/**
 * A run's events in the terminal: `hitl watch RUN` (text as the model writes it, tool calls and
 * results, questions and answers, the end; `--json`: one JSON event per line, with its offset), and
 * the live text of `run` and `demo`. Everything a model or a tool wrote is escaped (escape.ts),
 * also when an escape sequence is split across two pieces of text.
 */
import { escapeBlock, escapeInline } from '../agent/escape.js';
import { questionOf } from '../agent/interrupts.js';
import type { RunEvent } from '../agent/run-events.js';
import type { AgentClient } from '../sdk/agent-client.js';
import { withAgents } from './connect.js';
import { callLines, shown, shownJson } from './output.js';

/** Which events a printer shows: all of them (`watch`), or the model's text and the tools (`run` and `demo`, which ask the questions themselves). */
export type WatchScope = 'all' | 'text-and-tools';

/** Writes each event as a person reads it; the model's text as it comes, without a newline until its message ends. */
export class EventPrinter {
  /** The message whose text is being written (its id), if any. */
  private writing: string | undefined;
  /** Questions whose event was printed (or passed): `run` asks about a question only after the text before it is out. */
  private readonly seen = new Set<string>();
  private onSeen: (() => void) | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly scope: WatchScope = 'all',
  ) {}

  /** Resolves when every question in `ids` has come by on the stream, or after `waitMs`. */
  async caughtUp(ids: readonly string[], waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!ids.every((id) => this.seen.has(id)) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.onSeen = resolve;
        setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
    }
    this.endLine();
  }

  print(event: RunEvent): void {
    if (event.type === 'tool-approval-request') {
      this.seen.add(event.approvalId);
      this.onSeen?.();
    }
    switch (event.type) {
      case 'text-start':
        this.endLine();
        this.writing = event.id;
        return;
      case 'text-delta':
        if (this.writing !== event.id) this.endLine();
        this.writing = event.id;
        this.out.write(escapeBlock(event.delta));
        return;
      case 'text-end':
        this.endLine();
        return;
      case 'data-retry':
        this.line(`[the model call is tried again (attempt ${event.data.attempt}): its text so far is dropped]`);
        return;
      case 'tool-input-available':
        this.line(`→ ${escapeInline(event.toolName)} ${shownJson(event.input)}`);
        return;
      case 'tool-output-available':
        this.line(`  ✓ ${shown(typeof event.output === 'string' ? event.output : JSON.stringify(event.output), 300)}`);
        return;
      case 'tool-output-error':
        this.line(`  ✗ ${shown(event.errorText, 300)}`);
        return;
      default:
        if (this.scope === 'all') this.printMore(event);
    }
  }

  private printMore(event: RunEvent): void {
    switch (event.type) {
      case 'start':
        this.line(`[run ${escapeInline(event.messageId)}: agent ${escapeInline(event.agent)}]`);
        return;
      case 'tool-approval-request': {
        const question = event.question;
        this.line(`[waiting] ${escapeInline(question.id)}: ${shown(questionOf(question.reason) ?? question.name)}`);
        for (const line of callLines(question)) this.line(`  ${line}`);
        return;
      }
      case 'data-answer':
        this.line(`[answered] ${escapeInline(event.data.interruptId)} by ${escapeInline(event.data.respondedBy ?? 'someone')}: ${shownJson(event.data.response)}`);
        return;
      case 'error':
        this.line(`[error] ${shown(event.errorText, 1000)}`);
        return;
      case 'finish':
        this.line(`[${event.status}${event.finishReason ? ` (${escapeInline(event.finishReason)})` : ''}]`);
        return;
      default:
    }
  }

  private line(text: string): void {
    this.endLine();
    this.out.write(`${text}\n`);
  }

  private endLine(): void {
    if (this.writing === undefined) return;
    this.out.write('\n');
    this.writing = undefined;
  }
}

/** Prints run `workflowId`'s events from `from` until the run ends or `signal` aborts. */
export async function printRun(agents: AgentClient, workflowId: string, printer: EventPrinter, options: { from?: number; signal?: AbortSignal } = {}): Promise<void> {
  for await (const { event } of agents.stream(workflowId, options.from !== undefined ? { from: options.from } : {})) {
    if (options.signal?.aborted) return;
    printer.print(event);
  }
}

export interface WatchFlags {
  json?: boolean;
  from?: number;
}

/** `hitl watch RUN`: the run's events until it ends (`--json`: NDJSON, each with its offset, for `--from`). */
export async function watchCommand(workflowId: string, flags: WatchFlags): Promise<void> {
  await withAgents(async (agents) => {
    const printer = new EventPrinter(process.stdout);
    for await (const { offset, event } of agents.stream(workflowId, flags.from !== undefined ? { from: flags.from } : {})) {
      if (flags.json) process.stdout.write(`${JSON.stringify({ offset, ...event })}\n`);
      else printer.print(event);
    }
  });
}
