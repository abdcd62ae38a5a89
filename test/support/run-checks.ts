/**
 * Checks every test and fault group ends with: each workflow history the runs produced replays on
 * a fresh worker (so no run depends on something its history does not hold), and a run that does
 * not finish fails the test within a deadline, naming the run and the problem Temporal reports
 * for it, instead of hanging.
 */
import { Client, Connection, type HistoryAndWorkflowId, type WorkflowHandle } from '@temporalio/client';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { agentMetricsSinks } from '../../src/observability/open-interrupts.js';

/** How long a test waits for one run's result before it names the run and gives up. */
export const RESULT_DEADLINE_MS = 5 * 60_000;

/** Every bundle this process runs workers with: a history must replay on the one that made it. */
const bundles = new Set<Promise<WorkflowBundle>>();
export function registerReplayBundle<B extends WorkflowBundle>(bundle: Promise<B>): Promise<B> {
  bundles.add(bundle);
  return bundle;
}

export interface ReplayFailure {
  workflowId: string;
  runId: string;
  error: string;
}

/**
 * Replays every workflow history in the namespace (or those `query` selects) on each registered
 * bundle; a history passes when one of them replays it. Returns how many were replayed and which
 * failed on all of them.
 */
export async function replayEveryHistory(
  client: Client,
  options: { query?: string; dataConverter?: DataConverter; /** For servers without visibility (the time-skipping test server): these runs' histories. */ workflowIds?: readonly string[] } = {},
): Promise<{ replayed: number; failures: ReplayFailure[] }> {
  const candidates = await Promise.all(bundles);
  // Histories can be larger than a gRPC message's default 4 MB (a run flooded with signals): a connection of its own takes them.
  const connection = await Connection.connect({ address: (client.connection as Connection).options.address, channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 } });
  const histories: HistoryAndWorkflowId[] = [];
  try {
    // Raw: listing decodes nothing (memos may be sealed with keys this process no longer holds); histories are replayed as stored.
    const reader = new Client({ connection, namespace: client.options.namespace });
    const runs = options.workflowIds ? [...new Set(options.workflowIds)].map((workflowId) => ({ workflowId, runId: undefined })) : await listRuns(reader, options.query);
    for (const { workflowId, runId } of runs) histories.push({ workflowId, history: await reader.workflow.getHandle(workflowId, runId).fetchHistory() });
  } finally {
    await connection.close();
  }
  // One replay worker per bundle; what fails on one bundle is tried on the next.
  let left = histories;
  const errors = new Map<HistoryAndWorkflowId, string[]>();
  for (const workflowBundle of candidates) {
    if (left.length === 0) break;
    const failed: HistoryAndWorkflowId[] = [];
    const replayOptions = { workflowBundle, sinks: agentMetricsSinks(), ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}) };
    let index = 0;
    for await (const result of Worker.runReplayHistories(replayOptions, left)) {
      const history = left[index++]!;
      if (result.error === undefined) continue;
      failed.push(history);
      errors.set(history, [...(errors.get(history) ?? []), result.error instanceof Error ? result.error.message : String(result.error)]);
    }
    left = failed;
  }
  const failures = left.map((history) => ({ workflowId: history.workflowId, runId: runIdOf(history), error: errors.get(history)!.join(' | ') }));
  return { replayed: histories.length, failures };
}

/** Every execution visibility lists, without decoding anything. */
async function listRuns(client: Client, query: string | undefined): Promise<Array<{ workflowId: string; runId: string | undefined }>> {
  const runs: Array<{ workflowId: string; runId: string | undefined }> = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, ...(query !== undefined ? { query } : {}), ...(nextPageToken ? { nextPageToken } : {}) });
    for (const execution of page.executions ?? []) runs.push({ workflowId: execution.execution?.workflowId ?? '', runId: execution.execution?.runId ?? undefined });
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return runs;
}

function runIdOf({ history }: HistoryAndWorkflowId): string {
  return (history as { events?: Array<{ workflowExecutionStartedEventAttributes?: { originalExecutionRunId?: string } }> }).events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '?';
}

/** Throws, naming each workflow, when any history fails to replay. */
export async function assertEveryHistoryReplays(client: Client, options: Parameters<typeof replayEveryHistory>[1] = {}): Promise<number> {
  const { replayed, failures } = await replayEveryHistory(client, options);
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${replayed} workflow histories do not replay: ${failures.map((failure) => `${failure.workflowId} (run ${failure.runId}): ${failure.error}`).join('; ')}`);
  }
  return replayed;
}

/** Why a run is not finishing, in one line: its status, the problem Temporal reports, the last workflow task failure. */
export async function whyOpen(handle: WorkflowHandle): Promise<string> {
  try {
    const description = await handle.describe();
    const problems = description.searchAttributes?.TemporalReportedProblems;
    let failure = '';
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const failed = event.workflowTaskFailedEventAttributes?.failure?.message;
      if (failed) failure = failed;
    }
    return [`status ${description.status.name}`, problems ? `reported problems ${JSON.stringify(problems)}` : '', failure ? `last workflow task failure: ${failure}` : '']
      .filter(Boolean)
      .join('; ');
  } catch (error) {
    return `cannot describe it: ${(error as Error).message}`;
  }
}

/** Resolves with `work`, or fails after `deadlineMs` naming `what` and why the run is still open. */
export async function withRunDeadline<T>(work: Promise<T>, handle: WorkflowHandle, deadlineMs = RESULT_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), deadlineMs)));
  try {
    const winner = await Promise.race([work, expired]);
    if (winner !== 'expired') return winner as T;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`run ${handle.workflowId} did not finish within ${Math.round(deadlineMs / 1000)} s: ${await whyOpen(handle)}`);
}

/**
 * Every run's result, waiting at most `deadlineMs` in all. Runs still open then count as not
 * finished, and `open` says for each why (its status and the problem Temporal reports).
 */
export async function settleRuns(client: Client, workflowIds: readonly string[], deadlineMs = RESULT_DEADLINE_MS): Promise<{ results: PromiseSettledResult<unknown>[]; open: string[] }> {
  const handles = workflowIds.map((id) => client.workflow.getHandle(id));
  const results: Array<PromiseSettledResult<unknown> | undefined> = new Array(handles.length).fill(undefined);
  const all = Promise.all(
    handles.map((handle, index) =>
      handle.result().then(
        (value) => void (results[index] = { status: 'fulfilled', value }),
        (reason: unknown) => void (results[index] = { status: 'rejected', reason }),
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
  clearTimeout(timer);
  const open = await Promise.all(
    handles.flatMap((handle, index) => (results[index] === undefined ? [whyOpen(handle).then((why) => `${handle.workflowId}: ${why}`)] : [])),
  );
  return { results: results.map((result) => result ?? { status: 'rejected', reason: new Error('did not finish in time') }), open };
}
