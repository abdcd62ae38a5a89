/**
 * History per step: the model activity gets only what changed since the run's last model call:
 * new messages, and the system prompt and tool specs when they changed (the worker caches the
 * rest; on a miss it asks the run), so each step adds about the same bytes. A run's patches add
 * two events each, so new runs record one, the baseline, for all the patches it folds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PATCH_BASELINE } from '../../src/agent/patches.js';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

/** Each model call's input in the run's history, in order, as the JSON the history holds. */
async function modelInputs(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'invokeModelDelta') return [];
    return [(scheduled.input?.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString()).join('')];
  });
}

/** What Bedrock saw of each call's setup: the system prompt and the tool names. */
function setupsSeen(model: Parameters<TestEnv['requestsFor']>[0]) {
  return env.requestsFor(model).map(({ body }) => ({
    system: body.system.map((block: { text: string }) => block.text).join(''),
    tools: (body.toolConfig?.tools ?? []).map((tool: { toolSpec: { name: string } }) => tool.toolSpec.name),
  }));
}

test('model call inputs stay the same size as the conversation grows; the provider still sees it all', async () => {
  const STEPS = 30;
  const steps: ScriptedReply[] = Array.from({ length: STEPS }, (_, i) => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: `grow-${i}` } }] }));
  const model = env.model(...steps, { kind: 'text', text: 'done' });
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'grow', model, maxModelCalls: STEPS + 1 });
  assert.equal((await env.agents.result(workflowId)).text, 'done');
  const inputs = await modelInputs(workflowId);
  assert.equal(inputs.length, STEPS + 1);
  // The first call carries the prompt and the setup; each later one the last turn and its results: flat, not growing.
  const early = inputs[2]!.length;
  const late = inputs.at(-1)!.length;
  assert.ok(late < early * 1.5, `input of the last call ${late} bytes vs ${early} early on`);
  assert.deepEqual(
    inputs.map((input) => input.includes('"tools"')),
    inputs.map((_, index) => index === 0),
    'the tool specs are in the history once',
  );
  const requests = env.requestsFor(model);
  assert.equal(requests.at(-1)!.body.messages.length, 1 + 2 * STEPS, 'Bedrock got the whole conversation');
  const setups = setupsSeen(model);
  assert.deepEqual(new Set(setups.map((setup) => JSON.stringify(setup))).size, 1, 'and the same setup every time');
  assert.deepEqual(setups[0]!.tools, ['record_action', 'ask_twice', 'explode', 'duplicate_ask', 'big_output']);
  assert.deepEqual(env.bedrock.violations, []);
});

test('a setup changed by a hook reaches the model, and is sent again only when it changes', async () => {
  const steps: ScriptedReply[] = Array.from({ length: 6 }, (_, i) => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: `setup-${i}` } }] }));
  const model = env.model(...steps, { kind: 'text', text: 'done' });
  const { workflowId } = await env.agents.start({ agent: 'test-changing-setup', prompt: 'change', model });
  assert.equal((await env.agents.result(workflowId)).text, 'done');
  const both = ['record_action', 'ask_twice'];
  assert.deepEqual(setupsSeen(model), [
    { system: 'test', tools: both },
    { system: 'test', tools: both },
    { system: 'narrowed', tools: both },
    { system: 'narrowed', tools: both },
    { system: 'narrowed', tools: ['record_action'] },
    { system: 'narrowed', tools: ['record_action'] },
    { system: 'narrowed', tools: ['record_action'] },
  ]);
  const sent = (await modelInputs(workflowId)).map((input) => input.includes('"tools"'));
  assert.deepEqual(sent, [true, false, true, false, true, false, false]);
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
  const setups = setupsSeen(model);
  assert.deepEqual(setups.at(-1), setups[0], 'and the setup it asked the run for');
  assert.equal((await modelInputs(workflowId)).at(-1)!.includes('"tools"'), false, 'which the last call did not carry');
});

test('a new run records one patch marker, the baseline, and still has every behaviour it folds', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['a.txt'] } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete a.txt', model, workspace: env.workspace({ 'a.txt': 'a' }) });
  const waiting = await env.agents.wait(workflowId);
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y', respondedBy: 'tester' });
  assert.equal((await env.agents.result(workflowId)).stopReason, 'end_turn');
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!;
  const patches = events.flatMap((event) => {
    const payload = event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
    return payload ? [(JSON.parse(Buffer.from(payload.data ?? []).toString()) as { id: string }).id] : [];
  });
  assert.deepEqual(patches, [PATCH_BASELINE.id]);
  const activities = events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
  // Folded behaviours are on: model calls carry deltas, people are told the run waits.
  assert.ok(activities.includes('invokeModelDelta') && !activities.includes('invokeModel'), activities.join(', '));
  assert.ok(activities.includes('notify'), activities.join(', '));
});
