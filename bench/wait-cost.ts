/**
 * 7. What held waits cost the worker: N runs are busy (a slow first model call), then N clients
 * call `AgentClient.wait` at once, and the worker's CPU time and resident memory over a window
 * while the waits are admitted and held are compared with the same window just before (idle, the
 * runs busy). The floor: N bare workflows, each holding one update that does nothing (`floorHold`).
 * Every wait then returns once its run waits for a person; every floor update once released.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildWorker } from './child-worker.js';
import { MB } from './child-worker.js';
import { costRow, log, mapLimit, taskQueue, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import { BENCH_APPROVAL_AGENT, FLOOR_HOLD_WORKFLOW, floorHoldUpdate, floorReleaseSignal, INSTANT_MODEL, promptFor } from './protocol.js';

type Side = 'ours' | 'floor';

interface Window {
  cpuMs: number;
  rssGrowthMb: number;
}

/** CPU used and peak RSS above the start, over `ms` from just before `begin`. */
async function measure(child: ChildWorker, ms: number, begin: () => void = () => undefined): Promise<Window> {
  await child.sampleNow();
  child.resetPeaks();
  const rss = child.lastRss;
  const cpu = child.cpuMs;
  begin();
  await sleep(ms);
  await child.sampleNow();
  return { cpuMs: child.cpuMs - cpu, rssGrowthMb: (child.peakRss - rss) / MB };
}

/** Until the server says no run has a workflow task pending (describe replays nothing on the worker). */
async function untilNoWorkflowTask(env: BenchEnv, ids: readonly string[], limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const pending = await mapLimit(ids, 50, async (id) => Boolean((await env.client.workflow.getHandle(id).describe()).raw.pendingWorkflowTask));
    const left = pending.filter(Boolean).length;
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`${left} runs still had a workflow task pending after ${limitMs / 1000} s`);
    await sleep(200);
  }
}

async function side(env: BenchEnv, which: Side, options: { waits: number; holdMs: number }): Promise<{ idle: Window; held: Window; returned: number }> {
  const queue = taskQueue(`waits-${which}`);
  const child = await env.startWorker(which === 'ours' ? 'agent' : 'floor', queue);
  const ids = Array.from({ length: options.waits }, (_, i) => workflowId(`waits-${which}-${i}`));
  try {
    // Busy long enough for both windows and the starts: the first model call sleeps.
    const modelMs = 2 * options.holdMs + 10_000 + options.waits * 20;
    await mapLimit(ids, 50, async (id) => {
      if (which === 'ours') {
        await env.agents(queue).start({ agent: BENCH_APPROVAL_AGENT, prompt: promptFor({ steps: 1, modelMs, toolMs: 0 }), model: INSTANT_MODEL, workflowId: id });
      } else {
        await env.client.workflow.start(FLOOR_HOLD_WORKFLOW, { taskQueue: queue, workflowId: id });
      }
    });
    // The floor's starts return before the worker has run their first task (ours wait for it, the
    // start's accept update): measured from there, its idle window held that work, not idleness.
    await untilNoWorkflowTask(env, ids);
    await sleep(1000);
    const idle = await measure(child, options.holdMs);
    let waits: Array<Promise<boolean>> = [];
    const held = await measure(child, options.holdMs, () => {
      waits = ids.map((id) =>
        which === 'ours'
          ? env.agents(queue).wait(id).then((status) => status.status === 'waiting')
          : env.client.workflow.getHandle(id).executeUpdate(floorHoldUpdate, { args: [{ timeoutMs: 60_000 }] }).then((held) => held === 1),
      );
    });
    if (which === 'floor') await mapLimit(ids, 50, (id) => env.client.workflow.getHandle(id).signal(floorReleaseSignal));
    const returned = (await Promise.all(waits)).filter(Boolean).length;
    log(`waits (${which}): ${returned}/${options.waits} returned as expected; CPU idle ${idle.cpuMs.toFixed(0)} ms, with waits ${held.cpuMs.toFixed(0)} ms`);
    return { idle, held, returned };
  } finally {
    await mapLimit(ids, 50, (id) => env.client.workflow.getHandle(id).terminate('bench done').catch(() => undefined));
    await env.stopWorker(child);
  }
}

export async function waitCostBench(env: BenchEnv, options: { waits: number; holdMs: number }): Promise<BenchResult> {
  const ours = await side(env, 'ours', options);
  const floor = await side(env, 'floor', options);
  const added = (result: typeof ours) => ({ cpuMs: result.held.cpuMs - result.idle.cpuMs, rssGrowthMb: result.held.rssGrowthMb - result.idle.rssGrowthMb });
  const oursAdded = added(ours);
  const floorAdded = added(floor);
  return {
    id: 'waits',
    title: `${options.waits} concurrent waits (AgentClient.wait, held by the run) vs ${options.waits} idle updates on bare workflows; worker CPU and RSS over ${options.holdMs} ms, above idle`,
    rows: [
      // Floors of 1 ms and 1 MB: below them the difference is noise, and a ratio of noise says nothing.
      costRow(`worker CPU for ${options.waits} held waits`, 'ms', Math.max(1, oursAdded.cpuMs), Math.max(1, floorAdded.cpuMs), { of: 'ratio', max: 1 }),
      costRow(`worker RSS growth for ${options.waits} held waits`, 'MB', Math.max(1, oursAdded.rssGrowthMb), Math.max(1, floorAdded.rssGrowthMb), { of: 'ratio', max: 1 }),
    ],
    details: { ...options, ours, floor, returnedAsExpected: { ours: ours.returned, floor: floor.returned } },
  };
}
