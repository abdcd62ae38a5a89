/**
 * The client library: start a run, wait until it next stops, answer its interrupts, read its
 * status and result. The Strands-style loop is a few lines:
 *
 *   let status = await agents.wait(id);
 *   while (status.status === 'waiting') { ...ask...; status = await agents.respond(id, answers); status = await agents.wait(id); }
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WithStartWorkflowOperation,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { StateChange } from '../agent/state.js';
import type { InterruptResponse } from '../agent/interrupts.js';
import { oneLine } from '../agent/types.js';
import {
  AGENT_RUN_WORKFLOW,
  bareStatus,
  respondSignal,
  respondUpdate,
  statusQuery,
  TASK_QUEUE,
  type AgentRunInput,
  type AgentRunResult,
  type RunStatus,
} from '../workflows/messages.js';
import { listInbox, type InboxFilter, type InboxItem } from './inbox.js';
import { missingSearchAttributes } from './search-attributes-setup.js';
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
export type StartOptions = Pick<AgentRunInput, 'agent' | 'prompt' | 'model' | 'sessionId' | 'workspace' | 'maxModelCalls' | 'timeouts'> & {
  workflowId?: string;
};

/** How long reading an ended run's own status may take before falling back to its result (no worker running). */
const FINAL_QUERY_DEADLINE_MS = 2000;

/** A user mistake or a refused request: the CLI prints its message as one line. */
export class AgentClientError extends Error {
  override name = 'AgentClientError';
}

export class AgentClient {
  private indexedNamespace: Promise<boolean> | undefined;

  constructor(
    readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  /** Whether the namespace has the agent search attributes (asked once per client). */
  private indexed(): Promise<boolean> {
    this.indexedNamespace ??= missingSearchAttributes(this.client, this.client.options.namespace).then(
      (missing) => missing.length === 0,
      () => false,
    );
    return this.indexedNamespace;
  }

  async start(options: StartOptions): Promise<{ workflowId: string }> {
    const { workflowId: requestedId, sessionId, ...run } = options;
    const workflowId = requestedId ?? `${options.agent}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    if (sessionId !== undefined) return this.startInSession(sessionId, { ...run, runId: workflowId, indexed: await this.indexed() });
    const input: AgentRunInput = { ...run, indexed: await this.indexed() };
    const handle = await this.client.workflow.start(AGENT_RUN_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input],
      staticSummary: `${options.agent}: ${oneLine(options.prompt, 150)}`,
      // Read back by `status` once the run has ended, without replaying it on a worker.
      memo: { agent: options.agent },
    });
    return { workflowId: handle.workflowId };
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
      staticSummary: `session ${sessionId}`,
    });
    try {
      return await this.client.workflow.executeUpdateWithStart(submitRunUpdate, { args: [submit], startWorkflowOperation: startSession });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new AgentClientError(`prompt refused: ${messageOf(error)}`);
      throw error;
    }
  }

  /** Every interrupt waiting for a human, across all runs, oldest first. */
  inbox(filter: InboxFilter = {}): Promise<InboxItem[]> {
    return listInbox(this.client, filter);
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

  /** The run's status: the live `status` query while it runs, its outcome once it has ended. */
  async status(workflowId: string): Promise<RunStatus> {
    const handle = this.handle(workflowId);
    const description = await this.describe(handle);
    if (description.status.name === 'RUNNING') return handle.query(statusQuery);
    return this.finalStatus(handle, description.status.name, (description.memo ?? {}) as { agent?: string; sessionId?: string });
  }

  /** Returns when the run next stops: waiting for a human, or ended. */
  async wait(workflowId: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<RunStatus> {
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    let pause = options.pollMs ?? 50;
    for (;;) {
      const status = await this.status(workflowId);
      if (status.status !== 'running') return status;
      if (Date.now() >= deadline) return status;
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 1000);
    }
  }

  /** Answers through the `respond` update: refused with a message when an answer is invalid. */
  async respond(workflowId: string, responses: InterruptResponse | InterruptResponse[]): Promise<RunStatus> {
    const handle = this.handle(workflowId);
    await this.ensureRunning(handle);
    try {
      return await handle.executeUpdate(respondUpdate, { args: [responses] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new AgentClientError(`answer refused: ${messageOf(error)}`);
      throw error;
    }
  }

  /** Answers through the `respond` signal: fire-and-forget; invalid answers land in `status.ignored`. */
  async signal(workflowId: string, response: InterruptResponse): Promise<void> {
    const handle = this.handle(workflowId);
    await this.ensureRunning(handle);
    await handle.signal(respondSignal, response);
  }

  async result(workflowId: string): Promise<AgentRunResult> {
    try {
      return await this.handle(workflowId).result();
    } catch (error) {
      throw new AgentClientError(`run ${workflowId} did not complete: ${failureMessage(error)}`);
    }
  }

  async cancel(workflowId: string): Promise<void> {
    const handle = this.handle(workflowId);
    await this.ensureRunning(handle);
    await handle.cancel();
  }

  private handle(workflowId: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowId);
  }

  private async describe(handle: WorkflowHandle) {
    try {
      return await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new AgentClientError(`no run with id "${handle.workflowId}"`);
      throw error;
    }
  }

  private async ensureRunning(handle: WorkflowHandle): Promise<void> {
    const { status } = await this.describe(handle);
    if (status.name !== 'RUNNING') {
      throw new AgentClientError(`run ${handle.workflowId} has ended (${status.name.toLowerCase()}); it takes no more answers`);
    }
  }

  /**
   * The status of an ended run: its own `status` query when a worker can answer it (the whole
   * audit, also of failed and cancelled runs), else what its result and memo say without a worker.
   */
  private async finalStatus(handle: WorkflowHandle, name: string, memo: { agent?: string; sessionId?: string }): Promise<RunStatus> {
    const queried = await this.client.connection
      .withDeadline(Date.now() + FINAL_QUERY_DEADLINE_MS, () => handle.query(statusQuery))
      .catch(() => undefined);
    if (queried) return queried;
    const base = { agent: memo.agent ?? 'unknown', ...(memo.sessionId !== undefined ? { sessionId: memo.sessionId } : {}) };
    if (name === 'COMPLETED') {
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
      };
    }
    const error = await handle.result().then(
      () => undefined,
      (thrown: unknown) => failureMessage(thrown),
    );
    return bareStatus({ status: name === 'CANCELLED' ? 'cancelled' : 'failed', ...base, error });
  }
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
