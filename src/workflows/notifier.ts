/**
 * Tells people that a run waits for them: one `notify` activity per event (an interrupt starts
 * waiting, a reminder interval passes, a question escalates, a deadline answers), never awaited by
 * the run, so delivery can neither block nor fail it. What each channel made of an event goes to
 * the run's decision log (status and result).
 */
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { DecisionNote } from '../agent/hooks.js';
import { escapeMarkdown } from '../agent/escape.js';
import { DEADLINE_RESPONDER, durationMs, questionOf, type AnsweredInterrupt, type Interrupt } from '../agent/interrupts.js';
import { fitJson } from '../agent/payload-budget.js';
import type { AgentDefinition } from '../agent/definition.js';
import { PATCHES } from '../agent/patches.js';
import { oneLine } from '../agent/types.js';
import type { DeliveryStatus, NotificationEvent, NotificationKind } from '../notify/event.js';

/** An event is small: the question and a preview of the input, never the whole of a huge input. */
const EVENT_BUDGET = 64 * 1024;

const { notify } = proxyActivities<{ notify(event: NotificationEvent): Promise<DeliveryStatus[]> }>({
  startToCloseTimeout: '1 minute',
  // The activity heartbeats the channels it delivered: a crashed delivery is retried within this.
  heartbeatTimeout: '30 seconds',
  // The activity returns the failures itself on its last attempt (it reads maximumAttempts).
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

export interface NotifierRun {
  agent: AgentDefinition;
  sessionId?: string;
  prompt: string;
  path?: NotificationEvent['path'];
  /** Whether the interrupt still waits (reminders stop when it does not). */
  isPending(interruptId: string): boolean;
  record(note: DecisionNote): void;
  /** The run's patches (AgentRuntime.patched). */
  patched(id: string): boolean;
}

export class Notifier {
  private readonly sent = new Set<string>();

  constructor(private readonly run: NotifierRun) {}

  /** Called whenever interrupts start or stop waiting. */
  update(pending: readonly Interrupt[], answered: readonly AnsweredInterrupt[]): void {
    // Runs that started before notifications existed do not send any.
    if (!this.run.patched(PATCHES.notifyPeople)) return;
    // Questions carried over a hand-off were announced by the run before it.
    const runStart = workflowInfo().runStartTime.getTime();
    for (const interrupt of pending) {
      if (this.sent.has(interrupt.id)) continue;
      this.sent.add(interrupt.id);
      const fresh = Date.parse(interrupt.raisedAt) >= runStart;
      if (fresh) this.send(interrupt, isEscalation(interrupt) ? 'escalated' : 'waiting', 0);
      const every = interrupt.notify?.remindEvery ?? this.run.agent.notify?.remindEvery;
      if (every !== undefined) void this.remind(interrupt, durationMs(every));
    }
    for (const answer of answered) {
      const key = `deadline:${answer.interruptId}`;
      if (answer.respondedBy !== DEADLINE_RESPONDER || this.sent.has(key)) continue;
      this.sent.add(key);
      this.send(answer.interrupt, 'deadline', 0);
    }
  }

  private async remind(interrupt: Interrupt, everyMs: number): Promise<void> {
    for (let n = 1; ; n++) {
      await sleep(everyMs);
      if (!this.run.isPending(interrupt.id)) return;
      this.send(interrupt, 'reminder', n);
    }
  }

  private send(interrupt: Interrupt, kind: NotificationKind, n: number): void {
    const { workflowId } = workflowInfo();
    const event: NotificationEvent = fitJson(
      {
        eventId: `${workflowId}:${interrupt.id}:${kind}${n > 0 ? `:${n}` : ''}`,
        kind,
        runId: workflowId,
        agent: this.run.agent.name,
        ...(this.run.sessionId !== undefined ? { sessionId: this.run.sessionId } : {}),
        interrupt,
        ...(this.run.path ? { path: this.run.path } : {}),
        prompt: oneLine(this.run.prompt, 300),
        channels: interrupt.notify?.channels ?? this.run.agent.notify?.channels ?? [],
        at: new Date().toISOString(),
      },
      EVENT_BUDGET,
    );
    // The activity's summary is what the Web UI's timeline shows of the question, without a click.
    notify.executeWithOptions({ summary: notifySummary(kind, interrupt) }, [event]).then(
      (statuses) => statuses.forEach((status) => this.note(status)),
      (error: unknown) =>
        this.note({ eventId: event.eventId, kind, interruptId: interrupt.id, channel: '*', outcome: 'failed', detail: (error as Error).message, at: new Date().toISOString() }),
    );
  }

  private note(status: DeliveryStatus): void {
    this.run.record({ kind: 'notified', detail: { ...status } });
  }
}

/** "notify: waiting — Approve delete_files? — delete_files {"paths":[…]}", on one short line, escaped for the Web UI's markdown. */
function notifySummary(kind: NotificationKind, interrupt: Interrupt): string {
  const question = questionOf(interrupt.reason) ?? interrupt.name;
  const call = interrupt.toolName !== undefined ? ` — ${interrupt.toolName} ${JSON.stringify(interrupt.toolInput ?? null)}` : '';
  return escapeMarkdown(oneLine(`notify: ${kind} — ${question}${call}`, 200));
}

function isEscalation(interrupt: Interrupt): boolean {
  const reason = interrupt.reason;
  return reason !== null && typeof reason === 'object' && !Array.isArray(reason) && reason.escalated === true;
}
