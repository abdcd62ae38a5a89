/**
 * Approval deadlines on the time-skipping test server: a day passes in milliseconds, durably.
 * Answers go through the respond signal here (the Java test server's update support is partial).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findTestServer } from '../../src/temporal/binaries.js';
import { respondSignal, statusQuery } from '../../src/workflows/messages.js';
import { signedBy } from '../support/approvers.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';

const available = Boolean(findTestServer()) || Boolean(process.env.CI);
let env: TestEnv;
before(async () => {
  if (!available) return;
  env = await TestEnv.startTimeSkipping();
  await env.startWorker();
});
after(async () => env?.teardown());

const ran = (label: string) => readLedger(env.ledger).filter((entry) => entry.label === label).length;

test('no answer within 24h: the call is denied with a reason the model reads', { skip: !available && 'no temporal-test-server' }, async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'late-1' } }] }, { kind: 'text', text: 'noted' });
  const { workflowId } = await env.agents.start({ agent: 'test-policy', prompt: 'go', model });
  const result = await env.agents.result(workflowId); // time skips while we wait
  assert.equal(result.text, 'noted');
  assert.equal(ran('late-1'), 0);
  const [answer] = result.interrupts;
  assert.equal(answer!.respondedBy, 'deadline');
  assert.equal(answer!.reason, 'no answer within 24h');
  assert.ok(Date.parse(answer!.answeredAt) - Date.parse(answer!.interrupt.raisedAt) >= 24 * 3_600_000, 'a day passed in workflow time');
  assert.equal(answer!.interrupt.deadline, new Date(Date.parse(answer!.interrupt.raisedAt) + 24 * 3_600_000).toISOString());
  const seen = env.requestsFor(model).at(-1)!.body.messages.at(-1).content[0].toolResult.content[0].text;
  assert.equal(seen, 'The user (deadline) denied this record_action call: nobody answered in time. Do not request the same call again.');
});

test('no answer within 24h escalates to the managers, who may answer where the first approver may not', { skip: !available && 'no temporal-test-server' }, async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'escalate-1' } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await env.agents.start({ agent: 'test-policy', prompt: 'go', model });
  const handle = env.client.workflow.getHandle(workflowId);
  let status = await env.agents.wait(workflowId);
  assert.deepEqual(status.pending[0]!.allowedResponders, ['alice']);
  await env.temporal.sleep('25 hours');
  status = await handle.query(statusQuery);
  assert.equal(status.pending[0]!.name, 'approval-escalated');
  assert.deepEqual(status.pending[0]!.allowedResponders, ['dana']);
  assert.deepEqual(status.decisions.map((d) => d.kind), ['escalated']);
  // Signed at the server's (skipped) time: a proof is only good close to the run's clock.
  const now = new Date(await env.temporal.currentTimeMs());
  await handle.signal(respondSignal, await env.signed('alice', workflowId, { interruptId: status.pending[0]!.id, response: 'y' }, now));
  status = await handle.query(statusQuery);
  assert.match(status.ignored.at(-1)!.error, /this answer's responder is not one of them/);
  await handle.signal(respondSignal, await env.signed('dana', workflowId, { interruptId: status.pending[0]!.id, response: 'y' }, now));
  const result = await env.agents.result(workflowId);
  assert.equal(ran('escalate-1'), 1);
  assert.deepEqual(result.interrupts.map((a) => [a.interrupt.name, a.respondedBy]), [['approval', 'deadline'], ['approval-escalated', 'dana']]);
});
