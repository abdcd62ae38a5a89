/**
 * The floor's workflow bundle entry: bare workflows that do the same activities in the same
 * pattern as the agent runs and nothing else (no hooks, no conversation, no search attributes, no
 * status, no zod). A bundle of its own, so that the floor worker carries none of our code.
 */
import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { WorkflowStream } from '@temporalio/workflow-streams/workflow';
import type { createFloorActivities } from './activities.js';
import {
  FLOOR_STREAM_TOPIC,
  floorHoldUpdate,
  floorReleaseSignal,
  floorApproveSignal,
  floorApproveUpdate,
  floorWaitingQuery,
  toolKey,
  type FloorApprovalsInput,
  type FloorStreamEvent,
  type FloorStreamInput,
  type FloorStepsInput,
} from './protocol.js';

const { floorModel, floorModelHttp, floorTool, floorStreamModel } = proxyActivities<ReturnType<typeof createFloorActivities>>({
  startToCloseTimeout: '2 minutes',
});

/** `steps` times: a model-like activity, then a tool-like activity; then a last model-like activity (the agent's final turn). */
export async function floorSteps(input: FloorStepsInput): Promise<number> {
  const { workflowId } = workflowInfo();
  const spec = { steps: input.steps, modelMs: input.modelMs ?? 0, toolMs: input.toolMs ?? 0 };
  const model = (step: number) => (input.http ? floorModelHttp({ spec, step }) : floorModel({ step, sleepMs: spec.modelMs }));
  for (let step = 1; step <= input.steps; step++) {
    await model(step);
    await floorTool({ key: toolKey(workflowId, step), sleepMs: spec.toolMs });
  }
  await model(input.steps + 1);
  return input.steps;
}

/** Like floorSteps, but each tool-like activity waits for an approval (signal or update) first. */
export async function floorApprovals(input: FloorApprovalsInput): Promise<number> {
  const { workflowId } = workflowInfo();
  let approved = 0;
  let waitingFor = 0;
  setHandler(floorApproveSignal, () => void (approved += 1));
  setHandler(floorApproveUpdate, () => (approved += 1));
  setHandler(floorWaitingQuery, () => waitingFor);
  for (let step = 1; step <= input.steps; step++) {
    await floorModel({ step, sleepMs: 0 });
    waitingFor = step;
    await condition(() => approved >= step);
    waitingFor = 0;
    await floorTool({ key: toolKey(workflowId, step), sleepMs: 0 });
  }
  await floorModel({ step: input.steps + 1, sleepMs: 0 });
  return input.steps;
}

/** Does nothing until released; its update is held meanwhile (at most `timeoutMs`): the floor of a held `wait`. */
export async function floorHold(): Promise<number> {
  let released = false;
  let held = 0;
  setHandler(floorReleaseSignal, () => void (released = true));
  setHandler(floorHoldUpdate, async ({ timeoutMs }) => {
    held += 1;
    await condition(() => released, timeoutMs);
    return held;
  });
  await condition(() => released && allHandlersFinished());
  return held;
}

/**
 * Hosts a stream (the SDK's WorkflowStream, as it comes) and calls one model-like activity that
 * publishes the answer's text there as it streams; then `finish`. Returns the answer's length.
 */
export async function floorStream(input: FloorStreamInput): Promise<number> {
  const stream = new WorkflowStream();
  const text = await floorStreamModel(input);
  stream.topic<FloorStreamEvent>(FLOOR_STREAM_TOPIC).publish({ type: 'finish' });
  // A held poll returns with `finish`; a watcher that asks after the run closed finds it closed.
  await condition(allHandlersFinished);
  return text.length;
}
