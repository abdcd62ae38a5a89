/**
 * 4. Parked runs: N runs waiting for an answer at the same time on one worker with a bounded
 * workflow cache. The worker runs in a child process (compiled JS) whose resident memory is
 * sampled; then every run is answered (update) and the time until all have completed is the
 * drain time. The floor: bare workflows parked on the same kind of wait, on a bare worker process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentRunResult } from '../src/workflows/messages.js';
import { respondUpdate } from '../src/workflows/messages.js';
import { MB } from './child-worker.js';
import { costRow, log, mapLimit, median, taskQueue, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import {
  approvalAnswerFor,
  BENCH_APPROVAL_AGENT,
  FLOOR_APPROVALS_WORKFLOW,
  floorApproveUpdate,
  INSTANT_MODEL,
  promptFor,
  type FloorApprovalsInput,
} from './protocol.js';

const PARK_LIMIT_MS = 30 * 60_000;

type Side = 'ours' | 'floor';

interface SideResult {
  runs: number;
  completed: number;
  baselineRssMb: number;
  parkedRssMb: number;
  peakRssMb: number;
  /** The main thread's V8 heap in use (the workflow thread's heap is not in it; RSS includes both). */
  baselineHeapUsedMb: number;
  parkedHeapUsedMb: number;
  peakHeapUsedMb: number;
  cachedWhenParked: number;
  maxCached: number;
  parkMs: number;
  drainMs: number;
}

/**
 * Parked, as the server sees it: running, with no activity and no workflow task pending, after
 * the first model-like activity. Asking the server (describe) replays nothing on the worker.
 */
/** The run's first execution id once it is parked (it waits with no work left), else undefined. */
async function parkedExecution(env: BenchEnv, id: string): Promise<string | undefined> {
  try {
    const { raw, runId } = await env.client.workflow.getHandle(id).describe();
    const activities = raw.pendingActivities?.length ?? 0;
    const parked = activities === 0 && !raw.pendingWorkflowTask && Number(raw.workflowExecutionInfo?.historyLength ?? 0) > 6;
    return parked ? raw.workflowExecutionInfo?.firstRunId || runId : undefined;
  } catch {
    return undefined;
  }
}

async function parkAndDrain(env: BenchEnv, side: Side, options: { runs: number; maxCachedWorkflows: number }): Promise<SideResult> {
  const queue = taskQueue(`parked-${side}`);
  const child = await env.startWorker(side === 'ours' ? 'agent' : 'floor', queue, { maxCachedWorkflows: options.maxCachedWorkflows });
  try {
    // An idle worker's footprint, once it has settled.
    await sleep(1500);
    const baseline: number[] = [];
    const baselineHeap: number[] = [];
    for (let i = 0; i < 5; i++) {
      baseline.push(child.lastRss);
      baselineHeap.push(child.lastHeapUsed);
      await sleep(100);
    }
    const ids = Array.from({ length: options.runs }, (_, i) => workflowId(`parked-${side}-${i}`));
    const handle = (id: string) => env.client.workflow.getHandle(id);
    const parkStart = performance.now();
    const agents = env.agents(queue);
    await mapLimit(ids, 50, async (id) => {
      if (side === 'ours') {
        await agents.start({ agent: BENCH_APPROVAL_AGENT, prompt: promptFor({ steps: 1, modelMs: 0, toolMs: 0 }), model: INSTANT_MODEL, workflowId: id });
      } else {
        const input: FloorApprovalsInput = { steps: 1 };
        await env.client.workflow.start(FLOOR_APPROVALS_WORKFLOW, { taskQueue: queue, workflowId: id, args: [input] });
      }
    });
    // Each parked run's first execution: ours answers as a client that knows the question, bound to it.
    const executions = new Map<string, string>();
    let unconfirmed = ids;
    while (unconfirmed.length > 0) {
      if (performance.now() - parkStart > PARK_LIMIT_MS) throw new Error(`${unconfirmed.length} runs did not park`);
      const parked = await mapLimit(unconfirmed, 50, (id) => parkedExecution(env, id));
      parked.forEach((execution, i) => execution && executions.set(unconfirmed[i]!, execution));
      unconfirmed = unconfirmed.filter((_, i) => !parked[i]);
      if (unconfirmed.length > 0) await sleep(200);
    }
    const parkMs = performance.now() - parkStart;
    await sleep(1000);
    const parkedRss = child.lastRss;
    const parkedHeap = child.lastHeapUsed;
    const cachedWhenParked = child.lastCached;
    log(`parked (${side}): ${options.runs} runs waiting after ${(parkMs / 1000).toFixed(1)} s; worker RSS ${(parkedRss / MB).toFixed(0)} MB, ${cachedWhenParked} cached`);

    const drainStart = performance.now();
    await mapLimit(ids, 50, async (id) => {
      if (side === 'ours') await handle(id).executeUpdate(respondUpdate, { args: [approvalAnswerFor(1, { namespace: 'default', workflowId: id, execution: executions.get(id)! })] });
      else await handle(id).executeUpdate(floorApproveUpdate);
    });
    const finished = await mapLimit(ids, 100, async (id) => {
      try {
        if (side === 'ours') {
          const result = (await handle(id).result()) as AgentRunResult;
          return result.stopReason === 'end_turn' && result.modelCalls === 2;
        }
        return (await handle(id).result()) === 1;
      } catch {
        return false;
      }
    });
    const drainMs = performance.now() - drainStart;
    await sleep(200);
    const completed = finished.filter(Boolean).length;
    log(`parked (${side}): answered all, ${completed}/${options.runs} completed in ${(drainMs / 1000).toFixed(1)} s; peak RSS ${(child.peakRss / MB).toFixed(0)} MB`);
    return {
      runs: options.runs,
      completed,
      baselineRssMb: median(baseline) / MB,
      parkedRssMb: parkedRss / MB,
      peakRssMb: child.peakRss / MB,
      baselineHeapUsedMb: median(baselineHeap) / MB,
      parkedHeapUsedMb: parkedHeap / MB,
      peakHeapUsedMb: child.peakHeapUsed / MB,
      cachedWhenParked,
      maxCached: child.maxCached,
      parkMs,
      drainMs,
    };
  } finally {
    await env.stopWorker(child);
  }
}

export async function parkedBench(env: BenchEnv, options: { runs: number; maxCachedWorkflows: number }): Promise<BenchResult> {
  const ours = await parkAndDrain(env, 'ours', options);
  const floor = await parkAndDrain(env, 'floor', options);
  return {
    id: 'parked',
    title: `Parked runs (${options.runs} waiting at once, maxCachedWorkflows ${options.maxCachedWorkflows}, worker in a child process, compiled JS)`,
    rows: [
      costRow('peak worker RSS', 'MB', ours.peakRssMb, floor.peakRssMb, { of: 'ratio', max: 1.15 }),
      costRow('peak worker RSS, absolute', 'MB', ours.peakRssMb, floor.peakRssMb, { of: 'ours', max: 400 }),
      costRow('time to park all', 'ms', ours.parkMs, floor.parkMs),
      costRow('time to drain (answer all -> all completed)', 'ms', ours.drainMs, floor.drainMs, { of: 'ratio', max: 1.3 }),
    ],
    details: {
      ...options,
      answeredWith: 'update (respond update for ours, a bare update for the floor), 50 in flight',
      parkedDetection: 'describe per run (50 in flight): running, no pending activity or workflow task, past the first model call',
      rssAboveIdleWhenParkedMb: { ours: ours.parkedRssMb - ours.baselineRssMb, floor: floor.parkedRssMb - floor.baselineRssMb },
      ours,
      floor,
    },
  };
}
