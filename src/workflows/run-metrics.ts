/**
 * The run's human-in-the-loop metrics, recorded from workflow code (never while replaying, so a
 * replay or a worker restart counts nothing twice):
 *
 *   hitl_interrupts_open         up-down counter by agent (through the `agentMetrics` sink: the
 *                                workflow meter has no up-down counter)
 *   hitl_interrupts_opened       counter by agent, tool
 *   hitl_interrupt_answer_time   histogram (ms) by agent, tool, outcome
 *   hitl_interrupt_outcomes      counter by agent, tool, outcome: approved | denied | edited |
 *                                trusted | escalated | expired | answered | cancelled
 *
 * Use one `RunMetrics` per run and call `update` wherever the pending and answered lists change
 * (beside `Notifier.update`), and `runEnded` when the run ends with questions still open (not on a
 * continue-as-new: the next run adopts them). Questions mirrored from a sub-agent are counted by the
 * sub-agent's own run; a question carried over a continue-as-new was counted open by the run that
 * raised it and is counted answered by the run that receives the answer.
 */
import { metricMeter, proxySinks, workflowInfo, type Sinks } from '@temporalio/workflow';
import { parseApprovalAnswer } from '../agent/approval/answers.js';
import { DEADLINE_RESPONDER, type AnsweredInterrupt, type Interrupt } from '../agent/interrupts.js';

export type InterruptOutcome = 'approved' | 'denied' | 'edited' | 'trusted' | 'escalated' | 'expired' | 'answered' | 'cancelled';

/** The worker side of the open-interrupts gauge (src/observability/open-interrupts.ts registers it). */
export interface AgentMetricsSinks extends Sinks {
  agentMetrics: {
    openInterrupts(delta: number, tags: { agent: string }): void;
  };
}

const { agentMetrics } = proxySinks<AgentMetricsSinks>();

const DECISIONS: Record<string, InterruptOutcome> = { approve: 'approved', deny: 'denied', edit: 'edited', trust: 'trusted', escalate: 'escalated' };

/** What an answer decided, in the words of the metrics. */
export function answerOutcome(answer: AnsweredInterrupt): InterruptOutcome {
  if (answer.respondedBy === DEADLINE_RESPONDER) return 'expired';
  const parsed = parseApprovalAnswer({}, answer.response);
  return parsed ? (DECISIONS[parsed.decision] ?? 'answered') : 'answered';
}

export class RunMetrics {
  private readonly open = new Map<string, Interrupt>();
  private readonly closed = new Set<string>();

  constructor(private readonly agent: string) {}

  update(pending: readonly Interrupt[], answered: readonly AnsweredInterrupt[]): void {
    const runStart = workflowInfo().runStartTime.getTime();
    for (const interrupt of pending) {
      if (this.open.has(interrupt.id) || this.closed.has(interrupt.id) || interrupt.runId !== undefined) continue;
      this.open.set(interrupt.id, interrupt);
      // Carried over a continue-as-new: counted open by the run before; only its answer is counted here.
      if (Date.parse(interrupt.raisedAt) < runStart) continue;
      metricMeter.createCounter('hitl_interrupts_opened', 'interrupts', 'questions asked of people').add(1, this.tags(interrupt));
      agentMetrics.openInterrupts(1, { agent: this.agent });
    }
    for (const answer of answered) {
      if (this.open.has(answer.interruptId)) this.close(answer.interrupt, answerOutcome(answer), Date.parse(answer.answeredAt));
    }
  }

  /** The run ends (cancelled, failed, completed) with questions still open: they close unanswered. */
  runEnded(): void {
    const now = Date.now();
    for (const interrupt of [...this.open.values()]) this.close(interrupt, 'cancelled', now);
  }

  private close(interrupt: Interrupt, outcome: InterruptOutcome, at: number): void {
    this.open.delete(interrupt.id);
    this.closed.add(interrupt.id);
    const tags = { ...this.tags(interrupt), outcome };
    metricMeter.createHistogram('hitl_interrupt_answer_time', 'int', 'ms', 'time from question to answer').record(Math.max(0, at - Date.parse(interrupt.raisedAt)), tags);
    metricMeter.createCounter('hitl_interrupt_outcomes', 'interrupts', 'answers by outcome').add(1, tags);
    agentMetrics.openInterrupts(-1, { agent: this.agent });
  }

  private tags(interrupt: Interrupt): { agent: string; tool: string } {
    return { agent: this.agent, tool: interrupt.toolName ?? interrupt.name };
  }
}
