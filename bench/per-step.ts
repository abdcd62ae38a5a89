/**
 * 1. Per-step overhead: an N-step run (model turn asking for one tool, then the tool), against a
 * bare workflow doing the same activities in the same pattern. Two variants: the instant model
 * (in the worker), and a fake model over HTTP on both sides (our Bedrock provider and the floor's
 * bare Converse call, to the same fake Bedrock). Repeated, ours and the floor alternating, medians.
 */
import { AGENT_RUN_WORKFLOW } from '../src/workflows/messages.js';
import { costRow, log, median, timed, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import type { ModelChoice } from '../src/agent/types.js';
import { BENCH_AGENT, FLOOR_STEPS_WORKFLOW, HTTP_MODEL, INSTANT_MODEL, promptFor, type FloorStepsInput, type StepSpec } from './protocol.js';

export interface Queues {
  agent: string;
  floor: string;
}

/** One durable agent run from start to result, with the product's client. */
export async function runAgent(env: BenchEnv, queues: Queues, spec: StepSpec, label = 'agent', model: ModelChoice = INSTANT_MODEL): Promise<{ ms: number; workflowId: string }> {
  const agents = env.agents(queues.agent);
  const { ms, value } = await timed(async () => {
    const { workflowId: id } = await agents.start({
      agent: BENCH_AGENT,
      prompt: promptFor(spec),
      model,
      workflowId: workflowId(label),
    });
    const result = await env.client.workflow.getHandle(id).result();
    if (result.modelCalls !== spec.steps + 1) throw new Error(`run ${id} made ${result.modelCalls} model calls, expected ${spec.steps + 1}`);
    return id;
  });
  return { ms, workflowId: value };
}

/** One floor workflow (same activities, same pattern) from start to result. */
export async function runFloor(env: BenchEnv, queues: Queues, spec: StepSpec, label = 'floor', http = false): Promise<{ ms: number; workflowId: string }> {
  const input: FloorStepsInput = { steps: spec.steps, modelMs: spec.modelMs, toolMs: spec.toolMs, http };
  const { ms, value } = await timed(async () => {
    const handle = await env.client.workflow.start(FLOOR_STEPS_WORKFLOW, { taskQueue: queues.floor, workflowId: workflowId(label), args: [input] });
    await handle.result();
    return handle.workflowId;
  });
  return { ms, workflowId: value };
}

const VARIANTS = {
  instant: { id: 'perStep', model: INSTANT_MODEL, http: false, target: 1.1, what: 'instant model' },
  http: { id: 'perStepHttp', model: HTTP_MODEL, http: true, target: 1.2, what: 'fake Bedrock over HTTP on both sides' },
} as const;

export async function perStepBench(env: BenchEnv, queues: Queues, options: { steps: number; repeats: number }, variant: keyof typeof VARIANTS): Promise<BenchResult> {
  const { id, model, http, target, what } = VARIANTS[variant];
  const spec: StepSpec = { steps: options.steps, modelMs: 0, toolMs: 0 };
  const ours: number[] = [];
  const floor: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    // Alternate who goes first, so that drift (JIT, server caches, GC) does not favour one side.
    const order = repeat % 2 === 0 ? ['ours', 'floor'] : ['floor', 'ours'];
    for (const side of order) {
      if (side === 'ours') ours.push((await runAgent(env, queues, spec, id, model)).ms);
      else floor.push((await runFloor(env, queues, spec, `${id}-floor`, http)).ms);
    }
    log(`${id}: repeat ${repeat + 1}/${options.repeats}: ours ${ours.at(-1)!.toFixed(0)} ms, floor ${floor.at(-1)!.toFixed(0)} ms`);
  }
  const oursPerStep = median(ours) / options.steps;
  const floorPerStep = median(floor) / options.steps;
  return {
    id,
    title: `Per-step overhead (${options.steps}-step run, ${what}, median of ${options.repeats})`,
    rows: [costRow('time per step', 'ms', oursPerStep, floorPerStep, { of: 'ratio', max: target }), costRow('whole run', 'ms', median(ours), median(floor))],
    details: {
      steps: options.steps,
      repeats: options.repeats,
      activitiesPerRun: 2 * options.steps + 1,
      oursRunMs: ours,
      floorRunMs: floor,
      workflow: AGENT_RUN_WORKFLOW,
      model,
    },
  };
}
