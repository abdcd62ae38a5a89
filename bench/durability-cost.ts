/**
 * 2. Cost of durability at realistic latency: model calls take 300 ms and tools 20 ms (sleeps
 * inside the provider and the tool). The durable run against the same agent core in plain Node
 * (LocalAgentRunner: the same AgentLoop, hooks and tools, direct calls instead of activities).
 */
import { LocalAgentRunner } from '../src/sdk/local-runner.js';
import { benchAgent } from './agents.js';
import { costRow, log, median, timed, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import { InstantModel } from './model.js';
import { runAgent, runFloor, type Queues } from './per-step.js';
import { INSTANT_MODEL, promptFor, type StepSpec } from './protocol.js';
import { benchTools } from './tools.js';

export async function runLocal(spec: StepSpec): Promise<number> {
  const { ms } = await timed(async () => {
    const runner = new LocalAgentRunner(benchAgent, new InstantModel(), benchTools, {
      prompt: promptFor(spec),
      model: INSTANT_MODEL,
      runId: workflowId('local'),
    });
    const result = await runner.run();
    if (result.modelCalls !== spec.steps + 1) throw new Error(`local run made ${result.modelCalls} model calls`);
  });
  return ms;
}

export async function durabilityCostBench(
  env: BenchEnv,
  queues: Queues,
  options: { steps: number; modelMs: number; toolMs: number; repeats: number },
): Promise<BenchResult> {
  const spec: StepSpec = { steps: options.steps, modelMs: options.modelMs, toolMs: options.toolMs };
  const durable: number[] = [];
  const local: number[] = [];
  const floor: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const order = repeat % 2 === 0 ? ['durable', 'local', 'floor'] : ['local', 'floor', 'durable'];
    for (const side of order) {
      if (side === 'durable') durable.push((await runAgent(env, queues, spec, 'durability')).ms);
      else if (side === 'local') local.push(await runLocal(spec));
      else floor.push((await runFloor(env, queues, spec, 'durability-floor')).ms);
    }
    log(`durability: repeat ${repeat + 1}/${options.repeats}: durable ${durable.at(-1)!.toFixed(0)} ms, plain Node ${local.at(-1)!.toFixed(0)} ms, bare workflow ${floor.at(-1)!.toFixed(0)} ms`);
  }
  const simulated = options.steps * (options.modelMs + options.toolMs) + options.modelMs;
  return {
    id: 'durability',
    title: `Cost of durability (${options.steps} steps, model ${options.modelMs} ms, tool ${options.toolMs} ms; floor = same loop in plain Node)`,
    rows: [
      costRow('whole run vs plain Node', 'ms', median(durable), median(local), { of: 'ratio', max: 1.05 }),
      costRow('whole run vs bare workflow, same sleeps', 'ms', median(durable), median(floor)),
    ],
    details: {
      ...options,
      simulatedLatencyMs: simulated,
      addedPerStepMs: (median(durable) - median(local)) / options.steps,
      durableRunMs: durable,
      plainNodeRunMs: local,
      bareWorkflowRunMs: floor,
      bareWorkflowVsPlainNode: median(floor) / median(local),
    },
  };
}
