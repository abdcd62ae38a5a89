/**
 * 1. Per-step overhead: an N-step run (model turn asking for one tool, then the tool) with the
 * instant model, against a bare workflow doing the same activities in the same pattern.
 * Repeated, ours and the floor alternating, medians reported.
 */
import { AGENT_RUN_WORKFLOW } from '../src/workflows/messages.js';
import { costRow, log, median, timed, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import { BENCH_AGENT, FLOOR_STEPS_WORKFLOW, INSTANT_MODEL, promptFor, type FloorStepsInput, type StepSpec } from './protocol.js';

export interface Queues {
  agent: string;
  floor: string;
}

/** One durable agent run from start to result, with the product's client. */
export async function runAgent(env: BenchEnv, queues: Queues, spec: StepSpec, label = 'agent'): Promise<{ ms: number; workflowId: string }> {
  const agents = env.agents(queues.agent);
  const { ms, value } = await timed(async () => {
    const { workflowId: id } = await agents.start({
      agent: BENCH_AGENT,
      prompt: promptFor(spec),
      model: INSTANT_MODEL,
      workflowId: workflowId(label),
    });
    const result = await env.client.workflow.getHandle(id).result();
    if (result.modelCalls !== spec.steps + 1) throw new Error(`run ${id} made ${result.modelCalls} model calls, expected ${spec.steps + 1}`);
    return id;
  });
  return { ms, workflowId: value };
}

/** One floor workflow (same activities, same pattern) from start to result. */
export async function runFloor(env: BenchEnv, queues: Queues, spec: StepSpec, label = 'floor'): Promise<{ ms: number; workflowId: string }> {
  const input: FloorStepsInput = { steps: spec.steps, modelMs: spec.modelMs, toolMs: spec.toolMs };
  const { ms, value } = await timed(async () => {
    const handle = await env.client.workflow.start(FLOOR_STEPS_WORKFLOW, { taskQueue: queues.floor, workflowId: workflowId(label), args: [input] });
    await handle.result();
    return handle.workflowId;
  });
  return { ms, workflowId: value };
}

export async function perStepBench(env: BenchEnv, queues: Queues, options: { steps: number; repeats: number }): Promise<BenchResult> {
  const spec: StepSpec = { steps: options.steps, modelMs: 0, toolMs: 0 };
  const ours: number[] = [];
  const floor: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    // Alternate who goes first, so that drift (JIT, server caches, GC) does not favour one side.
    const order = repeat % 2 === 0 ? ['ours', 'floor'] : ['floor', 'ours'];
    for (const side of order) {
      if (side === 'ours') ours.push((await runAgent(env, queues, spec, 'perstep')).ms);
      else floor.push((await runFloor(env, queues, spec, 'perstep-floor')).ms);
    }
    log(`per-step: repeat ${repeat + 1}/${options.repeats}: ours ${ours.at(-1)!.toFixed(0)} ms, floor ${floor.at(-1)!.toFixed(0)} ms`);
  }
  const oursPerStep = median(ours) / options.steps;
  const floorPerStep = median(floor) / options.steps;
  return {
    id: 'perStep',
    title: `Per-step overhead (${options.steps}-step run, instant model, median of ${options.repeats})`,
    rows: [
      costRow('time per step', 'ms', oursPerStep, floorPerStep, { of: 'ratio', max: 1.3 }),
      costRow('whole run', 'ms', median(ours), median(floor)),
    ],
    details: {
      steps: options.steps,
      repeats: options.repeats,
      activitiesPerRun: 2 * options.steps + 1,
      oursRunMs: ours,
      floorRunMs: floor,
      workflow: AGENT_RUN_WORKFLOW,
    },
  };
}
