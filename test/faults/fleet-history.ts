/**
 * Which worker did what in a run, read from its history (the worker identity Temporal records on
 * every workflow and activity task): who applied the answer, who had the run before, who ran the
 * tool. Worker processes go by pid: the SDK's default identity is `<pid>@<host>`.
 */
import type { Client } from '@temporalio/client';
import { respondUpdate } from '../../src/workflows/messages.js';

export interface RunWork {
  /** The worker that completed the workflow task accepting the `respond` update (applied the answer). */
  answeredBy?: number;
  /** The worker that completed the run's workflow task before that one (had the run while it waited). */
  hadRunBefore?: number;
  /** The workers that completed a tool activity (the attempt whose result the run kept). */
  toolsBy: number[];
}

const pidOf = (identity: string | null | undefined): number | undefined => {
  const pid = Number(identity?.split('@')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

export async function runWork(client: Client, workflowId: string): Promise<RunWork> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const completedBy: Array<number | undefined> = [];
  const work: RunWork = { toolsBy: [] };
  const scheduled = new Map<string, string>();
  for (const event of events) {
    if (event.workflowTaskCompletedEventAttributes) completedBy.push(pidOf(event.workflowTaskCompletedEventAttributes.identity));
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    // The update's acceptance is recorded with the workflow task that ran its validator and handler.
    if (accepted?.acceptedRequest?.input?.name === respondUpdate.name && work.answeredBy === undefined) {
      work.answeredBy = completedBy.at(-1);
      work.hadRunBefore = completedBy.at(-2);
    }
    const activity = event.activityTaskScheduledEventAttributes;
    if (activity) scheduled.set(String(event.eventId), activity.activityType?.name ?? '');
    const done = event.activityTaskCompletedEventAttributes;
    if (done && scheduled.get(String(done.scheduledEventId)) === 'runTool') {
      const pid = pidOf(done.identity);
      if (pid !== undefined) work.toolsBy.push(pid);
    }
  }
  return work;
}
