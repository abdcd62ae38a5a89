/**
 * 4. Parked runs: N runs waiting for an answer at the same time on a worker with a bounded
 * workflow cache. The worker runs in a child process whose resident memory is sampled (from
 * /proc/<pid>/status where there is one, and from the child's own reports); then every run is
 * answered (update) and the time until all have completed is the drain time. The floor: bare
 * workflows parked on the same kind of wait, on the same kind of child worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { AgentRunResult } from '../src/workflows/messages.js';
import { respondUpdate, statusQuery } from '../src/workflows/messages.js';
import { costRow, log, mapLimit, median, taskQueue, WORKER_PROCESS, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import {
  approvalIdFor,
  BENCH_APPROVAL_AGENT,
  FLOOR_APPROVALS_WORKFLOW,
  floorApproveUpdate,
  floorWaitingQuery,
  INSTANT_MODEL,
  promptFor,
  type FloorApprovalsInput,
} from './protocol.js';
import type { WorkerProcessConfig, WorkerProcessMessage } from './worker-process.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MB = 1024 * 1024;
const SAMPLE_MS = 100;
const PARK_LIMIT_MS = 10 * 60_000;

/** A bench worker in a child process, with its memory sampled. */
class ChildWorker {
  peakRss = 0;
  lastRss = 0;
  peakHeapUsed = 0;
  lastHeapUsed = 0;
  lastCached = 0;
  maxCached = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: WorkerProcessMessage) => {
      if (message.type !== 'sample') return;
      this.record(message.rss);
      this.lastHeapUsed = message.heapUsed;
      this.peakHeapUsed = Math.max(this.peakHeapUsed, message.heapUsed);
      this.lastCached = message.cached;
      this.maxCached = Math.max(this.maxCached, message.cached);
    });
    const status = `/proc/${child.pid}/status`;
    this.timer = setInterval(() => {
      if (!existsSync(status)) return;
      try {
        const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(status, 'utf8'));
        if (match) this.record(Number(match[1]) * 1024);
      } catch {
        // the process just exited
      }
    }, SAMPLE_MS);
  }

  private record(rss: number): void {
    this.samples += 1;
    this.lastRss = rss;
    this.peakRss = Math.max(this.peakRss, rss);
  }

  static async spawn(config: WorkerProcessConfig): Promise<ChildWorker> {
    const child = fork(WORKER_PROCESS, [JSON.stringify(config)], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      // stdout is the bench's JSON channel: the child's output goes to stderr.
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout?.pipe(process.stderr);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerProcessMessage) => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null) => reject(new Error(`bench worker process exited (code ${code}) before it was ready`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return new ChildWorker(child);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.child.exitCode === null && this.child.connected) this.child.send({ type: 'shutdown' });
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(killer);
  }
}

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

async function parkAndDrain(env: BenchEnv, side: Side, options: { runs: number; maxCachedWorkflows: number }): Promise<SideResult> {
  const queue = taskQueue(`parked-${side}`);
  const child = await ChildWorker.spawn({
    kind: side === 'ours' ? 'agent' : 'floor',
    address: env.address,
    namespace: env.namespace,
    taskQueue: queue,
    bundlePath: side === 'ours' ? env.bundlePaths.agent : env.bundlePaths.floor,
    maxCachedWorkflows: options.maxCachedWorkflows,
    sampleMs: SAMPLE_MS,
  });
  try {
    // An idle worker's footprint, once it has settled.
    await sleep(1500);
    const baseline: number[] = [];
    const baselineHeap: number[] = [];
    for (let i = 0; i < 5; i++) {
      baseline.push(child.lastRss);
      baselineHeap.push(child.lastHeapUsed);
      await sleep(SAMPLE_MS);
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
    // Parked = the run says it waits for the approval (a status query; on an evicted run it replays).
    const interruptId = approvalIdFor(1);
    // A query can time out while the worker is busy starting runs: that run is simply asked again.
    const isParked = async (id: string) => {
      try {
        return side === 'ours'
          ? (await handle(id).query(statusQuery)).pending.some((pending) => pending.id === interruptId)
          : (await handle(id).query(floorWaitingQuery)) === 1;
      } catch {
        return false;
      }
    };
    let unconfirmed = ids;
    while (unconfirmed.length > 0) {
      if (performance.now() - parkStart > PARK_LIMIT_MS) throw new Error(`${unconfirmed.length} runs did not park`);
      const parked = await mapLimit(unconfirmed, 20, isParked);
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
      if (side === 'ours') await handle(id).executeUpdate(respondUpdate, { args: [{ interruptId, response: 'y', respondedBy: 'bench' }] });
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
    await sleep(2 * SAMPLE_MS);
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
    await child.stop();
  }
}

export async function parkedBench(env: BenchEnv, options: { runs: number; maxCachedWorkflows: number }): Promise<BenchResult> {
  const ours = await parkAndDrain(env, 'ours', options);
  const floor = await parkAndDrain(env, 'floor', options);
  return {
    id: 'parked',
    title: `Parked runs (${options.runs} waiting at once, maxCachedWorkflows ${options.maxCachedWorkflows}, worker in a child process)`,
    rows: [
      costRow('peak worker RSS', 'MB', ours.peakRssMb, floor.peakRssMb, { of: 'ours', max: 300 }),
      costRow('time to park all', 'ms', ours.parkMs, floor.parkMs),
      costRow('time to drain (answer all -> all completed)', 'ms', ours.drainMs, floor.drainMs),
    ],
    details: {
      ...options,
      answeredWith: 'update (respond update for ours, a bare update for the floor), 50 in flight',
      parkedDetection: 'status query per run (20 in flight; an evicted run replays to answer it)',
      rssAboveIdleWhenParkedMb: { ours: ours.parkedRssMb - ours.baselineRssMb, floor: floor.parkedRssMb - floor.baselineRssMb },
      ours,
      floor,
    },
  };
}
