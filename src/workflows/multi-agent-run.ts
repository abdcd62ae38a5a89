/**
 * What graphs and swarms share: the sub-agent machinery for their agent nodes (each a child run
 * whose questions show here with the run that asks them, and whose answers the client sends
 * there), an interrupt book for the `beforeNode` hook's own questions, the `status`, `wait` and
 * `respond` handlers of an agent run (so `hitl status|wait|respond|approve`, the inbox and
 * AgentClient work unchanged), and what they show in the Web UI and search attributes.
 *
 * While a question waits, the run's `status` is `waiting` (the word every client and the
 * `AgentStatus` search attribute use for "a person is needed", so the inbox lists it), and its
 * `multiAgent.status` is Strands' `interrupted`, with the nodes that wait.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { AUTO_MODEL, type AgentDefinition } from '../agent/definition.js';
import { InterruptBook } from '../agent/interrupt-book.js';
import type { Interrupt, InterruptRequest } from '../agent/interrupts.js';
import { BeforeNodeEvent } from '../agent/multi-agent/before-node.js';
import type { NodeResult } from '../agent/multi-agent/graph-definition.js';
import { fitJson } from '../agent/payload-budget.js';
import { AgentState } from '../agent/state.js';
import { resultText, ZERO_USAGE, type ModelChoice } from '../agent/types.js';
import { activationSettled } from './activation.js';
import { asList, validateAnswers } from './answer-checks.js';
import { MAX_WAIT_UPDATE_MS, respondSignal, respondUpdate, statusQuery, waitUpdate } from './messages.js';
import type { MultiAgentCarry, MultiAgentInput, MultiAgentStatus, MultiAgentView } from './multi-agent-messages.js';
import { describe } from './run-visibility.js';
import { readApproverKeys } from './runtime.js';
import { AgentName, AgentStatus, PendingInterrupts } from './search-attributes.js';
import { offerOrForward, SubAgents } from './sub-agents.js';
import { subAgentWorkflowId } from './sub-agent-messages.js';

export interface MultiAgentRunOptions {
  kind: 'graph' | 'swarm';
  agents: readonly AgentDefinition[];
  input: MultiAgentInput & { carried?: MultiAgentCarry };
  /** The graph's or swarm's own part of the view: its nodes, order, handoffs. */
  view(): Pick<MultiAgentView, 'nodes' | 'order' | 'handoffs' | 'context'>;
  /** The node a question scope (a graph node's id, a swarm turn's key) belongs to. */
  nodeOfScope(scope: string): string;
}

type Phase = 'running' | 'completed' | 'failed' | 'cancelled';

export class MultiAgentRun {
  readonly subAgents: SubAgents;
  readonly book: InterruptBook;
  readonly state: AgentState;
  private phase: Phase = 'running';
  private error: string | undefined;
  private readonly runId = workflowInfo().workflowId;
  /** Child runs an earlier run of this graph or swarm started and was waiting for: attached to, never started again. */
  private readonly carriedChildren: ReadonlySet<string>;

  constructor(private readonly options: MultiAgentRunOptions) {
    const { input } = options;
    this.state = new AgentState(input.carried?.state ?? input.state ?? {});
    this.subAgents = new SubAgents({
      agents: options.agents,
      runId: this.runId,
      agent: input.name,
      lineage: [],
      indexed: input.indexed ?? false,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      ...(input.timeouts !== undefined ? { timeouts: input.timeouts } : {}),
      ...(input.carried ? { carried: input.carried.children, carriedReports: input.carried.reports ?? [] } : {}),
      handingOff: () => this.handingOff(),
      onChange: () => this.publish(),
      // A new workflow type: every behaviour patched in for agent runs is simply on.
      patched: () => true,
    });
    this.carriedChildren = new Set((input.carried?.children ?? []).map((child) => child.childId));
    const info = workflowInfo();
    this.book = new InterruptBook(
      {
        waitUntil: condition,
        now: () => new Date(),
        runId: this.runId,
        bindsTo: () => ({ namespace: info.namespace, workflowId: this.runId, execution: info.firstExecutionRunId }),
        handOffWhileWaiting: () => this.handingOff(),
        // A beforeNode question that names approvers (or requires proof) counts only answers signed by
        // their configured keys, as in an agent run: a claimed name alone proves nothing.
        approverKeys: readApproverKeys,
        checksProofs: () => true,
      },
      input.carried?.questions ?? {},
      () => this.publish(),
    );
    this.registerHandlers();
    if (input.indexed) upsertSearchAttributes([{ key: AgentName, value: input.name }, { key: AgentStatus, value: 'running' }, { key: PendingInterrupts, value: 0 }]);
    this.publish();
  }

  handingOff(): boolean {
    return workflowInfo().continueAsNewSuggested;
  }

  /** Every question this run waits for: the beforeNode hook's, then the agent nodes'. */
  questions(): Interrupt[] {
    return [...this.book.pending, ...this.subAgents.pending];
  }

  /** Runs the beforeNode hook; resolves with the reason when it cancels the node. */
  async beforeNode(
    hook: ((event: BeforeNodeEvent) => void | Promise<void>) | undefined,
    node: { id: string; agent?: string; scope: string; task: string; results: Record<string, NodeResult> },
  ): Promise<string | undefined> {
    if (!hook) return undefined;
    const ask = (id: string, request: InterruptRequest) => {
      const { name, reason, ...rest } = request;
      return this.book.raise({ id, name, reason: reason ?? null, source: 'hook', scope: 'beforeNode' }, rest);
    };
    const event = new BeforeNodeEvent(node.id, node.agent, node.task, node.results, this.state.snapshot(), node.scope, ask);
    await hook(event);
    if (event.cancel === false) return undefined;
    return typeof event.cancel === 'string' ? event.cancel : 'node cancelled by the beforeNode hook';
  }

  /** Runs an agent as a child run (`<this run>--<key>`); its state changes come back to the shared state. */
  async runAgent(node: { key: string; id: string; agent: string; prompt: string; model?: ModelChoice }): Promise<NodeResult> {
    const { input } = this.options;
    const model = input.models?.[node.id] ?? input.models?.[node.agent] ?? node.model ?? input.model ?? AUTO_MODEL;
    const runId = subAgentWorkflowId(this.runId, node.key);
    // Exactly once: a node whose child an earlier run started attaches to it, even when it closed
    // around the hand-off (starting it again would run the agent again under the same id).
    const outcome = await this.subAgents.run(
      {
        agent: node.agent,
        prompt: node.prompt,
        toolUseId: node.key,
        toolName: `node:${node.id}`,
        state: this.state.snapshot(),
        model,
        ...(input.workspace !== undefined ? { workspace: input.workspace } : {}),
      },
      { attach: this.carriedChildren.has(runId) },
    );
    this.state.apply(outcome.stateChanges);
    const text = resultText(outcome.result);
    return outcome.result.status === 'error' ? { status: 'failed', text: '', error: text, runId } : { status: 'completed', text, runId };
  }

  carry(): MultiAgentCarry {
    return {
      children: this.subAgents.waiting,
      reports: this.subAgents.reports,
      questions: { answered: this.book.answered, pending: this.book.waits, held: this.book.held },
      state: this.state.snapshot(),
    };
  }

  end(phase: Exclude<Phase, 'running'>, error?: string): void {
    this.phase = phase;
    if (error !== undefined) this.error = error;
    this.book.endCarriedWaits();
    this.publish();
  }

  status(): MultiAgentStatus {
    const pending = this.phase === 'running' ? this.questions() : [];
    return fitJson({
      status: this.phase === 'running' && pending.length > 0 ? 'waiting' : this.phase,
      agent: this.options.input.name,
      ...(this.options.input.sessionId !== undefined ? { sessionId: this.options.input.sessionId } : {}),
      pending,
      answered: this.book.answered,
      ignored: this.book.ignored,
      decisions: [],
      usage: ZERO_USAGE,
      modelCalls: 0,
      lastMessage: null,
      state: this.state.snapshot(),
      ...(this.error !== undefined ? { error: this.error } : {}),
      multiAgent: this.view(pending),
    });
  }

  private view(pending: Interrupt[]): MultiAgentView {
    const own = this.options.view();
    const byNode = new Map<string, Interrupt[]>();
    for (const question of pending) {
      const node = this.options.nodeOfScope(scopeOf(question.id));
      byNode.set(node, [...(byNode.get(node) ?? []), question]);
    }
    const nodes = { ...own.nodes };
    for (const node of byNode.keys()) if (nodes[node]) nodes[node] = { ...nodes[node]!, status: 'interrupted' };
    return {
      kind: this.options.kind,
      name: this.options.input.name,
      status: this.phase === 'running' ? (pending.length > 0 ? 'interrupted' : 'executing') : this.phase,
      ...own,
      nodes,
      interruptedNodes: [...byNode].map(([node, questions]) => ({ node, questions })),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  private publish(): void {
    const pending = this.phase === 'running' ? this.questions() : [];
    const phase = this.phase === 'running' && pending.length > 0 ? 'waiting' : this.phase;
    setCurrentDetails(`${this.options.kind} ${this.options.input.name}\n\n${describe(phase, pending)}`);
    if (!this.options.input.indexed) return;
    upsertSearchAttributes([
      { key: AgentStatus, value: phase },
      { key: PendingInterrupts, value: pending.length },
    ]);
  }

  private registerHandlers(): void {
    const subQuestion = (id: string) => this.subAgents.question(id);
    setHandler(statusQuery, () => this.status());
    setHandler(respondSignal, async (response) => {
      await activationSettled();
      offerOrForward(response, subQuestion, (answer) => this.book.offer(answer));
    });
    setHandler(
      respondUpdate,
      async (responses) => {
        const list = asList(responses);
        try {
          await activationSettled();
          validateAnswers(this.book, list, this.phase, subQuestion);
          if (list.length === 1 && this.book.isCarried(list[0]!.interruptId)) await this.book.acceptWhenAsked(list[0]!);
          else for (const response of list) this.book.accept(response);
        } catch (error) {
          throw ApplicationFailure.nonRetryable((error as Error).message, 'AnswerRefused');
        }
        return this.status();
      },
      { validator: (responses) => validateAnswers(this.book, responses, this.phase, subQuestion) },
    );
    setHandler(waitUpdate, async (options?: { timeoutMs?: number }) => {
      const timeoutMs = Math.min(Math.max(0, options?.timeoutMs ?? MAX_WAIT_UPDATE_MS), MAX_WAIT_UPDATE_MS);
      // Not cancellable: a cancelled graph answers its waiters with its end, once its nodes took the cancel.
      await CancellationScope.nonCancellable(() => condition(() => this.phase !== 'running' || this.questions().length > 0 || this.handingOff(), timeoutMs));
      return this.status();
    });
  }
}

/** The scope of a question's id: `hook:beforeNode:<scope>:<name>` or `sub:<scope>:<id in the child>`. */
function scopeOf(id: string): string {
  if (id.startsWith('hook:beforeNode:')) return id.slice('hook:beforeNode:'.length).split(':')[0] ?? id;
  if (id.startsWith('sub:')) return id.split(':')[1] ?? id;
  return id;
}
