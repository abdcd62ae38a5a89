/**
 * 5. Throughput: many concurrent runs of a few steps each with the instant model, on one
 * worker with the SDK's default slots: completed agent steps per second, against the floor's
 * model-like + tool-like activity pairs per second (same number of workflows and activities).
 */
import type { AgentRunResult } from '../src/workflows/messages.js';
import { log, median, rateRow, timed, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import type { Queues } from './per-step.js';
import { BENCH_AGENT, FLOOR_STEPS_WORKFLOW, INSTANT_MODEL, promptFor, type FloorStepsInput } from './protocol.js';

async function burst(env: BenchEnv, queues: Queues, side: 'ours' | 'floor', runs: number, steps: number): Promise<number> {
  const agents = env.agents(queues.agent);
  const { ms } = await timed(() =>
    Promise.all(
      Array.from({ length: runs }, async (_, i) => {
        const id = workflowId(`throughput-${side}-${i}`);
        if (side === 'ours') {
          await agents.start({ agent: BENCH_AGENT, prompt: promptFor({ steps, modelMs: 0, toolMs: 0 }), model: INSTANT_MODEL, workflowId: id });
          const result = (await env.client.workflow.getHandle(id).result()) as AgentRunResult;
          if (result.modelCalls !== steps + 1) throw new Error(`run ${id} made ${result.modelCalls} model calls`);
        } else {
          const input: FloorStepsInput = { steps };
          await (await env.client.workflow.start(FLOOR_STEPS_WORKFLOW, { taskQueue: queues.floor, workflowId: id, args: [input] })).result();
        }
      }),
    ),
  );
  return ms;
}

export async function throughputBench(env: BenchEnv, queues: Queues, options: { runs: number; steps: number; repeats: number }): Promise<BenchResult> {
  const ours: number[] = [];
  const floor: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const order = repeat % 2 === 0 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const);
    for (const side of order) (side === 'ours' ? ours : floor).push(await burst(env, queues, side, options.runs, options.steps));
    log(`throughput: repeat ${repeat + 1}/${options.repeats}: ours ${ours.at(-1)!.toFixed(0)} ms, floor ${floor.at(-1)!.toFixed(0)} ms for ${options.runs} runs`);
  }
  const steps = options.runs * options.steps;
  const activities = options.runs * (2 * options.steps + 1);
  const perSecond = (count: number, ms: number) => (count * 1000) / ms;
  return {
    id: 'throughput',
    title: `Throughput (${options.runs} concurrent runs x ${options.steps} steps, instant model, one worker)`,
    rows: [
      rateRow('agent steps per second', 'steps/s', perSecond(steps, median(ours)), perSecond(steps, median(floor))),
      rateRow('activities per second', 'act/s', perSecond(activities, median(ours)), perSecond(activities, median(floor))),
    ],
    details: { ...options, stepsPerBurst: steps, activitiesPerBurst: activities, oursBurstMs: ours, floorBurstMs: floor },
  };
}
