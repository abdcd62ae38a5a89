/**
 * A fleet of workers: approvals per second end to end (start a run -> it asks -> the answer
 * -> the approved tool runs -> the run ends) with one worker process and with two on one task
 * queue, on this one machine, side by side with the floor (a bare workflow that waits for an
 * approval update between a model-like and a tool-like activity, on one and on two bare workers).
 *
 * `concurrency` clients each take runs one after another. Ours learns that a run waits through
 * AgentClient.wait (a held update) and answers through AgentClient.answer (the `respond` update,
 * bound to the question as shown), as the CLI does; the floor polls its query every few ms, then
 * sends its update. Each worker set has a task queue of its own; the variants alternate per repeat.
 * The workers' CPU time is sampled around each burst, to show how the work split between them, and
 * this process's, where the clients of all runs in flight run (one process however many workers).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildWorker } from './child-worker.js';
import { costRow, log, mapLimit, median, percentile, rateRow, round, taskQueue, timed, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import { BENCH_APPROVAL_AGENT, FLOOR_APPROVALS_WORKFLOW, floorApproveUpdate, floorWaitingQuery, INSTANT_MODEL, promptFor, type FloorApprovalsInput } from './protocol.js';

type Side = 'ours' | 'floor';
type Workers = 1 | 2;

export interface FleetOptions {
  /** Approvals per burst (one run each). */
  approvals: number;
  /** Runs in flight at once. */
  concurrency: number;
  repeats: number;
}

const FLOOR_POLL_MS = 5;

/** One run, one approval, from start to result; returns its milliseconds. */
async function oneApproval(env: BenchEnv, queue: string, side: Side): Promise<number> {
  const id = workflowId(`fleet-${side}`);
  const { ms } = await timed(async () => {
    if (side === 'ours') {
      const agents = env.agents(queue);
      await agents.start({ agent: BENCH_APPROVAL_AGENT, prompt: promptFor({ steps: 1, modelMs: 0, toolMs: 0 }), model: INSTANT_MODEL, workflowId: id });
      const { pending } = await agents.wait(id);
      if (pending.length !== 1) throw new Error(`${id} waits for ${pending.length} questions`);
      await agents.answer(id, [{ interruptId: pending[0]!.id, response: 'y', respondedBy: 'bench' }], undefined, pending);
      const result = await agents.result(id);
      if (result.modelCalls !== 2) throw new Error(`run ${id} made ${result.modelCalls} model calls`);
    } else {
      const input: FloorApprovalsInput = { steps: 1 };
      const handle = await env.client.workflow.start(FLOOR_APPROVALS_WORKFLOW, { taskQueue: queue, workflowId: id, args: [input] });
      while ((await handle.query(floorWaitingQuery)) !== 1) await sleep(FLOOR_POLL_MS);
      await handle.executeUpdate(floorApproveUpdate);
      await handle.result();
    }
  });
  return ms;
}

interface Burst {
  ms: number;
  latencies: number[];
  /** CPU milliseconds each worker process used during the burst. */
  workerCpuMs: number[];
  /** CPU milliseconds this process (the clients of every run in flight) used during the burst. */
  clientCpuMs: number;
}

async function burst(env: BenchEnv, queue: string, workers: ChildWorker[], side: Side, options: FleetOptions): Promise<Burst> {
  await Promise.all(workers.map((worker) => worker.sampleNow()));
  const cpuBefore = workers.map((worker) => worker.cpuMs);
  const clientBefore = process.cpuUsage();
  const { ms, value: latencies } = await timed(() => mapLimit(Array.from({ length: options.approvals }), options.concurrency, () => oneApproval(env, queue, side)));
  const client = process.cpuUsage(clientBefore);
  await Promise.all(workers.map((worker) => worker.sampleNow()));
  return { ms, latencies, workerCpuMs: workers.map((worker, index) => round(worker.cpuMs - cpuBefore[index]!, 0)), clientCpuMs: round((client.user + client.system) / 1000, 0) };
}

export async function fleetBench(env: BenchEnv, options: FleetOptions): Promise<BenchResult> {
  const variants: Array<[Side, Workers]> = [
    ['ours', 1],
    ['floor', 1],
    ['ours', 2],
    ['floor', 2],
  ];
  const sets = new Map<string, { queue: string; workers: ChildWorker[] }>();
  const bursts = new Map<string, Burst[]>(variants.map(([side, count]) => [`${side}-${count}`, []]));
  try {
    for (const [side, count] of variants) {
      const queue = taskQueue(`fleet-${side}-${count}`);
      const workers: ChildWorker[] = [];
      for (let i = 0; i < count; i++) workers.push(await env.startWorker(side === 'ours' ? 'agent' : 'floor', queue));
      sets.set(`${side}-${count}`, { queue, workers });
      // Warm: each worker's caches, JIT and connections, before anything is timed.
      await mapLimit(Array.from({ length: 4 * count }), 2 * count, () => oneApproval(env, queue, side));
    }
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      for (let v = 0; v < variants.length; v++) {
        const [side, count] = variants[(v + repeat) % variants.length]!;
        const key = `${side}-${count}`;
        const set = sets.get(key)!;
        const result = await burst(env, set.queue, set.workers, side, options);
        bursts.get(key)!.push(result);
        log(`fleet: repeat ${repeat + 1}/${options.repeats}: ${key} worker(s): ${options.approvals} approvals in ${result.ms.toFixed(0)} ms; worker CPU ${result.workerCpuMs.join(' + ')} ms, client CPU ${result.clientCpuMs} ms`);
      }
    }
  } finally {
    for (const set of sets.values()) for (const worker of set.workers) await env.stopWorker(worker);
  }
  const rate = (key: string) => (options.approvals * 1000) / median(bursts.get(key)!.map((b) => b.ms));
  const ours1 = rate('ours-1');
  const ours2 = rate('ours-2');
  const floor1 = rate('floor-1');
  const floor2 = rate('floor-2');
  const cpu = (b: Burst) => b.workerCpuMs.reduce((sum, ms) => sum + ms, 0);
  const cpuPerApproval = (key: string) => median(bursts.get(key)!.map(cpu)) / options.approvals;
  const clientCpuPerApproval = (key: string) => median(bursts.get(key)!.map((b) => b.clientCpuMs)) / options.approvals;
  const summary = Object.fromEntries(
    [...bursts].map(([key, list]) => {
      const latencies = list.flatMap((b) => b.latencies);
      return [
        key,
        {
          approvalsPerSecond: round(rate(key), 1),
          burstMs: list.map((b) => round(b.ms, 0)),
          latencyP50Ms: round(percentile(latencies, 50), 1),
          latencyP99Ms: round(percentile(latencies, 99), 1),
          workerCpuMs: list.map((b) => b.workerCpuMs),
          clientCpuMs: list.map((b) => b.clientCpuMs),
          // Cores' worth of CPU the workers used during the burst (2 would be the whole machine).
          workerCoresBusy: list.map((b) => round(cpu(b) / b.ms, 2)),
        },
      ];
    }),
  );
  return {
    id: 'fleet',
    title: `Fleet (${options.approvals} runs of one approval each, ${options.concurrency} in flight, start -> question -> answer -> tool -> done; one vs two worker processes on one machine)`,
    rows: [
      rateRow('approvals per second, 1 worker process', 'appr/s', ours1, floor1),
      rateRow('approvals per second, 2 worker processes', 'appr/s', ours2, floor2),
      // ratio = floor's speed-up / ours: above 1, ours gains less from the second worker than the floor does.
      rateRow('speed-up from the 2nd worker (2 / 1)', 'x', ours2 / ours1, floor2 / floor1),
      // What the workers themselves spent: if it is a small part of the wall time, they were not the limit.
      costRow('worker CPU per approval, 1 worker process', 'ms', cpuPerApproval('ours-1'), cpuPerApproval('floor-1')),
      costRow('worker CPU per approval, 2 worker processes (sum)', 'ms', cpuPerApproval('ours-2'), cpuPerApproval('floor-2')),
      // The clients (start, wait, answer, result) share this one process whatever the number of workers.
      costRow('client CPU per approval, 2 worker processes', 'ms', clientCpuPerApproval('ours-2'), clientCpuPerApproval('floor-2')),
    ],
    details: { ...options, floorPollMs: FLOOR_POLL_MS, summary },
  };
}
