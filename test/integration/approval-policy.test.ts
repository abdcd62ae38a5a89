/** The approval policy end to end: answers through the real update, signal and CLI; what the model sees at the fake Bedrock. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { digestOf } from '../../src/agent/binding.js';
import { after, before, test } from 'node:test';
import { respondSignal, statusQuery } from '../../src/workflows/messages.js';
import { signedBy } from '../support/approvers.js';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';
import { readLedger } from '../support/test-tools.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

const record = (label: string): ScriptedReply => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] });
const ran = (label: string) => readLedger(env.ledger).filter((entry) => entry.label === label).length;

async function startPolicy(...replies: ScriptedReply[]) {
  const model = env.model(...replies);
  const { workflowId } = await env.agents.start({ agent: 'test-policy', prompt: 'go', model });
  const status = await env.agents.wait(workflowId);
  return { model, workflowId, status, id: status.pending[0]?.id ?? '' };
}

test('a deny reason is in the next model request that reaches Bedrock', async () => {
  const { model, workflowId, id } = await startPolicy(record('deny-me'), { kind: 'text', text: 'understood' });
  await env.agents.respond(workflowId, { interruptId: id, response: 'n', respondedBy: 'ann', reason: 'the label is wrong' });
  await env.agents.result(workflowId);
  const last = env.requestsFor(model).at(-1)!.body.messages.at(-1).content[0].toolResult;
  assert.equal(last.status, 'error');
  assert.equal(last.content[0].text, 'The user (ann) denied this record_action call: the label is wrong. Do not request the same call again.');
  assert.equal(ran('deny-me'), 0);
});

test('edit-and-approve through the update: an invalid edit is refused and nothing runs; the valid edit runs', async () => {
  const { workflowId, id } = await startPolicy(record('proposed'), { kind: 'text', text: 'ok' });
  await assert.rejects(
    env.agents.respond(workflowId, { interruptId: id, response: { decision: 'edit', input: { nope: true } } }),
    /answer refused: the edited input does not fit record_action's schema: label: Invalid input: expected string, received undefined/,
  );
  assert.equal((await env.agents.status(workflowId)).status, 'waiting');
  await env.agents.respond(workflowId, { interruptId: id, response: { decision: 'edit', input: { label: 'effective' } }, respondedBy: 'eve' });
  const result = await env.agents.result(workflowId);
  assert.equal(ran('proposed'), 0);
  assert.equal(ran('effective'), 1);
  const edited = result.decisions.find((decision) => decision.kind === 'edited')!;
  assert.deepEqual(edited.detail, { by: 'eve', proposed: { label: 'proposed' }, effective: { label: 'effective' } });
});

test('quorum: a repeated approver is refused by the update and ignored on the signal path; a second approver runs the call', async () => {
  const { workflowId, id } = await startPolicy(record('quorum-x'), { kind: 'text', text: 'ok' });
  await assert.rejects(env.agents.respond(workflowId, { interruptId: id, response: 'y', respondedBy: 'alice' }), /counts only answers signed with an approver's key/);
  await env.agents.respond(workflowId, await env.signed('alice', workflowId, { interruptId: id, response: 'y' }));
  let status = await env.agents.wait(workflowId);
  while (status.pending[0]?.id === id) status = await env.agents.status(workflowId);
  const second = status.pending[0]!.id;
  await assert.rejects(env.agents.respond(workflowId, await env.signed('alice', workflowId, { interruptId: second, response: 'y' })), /alice has already approved/);
  const handle = env.client.workflow.getHandle(workflowId);
  await handle.signal(respondSignal, await env.signed('alice', workflowId, { interruptId: second, response: 'y' }));
  // A claimed name on the signal path is ignored too.
  await handle.signal(respondSignal, await env.bound(workflowId, { interruptId: second, response: 'y', respondedBy: 'bob' }));
  status = await handle.query(statusQuery);
  assert.match(status.ignored.at(-2)!.error, /alice has already approved/);
  assert.match(status.ignored.at(-1)!.error, /carries no proof/);
  assert.equal(ran('quorum-x'), 0);
  await env.agents.respond(workflowId, await env.signed('carol', workflowId, { interruptId: second, response: 'y' }));
  const result = await env.agents.result(workflowId);
  assert.equal(ran('quorum-x'), 1);
  assert.deepEqual(result.interrupts.map((answer) => [answer.respondedBy, answer.verified]), [['alice', true], ['carol', true]]);
});

test('the classifier asks the same model through Bedrock; a classifier error falls back to a person', async () => {
  const safe = await startPolicy(record('classify-ls'), { kind: 'text', text: '{"risky": false, "reason": "harmless"}' }, { kind: 'text', text: 'ok' });
  assert.equal(safe.status.status, 'completed');
  assert.equal(ran('classify-ls'), 1);
  assert.match(env.requestsFor(safe.model)[1]!.body.system[0].text, /assess the risk/);
  assert.equal(env.requestsFor(safe.model)[1]!.body.toolConfig, undefined, 'the classifier call offers no tools');

  const failing = await startPolicy(record('classify-fail'), { kind: 'error', type: 'AccessDeniedException', status: 403, message: 'no' }, { kind: 'text', text: 'ok' });
  assert.equal(failing.status.status, 'waiting');
  assert.match(JSON.stringify(failing.status.pending[0]!.reason), /classifier failed, asking a person/);
  await env.agents.respond(failing.workflowId, { interruptId: failing.id, response: 'n' });
  await env.agents.result(failing.workflowId);
  assert.equal(ran('classify-fail'), 0);
  assert.deepEqual(env.bedrock.violations, []);
});

test('after an edit, the question asked again shows and binds the call that will run (with the proposal beside it); an answer bound to the proposal is refused', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['notes1.txt'] } }] }, { kind: 'text', text: 'done' });
  const workspace = env.workspace({ 'notes1.txt': 'n' });
  mkdirSync(path.join(workspace, 'logs'));
  for (const name of ['x.log', 'y.log']) writeFileSync(path.join(workspace, 'logs', name), 'l');
  const { workflowId } = await env.agents.start({ agent: 'ops-files', prompt: 'Delete notes1.txt', model, workspace });
  const first = (await env.agents.wait(workflowId)).pending[0]!;
  const edited = { paths: ['logs/x.log', 'logs/y.log'] };
  await env.agents.respond(workflowId, await env.signed('alice', workflowId, { interruptId: first.id, response: { decision: 'edit', input: edited } }));
  let status = await env.agents.wait(workflowId);
  while (status.pending[0]?.id === first.id) status = await env.agents.status(workflowId);
  const second = status.pending[0]!;
  assert.deepEqual(second.toolInput, edited, 'the question shows the call that will run');
  assert.deepEqual(second.proposedInput, { paths: ['notes1.txt'] }, 'and what the model proposed');
  assert.equal(second.binding!.call, digestOf({ tool: 'delete_files', input: edited }));
  // Bob signs what an out-of-date view showed: the model's proposal.
  const stale = signedBy('bob', workflowId, { interruptId: second.id, response: 'y', binding: { ...second.binding!, call: first.binding!.call } });
  await assert.rejects(env.agents.respond(workflowId, stale), /the call changed since you saw it: it now runs delete_files \{"paths":\["logs\/x.log","logs\/y.log"\]\}/);
  await env.agents.respond(workflowId, await env.signed('bob', workflowId, { interruptId: second.id, response: 'y' }));
  await env.agents.result(workflowId);
  assert.deepEqual(readdirSync(path.join(workspace, 'logs')), []);
  assert.ok(existsSync(path.join(workspace, 'notes1.txt')), "the model's proposal did not run");
});
