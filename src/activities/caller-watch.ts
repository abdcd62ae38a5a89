/**
 * A sub-agent's watch on the run that called it. Sub-agents are started with ParentClosePolicy
 * ABANDON, so that a caller can continue as new while one waits (Temporal applies the policy to
 * every run of a continue-as-new chain); so when the caller is terminated, fails, times out or is
 * reset, nothing ends the sub-agent, and its questions could still be answered and its tools run.
 * This activity lives as long as the sub-agent and returns when its caller closed without it:
 * the sub-agent then ends, and takes no more answers.
 *
 * It asks Temporal every few seconds and heartbeats in between: a worker that dies is noticed
 * within the heartbeat timeout and the watch moves to another worker. One activity per sub-agent
 * run, whatever it waits: its history stays flat.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** How often the caller is looked at: the sub-agent ends within this, a workflow task and a heartbeat timeout. */
export const CALLER_POLL_MS = 5_000;

export interface CallerRef {
  /** The caller's workflow id. */
  workflowId: string;
  /** The caller's run that started this sub-agent. */
  runId: string;
}

/** How the caller closed, once it has (never for a caller that is open or continued as new). */
export type CallerClosed = 'terminated' | 'failed' | 'timed out' | 'cancelled' | 'completed' | 'gone';

export async function watchCaller(caller: CallerRef): Promise<CallerClosed> {
  const context = Context.current();
  for (;;) {
    const closed = await callerClosed(context.client, caller);
    if (closed) return closed;
    heartbeat();
    // Ends with the activity's cancellation (the sub-agent ended first).
    await context.sleep(CALLER_POLL_MS);
  }
}

/**
 * Whether the caller's run, or the run it continued as new into, has closed: the run that started
 * the sub-agent may have continued as new (the chain goes on), or been reset (terminated, with a
 * new run that knows nothing of this sub-agent).
 */
async function callerClosed(client: Client, caller: CallerRef): Promise<CallerClosed | undefined> {
  try {
    const started = await client.workflow.getHandle(caller.workflowId, caller.runId).describe();
    if (started.status.name === 'RUNNING') return undefined;
    if (started.status.name !== 'CONTINUED_AS_NEW') return closedAs(started.status.name);
    // The chain goes on: its latest run carries this sub-agent.
    const latest = await client.workflow.getHandle(caller.workflowId).describe();
    if (latest.status.name === 'RUNNING' || latest.status.name === 'CONTINUED_AS_NEW') return undefined;
    return closedAs(latest.status.name);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'gone';
    throw new Error(`cannot describe the calling run ${caller.workflowId} (attempt ${activityInfo().attempt}): ${(error as Error).message}`);
  }
}

function closedAs(status: string): CallerClosed {
  switch (status) {
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed out';
    case 'CANCELLED':
      return 'cancelled';
    case 'COMPLETED':
      return 'completed';
    default:
      return 'failed';
  }
}
