/**
 * The sub-agent side of the caller watch (activities/caller-watch.ts): one activity for the life of
 * a sub-agent run that resolves when its caller closed without it (terminated, failed, timed out,
 * reset). The run then ends and takes no more answers.
 */
import { ActivityCancellationType, CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CallerClosed, CallerRef } from '../activities/caller-watch.js';

const { watchCaller } = proxyActivities<{ watchCaller(caller: CallerRef): Promise<CallerClosed> }>({
  // As long as the sub-agent lives; the heartbeat notices a worker that died.
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

export interface CallerWatch {
  /** Called once, when the caller closed: how it closed. */
  onClosed(listener: (how: CallerClosed) => void): void;
  /** Ends the watch (the run ends, or continues as new and watches again). */
  stop(): void;
}

/** Starts watching the run's caller (`workflowInfo().parent`); undefined for a run nobody called. */
export function watchCallerOfRun(): CallerWatch | undefined {
  const parent = workflowInfo().parent;
  if (!parent) return undefined;
  const scope = new CancellationScope();
  let listener: ((how: CallerClosed) => void) | undefined;
  scope
    .run(() => watchCaller.executeWithOptions({ summary: `watch caller ${parent.workflowId}` }, [{ workflowId: parent.workflowId, runId: parent.runId }]))
    // Cancelled when the run ends first; it retries without end, so it fails only with the run.
    .then((how) => listener?.(how), () => undefined);
  return {
    onClosed: (next) => (listener = next),
    stop: () => scope.cancel(),
  };
}
