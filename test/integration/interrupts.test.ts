/** The interrupt contract end to end on a real dev server, through the real Bedrock client. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { respondSignal, respondUpdate, statusQuery } from '../../src/workflows/messages.js';
import type { ModelChoice } from '../../src/agent/types.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

const start = (agent: string, model: ModelChoice, extra: { workspace?: string } = {}) =>
  env.agents.start({ agent, prompt: 'go', model, ...extra });
/** The tool results the model received in its last request, as "status: text". */
const lastToolResultText = (model: ModelChoice) => {
  const request = env.requestsFor(model).at(-1)!;
  return request.body.messages.at(-1).content.map((block: { toolResult: { status: string; content: Array<{ text: string }> } }) =>
    `${block.toolResult.status}: ${block.toolResult.content[0]!.text}`,
  );
};

test('smart-delete: the tool asks for 3+ files; "y" deletes them', async () => {
  const files = { 'a.txt': '1', 'b.txt': '2', 'c.txt': '3' };
  const workspace = env.workspace(files);
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'smart_delete', input: { paths: Object.keys(files) } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await start('smart-delete', model, { workspace });
  const waiting = await env.agents.wait(workflowId);
  const [interrupt] = waiting.pending;
  assert.equal(interrupt!.source, 'tool');
  assert.match(interrupt!.id, /^tool:tooluse_\d+:smartfile-bulk-approval$/);
  assert.deepEqual(interrupt!.reason, { paths: ['a.txt', 'b.txt', 'c.txt'], count: 3, message: 'You are about to delete 3 files' });
  await env.agents.respond(workflowId, { interruptId: interrupt!.id, response: 'y' });
  await env.agents.result(workflowId);
  assert.deepEqual(lastToolResultText(model), ['success: Successfully deleted files: a.txt, b.txt, c.txt']);
  for (const name of Object.keys(files)) assert.ok(!existsSync(path.join(workspace, name)));
});

test('smart-delete: a refusal keeps the files and says how many were not deleted', async () => {
  const files = { 'a.txt': '1', 'b.txt': '2', 'c.txt': '3', 'd.txt': '4' };
  const workspace = env.workspace(files);
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'smart_delete', input: { paths: Object.keys(files) } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await start('smart-delete', model, { workspace });
  const waiting = await env.agents.wait(workflowId);
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'n' });
  await env.agents.result(workflowId);
  assert.deepEqual(lastToolResultText(model), ['success: Bulk delete cancelled by user. 4 files were NOT deleted.']);
  for (const name of Object.keys(files)) assert.ok(existsSync(path.join(workspace, name)));
});

test('smart-delete: paths outside the workspace are refused and nothing is deleted', async () => {
  const workspace = env.workspace({ 'in.txt': 'x' });
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'smart_delete', input: { paths: ['in.txt', '../outside.txt'] } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await start('smart-delete', model, { workspace });
  await env.agents.result(workflowId);
  const [text] = lastToolResultText(model);
  assert.match(text!, /^error: Tool "smart_delete" failed: refused: \.\.\/outside\.txt is outside the workspace/);
  assert.ok(existsSync(path.join(workspace, 'in.txt')));
});

test('two parallel tools both interrupt; each keeps its own answers and the run waits for both', async () => {
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'ask_twice', input: { label: 'L' } }, { name: 'ask_twice', input: { label: 'R' } }, { name: 'explode', input: { label: 'sibling' } }] },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await start('test-tools', model);
  let status = await env.untilPending(workflowId, 2);
  assert.equal(status.pending.length, 2);
  const [left, right] = [...status.pending].sort((a, b) => (a.reason as { label: string }).label.localeCompare((b.reason as { label: string }).label));
  await env.agents.respond(workflowId, [{ interruptId: left!.id, response: 'L1' }, { interruptId: right!.id, response: 'R1' }]);
  status = await env.untilPending(workflowId, 2);
  assert.deepEqual(status.pending.map((i) => i.name), ['second', 'second']);
  for (const interrupt of status.pending) {
    const label = (interrupt.reason as { label: string }).label;
    await env.agents.respond(workflowId, { interruptId: interrupt.id, response: `${label}2` });
  }
  await env.agents.result(workflowId);
  const answers = readLedger(env.ledger).filter((e) => e.tool === 'ask_twice').map((e) => [e.label, e.answers]);
  assert.deepEqual(answers.sort(), [['L', ['L1', 'L2']], ['R', ['R1', 'R2']]]);
  assert.equal(env.requestsFor(model).length, 2, 'one model call before, one after the whole batch');
  const results = lastToolResultText(model);
  assert.equal(results.length, 3);
  assert.ok(results.includes('error: Tool "explode" failed: boom sibling'), 'the sibling kept its result');
  assert.deepEqual(env.bedrock.violations, []);
});

test('answers: unknown id, duplicate, missing response are refused by the update; the signal records and ignores them', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'dup' } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await start('test-guarded', model);
  const waiting = await env.agents.wait(workflowId);
  const { id, binding } = waiting.pending[0]!;
  const handle = env.client.workflow.getHandle(workflowId);
  await assert.rejects(env.agents.respond(workflowId, { interruptId: 'hook:nope', response: 'y' }), /answer refused: unknown interrupt id "hook:nope"; pending: /);
  const refusal = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: Error) => String((error.cause as Error | undefined)?.message));
  assert.match(await refusal(handle.executeUpdate(respondUpdate, { args: [{ interruptId: id } as never] })), /response for .* is missing/);
  assert.match(
    await refusal(handle.executeUpdate(respondUpdate, { args: [[{ interruptId: id, response: 'y', binding }, { interruptId: id, response: 'n', binding }]] })),
    /answered twice in one update/,
  );
  await handle.signal(respondSignal, { interruptId: 'hook:ghost', response: 'y' });
  await handle.signal(respondSignal, { interruptId: id, response: 'y', respondedBy: 'first', binding });
  await handle.signal(respondSignal, { interruptId: id, response: 'n', respondedBy: 'second', binding });
  await env.agents.result(workflowId);
  const status = await handle.query(statusQuery);
  assert.deepEqual(status.answered.map((a) => [a.response, a.respondedBy]), [['y', 'first']], 'the first answer wins');
  assert.deepEqual(status.ignored.map((i) => i.interruptId), ['hook:ghost', id]);
  assert.match(status.ignored[1]!.error, /already answered by first/);
  assert.equal(readLedger(env.ledger).filter((e) => e.label === 'dup').length, 1);
  await assert.rejects(env.agents.respond(workflowId, { interruptId: id, response: 'y' }), /has ended \(completed\); it takes no more answers/);
});

test('a hook that reuses an interrupt name fails the run cleanly with a readable reason', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'x' } }] });
  const { workflowId } = await start('test-bad-hook', model);
  const error = await env.client.workflow.getHandle(workflowId).result().catch((e: unknown) => e);
  assert.ok(error instanceof WorkflowFailedError);
  assert.match(String(error.cause?.message), /interrupt name "same" is used more than once/);
  const status = await env.agents.status(workflowId);
  assert.equal(status.status, 'failed');
});

test('an unknown agent is refused at the start, naming the known agents', async () => {
  await assert.rejects(start('no-such-agent', env.model()), /run refused: unknown agent "no-such-agent" on task queue "test-[^"]+"; the worker polling it has: file-approval, smart-delete.*name it: --task-queue/);
});

test('cancelling a waiting run ends it cleanly as cancelled', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'cancel-me' } }] });
  const { workflowId } = await start('test-guarded', model);
  await env.agents.wait(workflowId);
  await env.agents.cancel(workflowId);
  // Until the run has taken the cancellation it still waits: wait for its end, then ask.
  await assert.rejects(env.agents.result(workflowId), /cancel/i);
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'cancelled');
  assert.equal(readLedger(env.ledger).filter((e) => e.label === 'cancel-me').length, 0);
  await assert.rejects(env.agents.respond(workflowId, { interruptId: 'x', response: 'y' }), /has ended \(cancelled\)/);
});

test('a tool that throws and a tool input that fails its schema become error results; the run goes on', async () => {
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'explode', input: { label: 'bang' } }, { name: 'record_action', input: { label: 7 } }] },
    { kind: 'text', text: 'recovered' },
  );
  const { workflowId } = await start('test-tools', model);
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'recovered');
  const [thrown, invalid] = lastToolResultText(model);
  assert.equal(thrown, 'error: Tool "explode" failed: boom bang');
  assert.match(invalid!, /^error: Invalid input for tool "record_action": label: Invalid input: expected string, received number$/);
  assert.equal(readLedger(env.ledger).filter((e) => e.label === (7 as never)).length, 0, 'the invalid call never ran');
  assert.deepEqual(env.bedrock.violations, []);
});
