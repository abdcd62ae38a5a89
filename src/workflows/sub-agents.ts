/**
 * The calling side of sub-agents: each call of a sub-agent tool is a child run of that agent.
 * While it waits for people, its questions show in this run's status (as `sub:<toolUseId>:<id>`,
 * with the run that asks and the path down to it), and this run counts as waiting. Its final text
 * is the tool's result; its failure, termination or cancellation an error result.
 *
 * Children are started with ParentClosePolicy ABANDON so that this run can continue as new while
 * one waits: the new run finds the child again by its derived workflow id and learns of its end
 * from the child's own report (by signal), checking now and then whether it ended without one
 * (terminated by an operator). Cancelling this run cancels its children.
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities/index.js';
import type { AgentDefinition } from '../agent/definition.js';
import { HandOffWhileWaiting } from '../agent/interrupt-book.js';
import { bindingDescribes } from '../agent/binding.js';
import { PATCHES } from '../agent/patches.js';
import type { Interrupt, InterruptResponse, PathStep } from '../agent/interrupts.js';
import type { SubAgentCall, SubAgentOutcome } from '../agent/runtime.js';
import { stateChangesBetween } from '../agent/state.js';
import { errorResult, successResult } from '../agent/types.js';
import { AGENT_RUN_WORKFLOW, respondSignal, type AgentRunInput, type AgentRunResult } from './messages.js';
import type { ActivityTimeouts } from './runtime.js';
import type { Indexing } from './search-attributes.js';
import {
  subAgentFinishedSignal,
  subAgentWaitingSignal,
  subAgentWorkflowId,
  type SubAgentFinished,
} from './sub-agent-messages.js';

/** How long a cancelled run waits for its children to take the cancellation before it ends. */
const CHILD_CANCEL_GRACE = '1 minute';

const { runState } = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } });

/** A child this run waits for, and the questions it last reported. */
export interface WaitingChild {
  childId: string;
  toolUseId: string;
  agent: string;
  pending: Interrupt[];
  /** The order of the report `pending` came from (see SubAgentWaiting). */
  seq?: [number, number];
}

export interface SubAgentsContext {
  agents: readonly AgentDefinition[];
  runId: string;
  agent: string;
  /** This run's way down from the top run, ending with the step into this run. */
  lineage: PathStep[];
  sessionId?: string;
  indexed: Indexing;
  timeouts?: ActivityTimeouts;
  /** The children a run before a continue-as-new was waiting for. */
  carried?: WaitingChild[];
  /** Reports of carried children that ended before the hand-off (graphs and swarms carry them: `reports`). */
  carriedReports?: SubAgentFinished[];
  handingOff(): boolean;
  /** Called whenever a child's questions change. */
  onChange(): void;
  /** The run's patches (AgentRuntime.patched). */
  patched(id: string): boolean;
}

export class SubAgents {
  private readonly children = new Map<string, WaitingChild>();
  private readonly finished = new Map<string, SubAgentFinished>();

  constructor(private readonly context: SubAgentsContext) {
    for (const child of context.carried ?? []) this.children.set(child.childId, child);
    for (const report of context.carriedReports ?? []) if (this.children.has(report.childId)) this.finished.set(report.childId, report);
    setHandler(subAgentWaitingSignal, (report) => {
      const child = this.children.get(report.childId);
      if (!child) return;
      // Since the patch a report older than the one shown is dropped (it would hide newer questions),
      // and so is every question the child's own runs could not have asked (a forged report).
      const checked = context.patched(PATCHES.orderedReports);
      if (checked && report.seq && child.seq && !isNewer(report.seq, child.seq)) return;
      child.pending = checked ? report.pending.filter((question) => askedBelow(child.childId, question)) : report.pending;
      if (report.seq) child.seq = report.seq;
      context.onChange();
    });
    setHandler(subAgentFinishedSignal, (report) => {
      if (!this.children.has(report.childId)) return;
      // Since the patch the first report stands: the child reports once, and a later one is not its.
      if (this.finished.has(report.childId) && context.patched(PATCHES.childResults)) return;
      this.finished.set(report.childId, report);
    });
  }

  /** The children's questions as this run shows them. */
  get pending(): Interrupt[] {
    return [...this.children.values()].flatMap((child) =>
      child.pending.map((question) => ({
        ...question,
        id: `sub:${child.toolUseId}:${question.id}`,
        runId: question.runId ?? child.childId,
        ownId: question.ownId ?? question.id,
      })),
    );
  }

  /** What a continue-as-new carries. */
  get waiting(): WaitingChild[] {
    return [...this.children.values()];
  }

  /** Reports of children whose call handed off before it took them: carried with `waiting` (graphs and swarms). */
  get reports(): SubAgentFinished[] {
    return [...this.finished.values()];
  }

  /** The question with this id in this run's status, when it is a sub-agent's. */
  question(id: string): Interrupt | undefined {
    return id.startsWith('sub:') ? this.pending.find((question) => question.id === id) : undefined;
  }

  /**
   * `attach`: an earlier run of this workflow started the child, which is never started again (a
   * child that closed meanwhile would run from scratch under its id); its state is asked at once.
   */
  async run(call: SubAgentCall, options: { attach?: boolean } = {}): Promise<SubAgentOutcome> {
    const agent = this.context.agents.find((candidate) => candidate.name === call.agent);
    if (!agent) return { result: errorResult(call.toolUseId, `Sub-agent "${call.agent}" is not in this worker.`), stateChanges: [] };
    const childId = subAgentWorkflowId(this.context.runId, call.toolUseId);
    if (!this.children.has(childId)) this.children.set(childId, { childId, toolUseId: call.toolUseId, agent: call.agent, pending: [] });
    let settled: { result: AgentRunResult } | { error: unknown } | undefined;
    let attached = options.attach === true;
    // Since the patch a child this run started ends when Temporal says so (its result), not when a
    // report says so: a report is a signal, which anyone who may signal the run can forge.
    const resultsOnly = this.context.patched(PATCHES.childResults);
    if (!attached) {
      try {
        const handle = await startChild(AGENT_RUN_WORKFLOW, {
          workflowId: childId,
          args: [this.childInput(call, agent)],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `${call.agent}: sub-agent of ${this.context.agent} (${call.toolName})`,
          memo: { agent: call.agent, ...(this.context.sessionId !== undefined ? { sessionId: this.context.sessionId } : {}) },
        });
        handle.result().then(
          (result) => (settled = { result }),
          (error: unknown) => (settled = { error }),
        );
      } catch (error) {
        // This run continued as new while the child waited: the child runs on, and reports its end.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        attached = true;
      }
    }
    try {
      if (attached) await this.untilReported(childId, options.attach === true);
      else await condition(() => settled !== undefined || (!resultsOnly && this.finished.has(childId)) || this.context.handingOff());
    } catch (error) {
      if (isCancellation(error)) {
        // The server drops a cancel request of a run that closes meanwhile: wait until the child has
        // taken it (a child started by an earlier run of this workflow is asked explicitly).
        await CancellationScope.nonCancellable(async () => {
          if (attached) await getExternalWorkflowHandle(childId).cancel().catch(() => undefined);
          await condition(() => settled !== undefined || this.finished.has(childId), CHILD_CANCEL_GRACE);
        });
      }
      throw error;
    }
    const report = resultsOnly && !attached ? undefined : this.finished.get(childId);
    if (!report && settled === undefined) throw new HandOffWhileWaiting();
    this.children.delete(childId);
    this.finished.delete(childId);
    this.context.onChange();
    return report ? outcomeOfReport(call, report) : outcomeOfSettled(call, childId, settled!);
  }

  private childInput(call: SubAgentCall, agent: AgentDefinition): AgentRunInput {
    return {
      agent: call.agent,
      prompt: call.prompt,
      // The sub-agent's own model when it names one, else the caller's.
      ...(agent.model === undefined ? { model: call.model } : {}),
      state: call.state,
      ...(call.workspace !== undefined ? { workspace: call.workspace } : {}),
      ...(this.context.sessionId !== undefined ? { sessionId: this.context.sessionId } : {}),
      ...(this.context.timeouts !== undefined ? { timeouts: this.context.timeouts } : {}),
      indexed: this.context.indexed,
      parent: { runId: this.context.runId, agent: this.context.agent, toolUseId: call.toolUseId, tool: call.toolName, lineage: this.context.lineage },
    };
  }

  /** Waits for the child's report; now and then asks Temporal whether it ended without one (terminated). */
  private async untilReported(childId: string, checkNow = false): Promise<void> {
    for (let pauseMs = 30_000, first = true; ; pauseMs = Math.min(pauseMs * 2, 3_600_000), first = false) {
      // Attaching, the child may have closed around the hand-off without a report this run has.
      const now = checkNow && first && !this.finished.has(childId);
      if (!now && (await condition(() => this.finished.has(childId) || this.context.handingOff(), pauseMs))) return;
      const state = await runState(childId);
      if (state === 'open' || this.finished.has(childId)) continue;
      const outcome = state === 'completed' ? 'completed' : state === 'cancelled' ? 'cancelled' : 'failed';
      this.finished.set(childId, { childId, outcome, error: `the sub-agent's run ended without reporting (${state})`, stateChanges: [] });
      return;
    }
  }
}

/**
 * Whether a reported question comes from the child's run or a run below it, and its binding is
 * the one its own content gives: anyone who may signal a run could otherwise show its people one
 * call and have them sign another run's.
 */
function askedBelow(childId: string, question: Interrupt): boolean {
  const runId = question.runId ?? childId;
  if (runId !== childId && !runId.startsWith(`${childId}--`)) return false;
  return question.binding === undefined || bindingDescribes(question, runId, question.ownId ?? question.id);
}

function isNewer(seq: [number, number], than: [number, number]): boolean {
  return seq[0] > than[0] || (seq[0] === than[0] && seq[1] > than[1]);
}

function outcomeOfReport(call: SubAgentCall, report: SubAgentFinished): SubAgentOutcome {
  if (report.outcome === 'completed') return { result: successResult(call.toolUseId, report.text || '(the sub-agent said nothing)'), stateChanges: report.stateChanges };
  return { result: errorResult(call.toolUseId, `Sub-agent ${call.agent} ${report.outcome === 'cancelled' ? 'was cancelled' : 'failed'}: ${report.error ?? 'no reason given'}`), stateChanges: report.stateChanges };
}

function outcomeOfSettled(call: SubAgentCall, childId: string, settled: { result: AgentRunResult } | { error: unknown }): SubAgentOutcome {
  if ('result' in settled) {
    return { result: successResult(call.toolUseId, settled.result.text || '(the sub-agent said nothing)'), stateChanges: stateChangesBetween(call.state, settled.result.state) };
  }
  return { result: errorResult(call.toolUseId, `Sub-agent ${call.agent} (run ${childId}) did not finish: ${reasonOf(settled.error)}`), stateChanges: [] };
}

/** The innermost message of a child's failure: "terminated: <reason>", "cancelled", or its error. */
function reasonOf(error: unknown): string {
  let current = error as { message?: string; cause?: unknown; name?: string } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  const name = current?.name === 'TerminatedFailure' ? 'terminated' : current?.name === 'CancelledFailure' ? 'cancelled' : undefined;
  return [name, current?.message].filter(Boolean).join(': ') || 'unknown reason';
}

/**
 * A `respond` signal: given to `offer`, or, when it answers a sub-agent's question (or a graph
 * node's), passed on to the run that asks it.
 */
export function offerOrForward(response: InterruptResponse, subQuestion: (id: string) => Interrupt | undefined, offer: (response: InterruptResponse) => void): void {
  const question = typeof response?.interruptId === 'string' ? subQuestion(response.interruptId) : undefined;
  if (question?.runId && question.ownId) {
    void getExternalWorkflowHandle(question.runId).signal(respondSignal, { ...response, interruptId: question.ownId }).catch(() => undefined);
    return;
  }
  offer(response);
}
