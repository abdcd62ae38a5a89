/**
 * History per step: the model activity gets only what changed since the run's last model call
 * (the worker caches the rest; on a miss it asks the run), so each step adds about the same bytes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

/** Bytes of each model call's input in the run's history, in order. */
async function modelInputSizes(workflowId: string): Promise<number[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'invokeModel') return [];
    return [(scheduled.input?.payloads ?? []).reduce((sum, payload) => sum + (payload.data?.length ?? 0), 0)];
  });
}

test('model call inputs stay the same size as the conversation grows; the provider still sees it all', async () => {
  const STEPS = 30;
  const steps: ScriptedReply[] = Array.from({ length: STEPS }, (_, i) => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: `grow-${i}` } }] }));
  const model = env.model(...steps, { kind: 'text', text: 'done' });
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'grow', model, maxModelCalls: STEPS + 1 });
  assert.equal((await env.agents.result(workflowId)).text, 'done');
  const sizes = await modelInputSizes(workflowId);
  assert.equal(sizes.length, STEPS + 1);
  // The first call carries the prompt; each later one the last turn and its results: flat, not growing.
  const early = sizes[2]!;
  const late = sizes.at(-1)!;
  assert.ok(late < early * 1.5, `input of the last call ${late} bytes vs ${early} early on`);
  const requests = env.requestsFor(model);
  assert.equal(requests.at(-1)!.body.messages.length, 1 + 2 * STEPS, 'Bedrock got the whole conversation');
  assert.deepEqual(env.bedrock.violations, []);
});

test('a worker that has not seen the conversation asks the run for it', async () => {
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'before-restart' } }] },
    { kind: 'toolUse', uses: [{ name: 'ask_twice', input: { label: 'waits' } }] },
    { kind: 'text', text: 'after restart' },
  );
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'restart me', model });
  let status = await env.untilPending(workflowId, 1);
  await env.restartWorkers();
  await env.agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'a' });
  for (status = await env.agents.status(workflowId); status.pending[0]?.name !== 'second'; status = await env.agents.status(workflowId));
  await env.agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'b' });
  assert.equal((await env.agents.result(workflowId)).text, 'after restart');
  const last = env.requestsFor(model).at(-1)!;
  assert.equal(last.body.messages.length, 5, 'the new worker sent the whole conversation');
  assert.match(JSON.stringify(last.body.messages[0]), /restart me/);
});
