/**
 * The client library: start a run, wait until it next stops, answer its interrupts, read its
 * status and result. The Strands-style loop is a few lines:
 *
 *   let status = await agents.wait(id);
 *   while (status.status === 'waiting') { ...ask...; status = await agents.respond(id, answers); status = await agents.wait(id); }
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  QueryNotRegisteredError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { clipInline, escapeMarkdown, hasUnsafeCharacters } from '../agent/escape.js';
import { directInputProblem, type DirectToolCall } from '../agent/direct-call.js';
import type { StateChange } from '../agent/state.js';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import type { Interrupt, InterruptResponse } from '../agent/interrupts.js';
import { MAX_NAME_LENGTH, nameProblem } from '../agent/names.js';
import { RUN_EVENTS_TOPIC, type RunEvent } from '../agent/run-events.js';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import { promptProblem } from '../agent/payload-budget.js';
import { describeIssues, oneLine, type JsonObject, type ModelChoice } from '../agent/types.js';
import { z } from 'zod';
import { outputSchemaOf, outputSchemaProblem } from '../agent/structured-output.js';
import { outputSchemaCompileProblem } from '../activities/output-check.js';
import {
  acceptRunUpdate,
  AGENT_RUN_WORKFLOW,
  bareStatus,
  MAX_WAIT_UPDATE_MS,
  respondSignal,
  respondUpdate,
  statusQuery,
  runEventsQuery,
  TASK_QUEUE,
  waitUpdate,
  type AgentRunInput,
  type AgentRunResult,
  type RunPhase,
  type RunStatus,
} from '../workflows/messages.js';
import { multiAgentView, startMultiAgent, type MultiAgentStartOptions } from './graph-client.js';
import { GRAPH_WORKFLOW, MULTI_AGENT_WORKFLOWS, SWARM_WORKFLOW, type MultiAgentResult, type MultiAgentView } from '../workflows/multi-agent-messages.js';
import { listInbox, listInboxPage, type InboxFilter, type InboxItem, type InboxPage, type InboxPageOptions } from './inbox.js';
import { SharedStreams } from './shared-streams.js';
import { isBusyRefusal } from './update-busy.js';
import { indexingOf, missingSearchAttributes } from './search-attributes-setup.js';
import type { Indexing } from '../workflows/search-attributes.js';
import {
  editStateUpdate,
  SESSION_WORKFLOW,
  sessionQuery,
  sessionWorkflowId,
  submitRunUpdate,
  type SessionInput,
  type SessionView,
  type SubmitRun,
} from '../workflows/session-messages.js';

/** What a run is started with: the run's input as callers give it, and optionally its workflow id. */
export type StartOptions = Pick<AgentRunInput, 'agent' | 'prompt' | 'sessionId' | 'workspace' | 'maxModelCalls' | 'timeouts'> & {
  /** The model; absent: the agent's default, else the worker's. */
  model?: ModelChoice;
  /**
   * The run's typed result (structured output): a zod object schema, sent as its JSON Schema
   * (`z.toJSONSchema`), or a JSON Schema object as it is. The run's result then has `output`,
   * which fits it; read it typed with `output(workflowId, schema)`. Replaces the agent's own `output`.
   */
  output?: z.ZodType | JsonObject;
  workflowId?: string;
  /** How long `start` waits for a worker to accept the run (default 10 s); past it the run stays queued, durable. */
  acceptTimeoutMs?: number;
};

/** A direct tool call (Strands' `agent.tool.X(...)`): one tool, through the agent's hooks and approvals, as a run. */
export type CallToolOptions = Pick<AgentRunInput, 'agent' | 'sessionId' | 'workspace' | 'timeouts'> & {
  /** The tool's name, as the agent names it. */
  tool: string;
  /** The tool's input: a JSON object, checked against the tool's schema before the run does anything. */
  input: unknown;
  /**
   * Adds the call to the conversation (default true, as Strands' `record_direct_tool_call`): the
   * request, the call, its result and an acknowledgement. In a session, the next run's model sees them.
   */
  recordInConversation?: boolean;
  workflowId?: string;
  /** How long `callTool` waits for a worker to accept the run (default 10 s); past it the run stays queued, durable. */
  acceptTimeoutMs?: number;
};

export interface StartedRun {
  workflowId: string;
  /** False when no worker took the run within `acceptTimeoutMs`: it starts as soon as one polls the task queue. */
  accepted: boolean;
}

/** How long reading an ended run's own status may take before falling back to its result (no worker running). */
const FINAL_QUERY_DEADLINE_MS = 2000;
/** How long a worker may take to replay an ended run for its stream (a long run's history takes a while). */
const ENDED_STREAM_DEADLINE_MS = 15_000;
const DEFAULT_ACCEPT_TIMEOUT_MS = 10_000;
/** How long past its window a `wait` update may stay unanswered before the status query is asked why. */
const WAIT_GRACE_MS = 10_000;
/**
 * How long `wait` lets a run's failing workflow task be taken again before it says why: a worker
 * restarted with the key it lacked gets the task only once the failed attempt's retry (up to a
 * workflow task timeout, 10 s) has passed, and the server refuses updates meanwhile.
 */
const FAILING_TASK_GRACE_MS = 30_000;
/** The pause before asking again when a run could not hold one more `wait` or watcher (it limits them; the server limits updates in flight). */
const BUSY_RETRY_MS = 1000;

/** A user mistake or a refused request: the CLI prints its message as one line. */
export class AgentClientError extends Error {
  override name = 'AgentClientError';
}

/** The run's workflow task fails: its worker cannot run it (a payload it cannot decrypt, code that does not replay). */
class RunTaskFailingError extends AgentClientError {}

export class AgentClient {
  private indexedNamespace: Promise<Indexing> | undefined;

  constructor(
    readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  /** Which agent search attributes the namespace has (asked once per client; see indexingOf). */
  private indexed(): Promise<Indexing> {
    this.indexedNamespace ??= missingSearchAttributes(this.client, this.client.options.namespace).then((missing) => {
      // Search attributes are stored in clear: a client that encodes payloads keeps questions out of them.
      const indexing = indexingOf(missing, this.client.options.loadedDataConverter.payloadCodecs.length > 0);
      if (indexing === true) {
        process.emitWarning(`namespace ${this.client.options.namespace} lacks ${missing.join(', ')}: runs keep the older search attributes only, and the inbox cannot filter mine or overdue; run \`hitl setup\``);
      }
      return indexing;
    }, () => {
      // Not known (a server that cannot list them, a key that may not, a transient failure): runs
      // upsert nothing, since an attribute the namespace lacks would fail their every workflow task;
      // asked again at the next start.
      this.indexedNamespace = undefined;
      return false as const;
    });
    return this.indexedNamespace;
  }

  /**
   * Starts a run and waits until a worker accepts it (update-with-start of the `accept` update): an
   * unknown agent or an oversized prompt is refused before the run does anything. When no worker
   * answers within `acceptTimeoutMs` the run is still started (durable) and `accepted` is false.
   */
  async start(options: StartOptions): Promise<StartedRun> {
    return this.launch(options);
  }

  /**
   * Calls one tool of an agent directly, as a run (Strands' `agent.tool.X(...)`): the call goes
   * through the agent's hooks, approval policy, questions, quorum and audit exactly as if the
   * model had asked for it, and the run ends with the tool's result (`result(id).toolResult`, its
   * text as `text`) without calling a model. Like `start`, it returns once a worker accepted the
   * run; `wait`, `respond` and the rest work on it as on any run. Refused before anything starts:
   * an input that is not a JSON object or is too big (here), an unknown tool (naming the agent's
   * tools) or an input that does not fit the tool's schema (by the worker, as the run starts; in a
   * session, the run fails with the reason instead). In a session it is refused, like a prompt,
   * while another run of the session is in progress, and uses the session's state.
   */
  async callTool(options: CallToolOptions): Promise<StartedRun> {
    const { tool, input, recordInConversation, ...rest } = options;
    if (typeof tool !== 'string' || tool === '') throw new AgentClientError('the tool name must be a non-empty string');
    if (tool.length > MAX_NAME_LENGTH) throw new AgentClientError(`the tool name "${clipInline(tool, 60)}" is longer than ${MAX_NAME_LENGTH} characters`);
    const problem = directInputProblem(input);
    if (problem) throw new AgentClientError(problem);
    const toolCall: DirectToolCall = { name: tool, input: input as JsonObject, record: recordInConversation ?? true };
    return this.launch({ ...rest, prompt: `direct call of tool ${oneLine(tool, 100)}` }, toolCall);
  }

  private async launch(options: StartOptions, toolCall?: DirectToolCall): Promise<StartedRun> {
    const { workflowId: requestedId, sessionId, acceptTimeoutMs, output: outputOption, ...given } = options;
    const problem =
      nameProblem('agent name', options.agent) ??
      (sessionId !== undefined ? nameProblem('session id', sessionId) : undefined) ??
      promptProblem(options.prompt);
    if (problem) throw new AgentClientError(problem);
    const output = outputOption !== undefined ? outputJsonSchema(outputOption) : undefined;
    const run = { ...given, ...(output !== undefined ? { output } : {}), ...(toolCall !== undefined ? { toolCall } : {}) };
    const workflowId = requestedId ?? `${options.agent}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    if (sessionId !== undefined) {
      return { ...(await this.startInSession(sessionId, { ...run, runId: workflowId, indexed: await this.indexed() })), accepted: true };
    }
    const input: AgentRunInput = { ...run, indexed: await this.indexed() };
    const operation = new WithStartWorkflowOperation(AGENT_RUN_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: escapeMarkdown(`${options.agent}: ${oneLine(options.prompt, 150)}`),
      // Read back by `status` once the run has ended, without replaying it on a worker.
      memo: { agent: options.agent },
    });
    const deadline = Date.now() + (acceptTimeoutMs ?? DEFAULT_ACCEPT_TIMEOUT_MS);
    try {
      await this.client.withDeadline(deadline, () => this.client.workflow.executeUpdateWithStart(acceptRunUpdate, { startWorkflowOperation: operation }));
      return { workflowId, accepted: true };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new AgentClientError(`run refused: ${messageOf(error)}`);
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new AgentClientError(`a run with id "${workflowId}" exists already; choose another id`);
      // No worker accepted in time: the run exists and waits, durable, for one.
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError && (await this.exists(workflowId))) return { workflowId, accepted: false };
      throw error;
    }
  }

  private async exists(workflowId: string): Promise<boolean> {
    return this.handle(workflowId).describe().then(
      () => true,
      () => false,
    );
  }

  /**
   * Starts a run inside a session, creating the session on first use (update-with-start). The
   * session refuses the prompt while another of its runs is in progress.
   */
  private async startInSession(sessionId: string, submit: SubmitRun): Promise<{ workflowId: string }> {
    const startSession = new WithStartWorkflowOperation(SESSION_WORKFLOW, {
      workflowId: sessionWorkflowId(sessionId),
      taskQueue: this.taskQueue,
      args: [{ sessionId } satisfies SessionInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: escapeMarkdown(`session ${sessionId}`),
    });
    try {
      return await this.client.workflow.executeUpdateWithStart(submitRunUpdate, { args: [submit], startWorkflowOperation: startSession });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new AgentClientError(`${submit.toolCall !== undefined ? 'tool call' : 'prompt'} refused: ${messageOf(error)}`);
      // The server's own words ("Update-with-Start could not be executed.") do not say which half failed or why.
      throw new AgentClientError(`the session "${sessionId}" could not take the prompt: ${serverReason(error)}`);
    }
  }

  /** Starts a graph registered in the worker (docs/multi-agent.md); status, wait, respond, result and cancel then take its id. */
  async startGraph(options: MultiAgentStartOptions): Promise<{ workflowId: string }> {
    return startMultiAgent(this.client, GRAPH_WORKFLOW, options, { taskQueue: this.taskQueue, indexed: await this.indexed(), error: AgentClientError });
  }

  /** Starts a swarm registered in the worker (docs/multi-agent.md); status, wait, respond, result and cancel then take its id. */
  async startSwarm(options: MultiAgentStartOptions): Promise<{ workflowId: string }> {
    return startMultiAgent(this.client, SWARM_WORKFLOW, options, { taskQueue: this.taskQueue, indexed: await this.indexed(), error: AgentClientError });
  }

  /** A graph's or swarm's nodes: Strands' status (`interrupted` while a node's question waits), `interruptedNodes`, each node's result. */
  async multiAgentStatus(workflowId: string): Promise<MultiAgentView> {
    return multiAgentView(await this.status(workflowId), workflowId, AgentClientError);
  }

  /** A graph's or swarm's result: each node's result, their order, the final text. */
  async multiAgentResult(workflowId: string): Promise<MultiAgentResult> {
    return (await this.result(workflowId)) as unknown as MultiAgentResult;
  }

  /** Every interrupt waiting for a human, across all runs, oldest first. */
  inbox(filter: InboxFilter = {}): Promise<InboxItem[]> {
    return listInbox(this.client, filter);
  }

  /**
   * One page of the inbox: one visibility call (`pageSize` runs, `pageToken` from the page
   * before), each row from the run's search attributes; filters are visibility clauses. With
   * `details: true`, also the questions of that page's runs (one query per run).
   */
  inboxPage(options: InboxPageOptions = {}): Promise<InboxPage> {
    return listInboxPage(this.client, options);
  }

  /** A session's state, its run in progress and its recent runs. */
  async session(sessionId: string): Promise<SessionView> {
    const handle = this.client.workflow.getHandle(sessionWorkflowId(sessionId));
    await this.describe(handle).catch((error: unknown) => {
      throw error instanceof AgentClientError ? new AgentClientError(`no session "${sessionId}"`) : error;
    });
    return handle.query(sessionQuery);
  }

  /** Changes a session's state, for example `[{ op: 'delete', key: 'trust.delete_files' }]` to revoke a trust. */
  async editSession(sessionId: string, changes: StateChange[]): Promise<SessionView> {
    await this.session(sessionId);
    try {
      return await this.client.workflow.getHandle(sessionWorkflowId(sessionId)).executeUpdate(editStateUpdate, { args: [changes] });
    } catch (error) {
      throw new AgentClientError(`state edit refused: ${messageOf(error)}`);
    }
  }

  /**
   * The run's status: the live `status` query while it runs. Once it has ended, the phase comes
   * from Temporal's close status, never from a replayed query (a terminated run's replay still
   * says "waiting"), and nothing is pending any more.
   */
  async status(workflowId: string): Promise<RunStatus> {
    const handle = this.handle(workflowId);
    const description = await this.describeRun(handle);
    if (description.status.name === 'RUNNING') return this.liveStatus(handle);
    return this.finalStatus(handle, description);
  }

  /**
   * The run's events as they happen (see src/agent/run-events.ts): text as the model writes it, tool
   * calls and results, questions and answers, and the end. `from` is an offset the stream gave
   * before (each event comes with its own): a watcher that reconnects with the offset after the
   * last one it saw misses nothing and gets nothing twice. Ends after `finish`; follows the run
   * across continue-as-new (events from before the hand-off beyond its last thousand are not kept:
   * the stream then starts again at the oldest kept). A run that has ended is read through a worker
   * that replays it; without one, only its `finish` is given.
   */
  async *stream(workflowId: string, options: { from?: number } = {}): AsyncGenerator<{ offset: number; event: RunEvent }, void, undefined> {
    const ended = await this.ended(workflowId);
    if (ended) {
      yield* this.endedStream(workflowId, options.from ?? 0, ended);
      return;
    }
    let next = options.from ?? 0;
    for await (const item of this.sharedStreams.subscribe(workflowId, next)) {
      yield item;
      if (item.event.type === 'finish') return;
      next = item.offset + 1;
    }
    // The run closed before this watcher's offset came: the rest, from the ended run.
    const closed = await this.ended(workflowId);
    if (closed) yield* this.endedStream(workflowId, next, closed);
  }

  /** Everyone in this process who watches a run shares one reader of it (shared-streams.ts). */
  private readonly sharedStreams = new SharedStreams<RunEvent>((runId, from, signal) => this.readStream(runId, from, signal));

  /** The run's stream from `from`, read from the run: what `stream` gives, for one watcher. */
  private async *readStream(workflowId: string, start: number, signal: AbortSignal): AsyncGenerator<{ offset: number; event: RunEvent }, void, undefined> {
    const handle = this.handle(workflowId);
    const events = WorkflowStreamClient.create(this.client, workflowId, { batchInterval: '100ms' }).topic<RunEvent>(RUN_EVENTS_TOPIC);
    let from = start;
    while (!signal.aborted) {
      try {
        const polls = events.subscribe(from, { pollCooldown: '0ms' });
        // Every poll under `signal`: aborted, the poll the run holds is cancelled at once.
        const next = () => this.client.withAbortSignal(signal, () => polls.next());
        try {
          for (let step = await next(); !step.done; step = await next()) {
            from = step.value.offset + 1;
            yield { offset: step.value.offset, event: step.value.data };
            if (step.value.data.type === 'finish') return;
          }
        } finally {
          await polls.return(undefined);
        }
        // The run closed while we read: the rest, from the ended run.
        const closed = await this.closeStatus(handle);
        if (closed) yield* this.endedStream(workflowId, from, closed);
        return;
      } catch (error) {
        if (signal.aborted) return;
        // The run ended under the poll: the rest, from the ended run.
        const closed = await this.closeStatus(handle).catch(() => undefined);
        if (closed) {
          yield* this.endedStream(workflowId, from, closed);
          return;
        }
        // Asked from an offset the run no longer keeps: from the oldest it keeps. A run handing off: its next run.
        const reason = messageOf(error);
        if (/has been truncated/.test(reason)) from = 0;
        // The run holds as many watchers as it takes: once one leaves or the run moves, a place frees.
        else if (isBusyRefusal(error)) await sleep(BUSY_RETRY_MS * (1 + Math.random()));
        else if (!/draining/i.test(reason)) throw error;
      }
    }
  }

  /**
   * How the run ended (`completed`, `failed`, `cancelled`, `terminated`, `timed out`, ...), or
   * undefined while it runs. Refuses an id that names no run (or a session, or another workflow).
   */
  async ended(workflowId: string): Promise<string | undefined> {
    const { status } = await this.describeRun(this.handle(workflowId));
    return closeStatusName(status.name);
  }

  /**
   * The stream of a run that has ended, from `from`: read through the `runEvents` query (a worker
   * replays the run to answer it), so a watcher that fell behind as the run closed misses nothing.
   * Without a worker to answer (or for a run from before streams), only its `finish`, from Temporal.
   */
  private async *endedStream(workflowId: string, from: number, closed: string): AsyncGenerator<{ offset: number; event: RunEvent }, void, undefined> {
    const handle = this.handle(workflowId);
    let next = from;
    const pages: Array<{ offset: number; event: RunEvent }> = [];
    try {
      for (let more = true; more; ) {
        const page = await this.client.withDeadline(Date.now() + ENDED_STREAM_DEADLINE_MS, () => handle.query(runEventsQuery, next));
        pages.push(...page.events);
        ({ next, more } = page);
      }
    } catch {
      // No worker answered: what was read, then the end from Temporal.
    }
    for (const item of pages) {
      yield item;
      if (item.event.type === 'finish') return;
    }
    yield { offset: next, event: await this.endEvent(workflowId, closed) };
  }

  /** The `finish` event of a run that has ended, from its close status (and result, when it completed). */
  private async endEvent(workflowId: string, closed: string): Promise<RunEvent> {
    if (closed !== 'completed') return { type: 'finish', status: closed === 'cancelled' ? 'cancelled' : 'failed' };
    const result = await this.handle(workflowId).result().catch(() => undefined) as AgentRunResult | undefined;
    return { type: 'finish', status: 'completed', ...(result ? { finishReason: result.stopReason, text: result.text, usage: result.usage } : {}) };
  }

  /**
   * Returns when the run next stops: waiting for a human, or ended. Long-polls the run's `wait`
   * update (held by the workflow until the run stops, at most 60 s a call, then asked again), so
   * nothing polls. With `timeoutMs`, returns the current status (possibly `running`) once it passes.
   * An ended run's status comes from Temporal's close status, as `status()` gives it.
   */
  async wait(workflowId: string, options: { timeoutMs?: number } = {}): Promise<RunStatus> {
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    const handle = this.handle(workflowId);
    const description = await this.describeRun(handle);
    if (description.status.name !== 'RUNNING') return this.finalStatus(handle, description);
    let failingSince: number | undefined;
    for (;;) {
      const windowMs = Math.min(MAX_WAIT_UPDATE_MS, deadline - Date.now());
      if (windowMs <= 0) return this.status(workflowId);
      let once: Awaited<ReturnType<AgentClient['waitOnce']>>;
      try {
        once = await this.waitOnce(handle, windowMs);
      } catch (error) {
        if (!(error instanceof RunTaskFailingError)) throw error;
        failingSince ??= Date.now();
        if (Date.now() - failingSince >= FAILING_TASK_GRACE_MS || Date.now() >= deadline) throw error;
        await sleep(Math.min(BUSY_RETRY_MS, Math.max(0, deadline - Date.now())));
        continue;
      }
      const { status, fellBack } = once;
      // The run ended (or ends in this very workflow task): its close status, once it has closed.
      if (status === undefined || isEnded(status.status)) {
        await handle.result().catch(() => undefined);
        return this.status(workflowId);
      }
      if (status.status === 'waiting' || Date.now() >= deadline) return status;
      // The update was refused for now (too many in flight on this run, a continue-as-new): not at full speed.
      if (fellBack) await sleep(Math.min(BUSY_RETRY_MS, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * One `wait` update of at most `windowMs`; `status` is undefined when the run closed meanwhile.
   * When the update fails or no answer comes well after the window (no worker, a stuck workflow
   * task), the status query answers instead, or says why it cannot (`fellBack`).
   */
  private async waitOnce(handle: WorkflowHandle, windowMs: number): Promise<{ status: RunStatus | undefined; fellBack: boolean }> {
    try {
      const status = await this.client.withDeadline(Date.now() + windowMs + WAIT_GRACE_MS, () =>
        // By name: the definition's optional argument (for `temporal workflow update` without input) does not fit executeUpdate's types.
        handle.executeUpdate<RunStatus, [{ timeoutMs: number }]>(waitUpdate.name, { args: [{ timeoutMs: windowMs }] }),
      );
      return { status, fellBack: false };
    } catch (error) {
      if (await this.closeStatus(handle)) return { status: undefined, fellBack: true };
      if (error instanceof WorkflowUpdateFailedError && !isBusyRefusal(error)) throw new AgentClientError(`cannot wait for run ${handle.workflowId}: ${messageOf(error)}`);
      return { status: await this.liveStatus(handle), fellBack: true };
    }
  }

  /**
   * Answers through the `respond` update: refused with a message when an answer is invalid. A
   * sub-agent's question (`sub:...` in this run's status) is answered in the run that asks it. An
   * answer without a binding is bound to the question as the run shows it now.
   */
  async respond(workflowId: string, responses: InterruptResponse | InterruptResponse[]): Promise<RunStatus> {
    return this.answer(workflowId, Array.isArray(responses) ? responses : [responses]);
  }

  /**
   * Answers questions shown in run `workflowId`'s status, each in the run that asks it (this run,
   * or a sub-agent's), bound to the question as it was shown and signed for that run by `sign`
   * when given. `shown` are the questions as their author saw them: an answer is bound to what its
   * author saw, so a run that changed meanwhile refuses it; questions not among them are bound as
   * the run shows them now. Returns `workflowId`'s status after.
   */
  async answer(
    workflowId: string,
    answers: InterruptResponse[],
    sign: (runId: string, answer: InterruptResponse) => InterruptResponse = (_runId, answer) => answer,
    shown: readonly Interrupt[] = [],
  ): Promise<RunStatus> {
    const questions = await this.questions(workflowId, answers.map((answer) => answer.interruptId), shown);
    const byRun = new Map<string, InterruptResponse[]>();
    for (const answer of answers) {
      const { runId, bound } = this.aimed(workflowId, answer, questions.get(answer.interruptId));
      byRun.set(runId, [...(byRun.get(runId) ?? []), sign(runId, bound)]);
    }
    let own: RunStatus | undefined;
    for (const [runId, list] of byRun) {
      const status = await this.sendAnswers(runId, list);
      if (runId === workflowId) own = status;
    }
    return own ?? this.status(workflowId);
  }

  /** The questions `interruptIds` name, as shown (or, for those not shown, as run `workflowId`'s status shows them now). */
  private async questions(workflowId: string, interruptIds: readonly string[], shown: readonly Interrupt[]): Promise<Map<string, Interrupt>> {
    const byId = new Map(shown.map((question) => [question.id, question]));
    if (interruptIds.some((id) => !byId.has(id))) {
      for (const question of (await this.status(workflowId)).pending) if (!byId.has(question.id)) byId.set(question.id, question);
    }
    return byId;
  }

  /** Where an answer goes (this run, or the sub-agent run that asks the question) and the answer as sent there, bound to the question. */
  private aimed(workflowId: string, answer: InterruptResponse, question: Interrupt | undefined): { runId: string; bound: InterruptResponse } {
    const target = question?.runId !== undefined && question.ownId !== undefined ? { runId: question.runId, interruptId: question.ownId } : { runId: workflowId, interruptId: answer.interruptId };
    const binding = answer.binding ?? question?.binding;
    // Never sign for one run what was shown as another's question.
    if (binding !== undefined && (binding.workflowId !== target.runId || binding.interruptId !== target.interruptId)) {
      throw new AgentClientError(`the question shown as "${answer.interruptId}" is bound to question "${binding.interruptId}" of run ${binding.workflowId}, not to "${target.interruptId}" of run ${target.runId}: not answered`);
    }
    return { runId: target.runId, bound: { ...answer, interruptId: target.interruptId, ...(binding !== undefined ? { binding } : {}) } };
  }

  private async sendAnswers(workflowId: string, responses: InterruptResponse[]): Promise<RunStatus> {
    const handle = this.handle(workflowId);
    await this.ensureRunning(handle);
    try {
      return await handle.executeUpdate(respondUpdate, { args: [responses.length === 1 ? responses[0]! : responses] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new AgentClientError(`answer refused: ${messageOf(error)}`);
      // The run closed while the answer was on its way ("update was aborted by closing workflow").
      const ended = await this.closeStatus(handle);
      if (ended) throw new AgentClientError(`run ${workflowId} ended (${ended}) while the answer was on its way; the answer was not applied`);
      throw error;
    }
  }

  /**
   * Answers through the `respond` signal: fire-and-forget; invalid answers land in `status.ignored`.
   * Like `answer`, it goes to the run that asks the question, bound to the question as shown (or as
   * the run shows it now), and signed by `sign` when given.
   */
  async signal(
    workflowId: string,
    response: InterruptResponse,
    sign: (runId: string, answer: InterruptResponse) => InterruptResponse = (_runId, answer) => answer,
    shown: readonly Interrupt[] = [],
  ): Promise<void> {
    const questions = await this.questions(workflowId, [response.interruptId], shown);
    const { runId, bound } = this.aimed(workflowId, response, questions.get(response.interruptId));
    const handle = this.handle(runId);
    await this.ensureRunning(handle);
    await handle.signal(respondSignal, sign(runId, bound));
  }

  /** The run's result; for a run that ended otherwise, an error that says how (failed, cancelled, terminated, timed out). */
  async result(workflowId: string): Promise<AgentRunResult> {
    const handle = this.handle(workflowId);
    await this.describeRun(handle);
    try {
      return await handle.result();
    } catch (error) {
      throw new AgentClientError(`run ${workflowId} did not complete: ${endedMessage(error)}`);
    }
  }

  /**
   * The typed result of a run started with `output`: its result's `output`, parsed with `schema`
   * (the run checked it against the schema's JSON Schema; this gives it its TypeScript type and
   * zod's own refinements). A run without output, or one that did not complete, is an AgentClientError.
   */
  async output<Schema extends z.ZodType>(workflowId: string, schema: Schema): Promise<z.infer<Schema>> {
    const result = await this.result(workflowId);
    if (result.output === undefined) throw new AgentClientError(`run ${workflowId} has no typed output: it was started without an output schema`);
    const parsed = schema.safeParse(result.output);
    if (!parsed.success) throw new AgentClientError(`the output of run ${workflowId} does not fit the schema given here: ${describeIssues(parsed.error.issues, '(output)')}`);
    return parsed.data;
  }

  async cancel(workflowId: string): Promise<void> {
    const handle = this.handle(workflowId);
    await this.ensureRunning(handle);
    await handle.cancel();
  }

  private handle(workflowId: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowId);
  }

  private async describe(handle: WorkflowHandle): Promise<WorkflowExecutionDescription> {
    try {
      return await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new AgentClientError(`no run with id "${handle.workflowId}"`);
      throw error;
    }
  }

  /** Describes a run; a session's id (`session-X`) or another workflow is refused, pointing at the run to use instead. */
  private async describeRun(handle: WorkflowHandle): Promise<WorkflowExecutionDescription> {
    const description = await this.describe(handle);
    if (description.type === SESSION_WORKFLOW) throw await this.sessionIsNotARun(handle);
    // Graphs and swarms answer the same status, wait and respond as a run (docs/multi-agent.md).
    if (description.type !== AGENT_RUN_WORKFLOW && !MULTI_AGENT_WORKFLOWS.includes(description.type)) throw new AgentClientError(`${handle.workflowId} is a ${description.type} workflow, not an agent run`);
    return description;
  }

  private async sessionIsNotARun(handle: WorkflowHandle): Promise<AgentClientError> {
    const view = await this.client
      .withDeadline(Date.now() + FINAL_QUERY_DEADLINE_MS, () => handle.query(sessionQuery))
      .catch(() => undefined);
    const id = handle.workflowId;
    if (view?.active) return new AgentClientError(`${id} is a session, not a run; its run ${view.active.runId} is the one in progress: answer that`);
    return new AgentClientError(`${id} is a session, not a run, and none of its runs is in progress (see: session show ${view?.sessionId ?? id})`);
  }

  /** The run's close status in lower case (`completed`, `terminated`, ...), or undefined while it runs. */
  private async closeStatus(handle: WorkflowHandle): Promise<string | undefined> {
    return closeStatusName((await this.describe(handle)).status.name);
  }

  private async ensureRunning(handle: WorkflowHandle): Promise<void> {
    const { status } = await this.describeRun(handle);
    if (status.name !== 'RUNNING') {
      throw new AgentClientError(`run ${handle.workflowId} has ended (${closeStatusName(status.name)}); it takes no more answers`);
    }
  }

  /** The live `status` query, with an error that says why it could not be answered. */
  private async liveStatus(handle: WorkflowHandle): Promise<RunStatus> {
    try {
      return await handle.query(statusQuery);
    } catch (error) {
      // A worker that cannot run the workflow (a payload it cannot decrypt, say) says why in the run's history.
      const failing = await this.lastTaskFailure(handle).catch(() => undefined);
      if (failing) throw new RunTaskFailingError(`cannot read the status of run ${handle.workflowId}: its worker cannot run it: ${failing}`);
      throw new AgentClientError(`cannot read the status of run ${handle.workflowId}: ${this.queryTrouble(error)}`);
    }
  }

  /** The message of the run's last workflow task failure, when no workflow task completed after it. */
  private async lastTaskFailure(handle: WorkflowHandle): Promise<string | undefined> {
    const { history } = await this.client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: this.client.options.namespace,
      execution: { workflowId: handle.workflowId },
      maximumPageSize: 100,
    });
    for (const event of history?.events ?? []) {
      if (event.workflowTaskCompletedEventAttributes) return undefined;
      const failure = event.workflowTaskFailedEventAttributes?.failure;
      // Encoded (and so encrypted) messages are read with this client's keys, where it has them.
      if (failure) return (await decodeOptionalFailureToOptionalError(this.client.options.loadedDataConverter, failure).catch(() => undefined))?.message ?? failure.message ?? undefined;
    }
    return undefined;
  }

  /** Why a query was not answered, in words ("Failed to query Workflow" says neither). */
  private queryTrouble(error: unknown): string {
    if (error instanceof QueryNotRegisteredError) return 'it does not answer the status query (is it an agent run?)';
    const grpc = (error as { cause?: { code?: number; details?: string } }).cause;
    const details = grpc?.details ?? messageOf(error);
    const safe = 'the run itself is safe and goes on when a worker polls';
    if (/no poller/i.test(details)) return `no worker is polling task queue "${this.taskQueue}" (the worker may be down); ${safe} (${details})`;
    if (grpc?.code === GRPC_DEADLINE_EXCEEDED || /deadline|timed? ?out/i.test(details)) {
      return `no worker answered in time: is a worker running on task queue "${this.taskQueue}"? ${safe} (${details})`;
    }
    return `its worker could not answer (${details}); the run's workflow task may be failing: see its history in the Web UI`;
  }

  /**
   * The status of an ended run. The phase and the error come from Temporal's close status; the
   * audit (answers, decisions, usage) from its own `status` query when a worker can answer it, else
   * from its result and memo. Nothing is pending once a run has ended.
   */
  private async finalStatus(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<RunStatus> {
    const closed = description.status.name;
    const phase = closed === 'COMPLETED' ? 'completed' : closed === 'CANCELLED' ? 'cancelled' : 'failed';
    const queried = await this.client
      .withDeadline(Date.now() + FINAL_QUERY_DEADLINE_MS, () => handle.query(statusQuery))
      .catch(() => undefined);
    const audit = queried ?? (await this.statusFromResult(handle, closed, (description.memo ?? {}) as { agent?: string; sessionId?: string }));
    const { error: _ignored, ...rest } = audit;
    const error = phase === 'failed' ? await handle.result().then(() => undefined, endedMessage) : undefined;
    return { ...rest, status: phase, pending: [], ...(error !== undefined ? { error } : {}) };
  }

  /** What an ended run's result and memo say, without a worker. */
  private async statusFromResult(handle: WorkflowHandle, closed: string, memo: { agent?: string; sessionId?: string }): Promise<RunStatus> {
    const base = { agent: memo.agent ?? 'unknown', ...(memo.sessionId !== undefined ? { sessionId: memo.sessionId } : {}) };
    if (closed !== 'COMPLETED') return bareStatus({ status: 'failed', ...base });
    const result: AgentRunResult = await handle.result();
    return {
      status: 'completed',
      ...base,
      pending: [],
      answered: result.interrupts,
      ignored: [],
      decisions: result.decisions,
      usage: result.usage,
      modelCalls: result.modelCalls,
      lastMessage: result.lastMessage,
      state: result.state,
      ...(result.output !== undefined ? { output: result.output } : {}),
      ...(result.toolResult !== undefined ? { toolResult: result.toolResult } : {}),
    };
  }
}

const GRPC_DEADLINE_EXCEEDED = 4;

function isEnded(phase: RunPhase): boolean {
  return phase === 'completed' || phase === 'failed' || phase === 'cancelled';
}

function messageOf(error: unknown): string {
  const err = error as { cause?: { message?: string }; message?: string };
  return err?.cause?.message ?? err?.message ?? String(error);
}

/** The innermost readable reason of a failed run. */
export function failureMessage(error: unknown): string {
  if (error instanceof WorkflowFailedError) {
    const cause = error.cause as { message?: string; cause?: unknown } | undefined;
    return cause?.message ?? error.message;
  }
  return messageOf(error);
}

/** How a run that did not complete ended, in words: "the run was terminated: <reason>", ... */
export function endedMessage(error: unknown): string {
  if (error instanceof WorkflowFailedError) {
    const cause = error.cause;
    if (cause instanceof TerminatedFailure) {
      const reason = cause.message && cause.message !== 'Workflow execution terminated' ? `: ${cause.message}` : '';
      return `the run was terminated${reason}`;
    }
    if (cause instanceof TimeoutFailure) return 'the run timed out (its workflow execution timeout passed)';
    if (cause instanceof CancelledFailure) return 'the run was cancelled';
  }
  return failureMessage(error);
}

/** The reason a server error gives: the failed operation's own words, not the summary ("Update-with-Start could not be executed."). */
function serverReason(error: unknown): string {
  const err = error as { message?: string; details?: string; cause?: { message?: string; details?: string } };
  const words = [err.cause?.message, err.message, err.cause?.details, err.details]
    .map((text) => (typeof text === 'string' ? text.replace(/^\d+ [A-Z_]+: /, '').trim() : ''))
    .find((text) => text !== '' && !hasUnsafeCharacters(text) && !/could not be executed|^Update-With-Start failed$/i.test(text));
  return words ?? 'the server refused it without saying why';
}

/** A workflow's close status in lower case (`timed out`), undefined while it runs. */
function closeStatusName(name: string): string | undefined {
  return name === 'RUNNING' ? undefined : name.toLowerCase().replace('_', ' ');
}

/** The run's output schema as it travels: JSON Schema (a zod schema converted), checked here so that a bad one starts nothing. */
function outputJsonSchema(output: z.ZodType | JsonObject): JsonObject {
  let schema: unknown = output;
  if (typeof output === 'object' && output !== null && '_zod' in output) {
    try {
      schema = z.toJSONSchema(output as z.ZodType);
    } catch (error) {
      throw new AgentClientError(`the output schema has no JSON Schema: ${oneLine((error as Error).message, 300)}`);
    }
  }
  const problem = outputSchemaProblem(schema) ?? outputSchemaCompileProblem(outputSchemaOf(schema as JsonObject));
  if (problem) throw new AgentClientError(problem);
  return outputSchemaOf(schema as JsonObject);
}
