/**
 * Asks Temporal whether a run is still open. The session uses it when a run it started never
 * reported its end (terminated by an operator, or lost before it could say so).
 */
import { activityInfo, Context } from '@temporalio/activity';

export type RunState = 'open' | 'completed' | 'failed' | 'cancelled' | 'missing';

export async function runState(workflowId: string): Promise<RunState> {
  try {
    const { status } = await Context.current().client.workflow.getHandle(workflowId).describe();
    if (status.name === 'RUNNING') return 'open';
    if (status.name === 'COMPLETED') return 'completed';
    if (status.name === 'CANCELLED') return 'cancelled';
    return 'failed';
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return 'missing';
    throw new Error(`cannot describe run ${workflowId} (attempt ${activityInfo().attempt}): ${(error as Error).message}`);
  }
}
