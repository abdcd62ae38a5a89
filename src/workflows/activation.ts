/**
 * One workflow task can reach a worker as one activation or as several: a worker that answered a
 * query for the run in between (the query applies the events that came before it) sees the model's
 * result first and an answer that came after it in a second activation, while a replay gets both
 * in one activation, signals and updates first. An answer applied at once would then meet a
 * question live and find none on replay (a nondeterminism error that leaves the run stuck).
 *
 * So answers wait until the activation they arrive in has settled, the way a separate activation
 * would have seen them: the SDK evaluates conditions only after the activation's jobs and the
 * microtasks they set off, and this condition is created from a microtask, after the jobs.
 */
import { condition } from '@temporalio/workflow';

export async function activationSettled(): Promise<void> {
  await Promise.resolve();
  let armed = false;
  // Created false (a condition that holds at once resolves without waiting for the evaluation).
  const settled = condition(() => armed);
  armed = true;
  await settled;
}
