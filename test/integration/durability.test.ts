/**
 * Durability: answers that arrive while no worker runs, a new worker that picks the run up, and
 * exactly-once side effects (an approved call runs once, a denied call never) across restarts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { respondSignal } from '../../src/workflows/messages.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
});
after(async () => env?.teardown());

const executions = (label: string) => readLedger(env.ledger).filter((entry) => entry.label === label);

test('an answer sent while the worker is down is applied by a new worker; the tool runs exactly once', async () => {
  const first = await env.startWorker();
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'restart-approved' } }] },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: 'go', model });
  const waiting = await env.agents.wait(workflowId);
  const interrupt = waiting.pending[0]!;
  await first.stop();

  // No worker: the signal is stored by the server and waits for whoever runs the workflow next.
  await env.client.workflow.getHandle(workflowId).signal(respondSignal, { interruptId: interrupt.id, response: 'y', respondedBy: 'night-shift', binding: interrupt.binding });
  const second = await env.startWorker();
  const result = await env.agents.result(workflowId);
  await second.stop();

  assert.equal(result.text, 'done');
  const runs = executions('restart-approved');
  assert.equal(runs.length, 1, 'approved side effect applied exactly once');
  assert.equal(runs[0]!.idempotencyKey, `${workflowId}:${interrupt.toolUseId}`);
  assert.equal(result.state[`hookEntered:${interrupt.toolUseId}`], 1, 'the hook body before interrupt() ran once');
  assert.equal(result.interrupts[0]!.respondedBy, 'night-shift');
});

test('parallel approve and deny across two worker restarts: approved once, denied never', async () => {
  let worker = await env.startWorker();
  const model = env.model(
    {
      kind: 'toolUse',
      uses: [
        { name: 'record_action', input: { label: 'yes-once' } },
        { name: 'record_action', input: { label: 'never' } },
      ],
    },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: 'go', model });
  let status = await env.untilPending(workflowId, 2);
  const byLabel = (label: string) => status.pending.find((i) => (i.reason as { label: string }).label === label)!;
  const approve = byLabel('yes-once');
  const deny = byLabel('never');

  await env.agents.respond(workflowId, { interruptId: approve.id, response: 'y' });
  await worker.stop();
  worker = await env.startWorker();
  status = await env.agents.status(workflowId);
  assert.equal(status.status, 'waiting', 'still waiting for the second answer after a restart');
  assert.deepEqual(status.pending.map((i) => i.id), [deny.id]);
  await env.agents.respond(workflowId, { interruptId: deny.id, response: 'n', reason: 'too risky' });
  await worker.stop();
  worker = await env.startWorker();
  const result = await env.agents.result(workflowId);
  await worker.stop();

  assert.equal(executions('yes-once').length, 1);
  assert.equal(executions('never').length, 0);
  assert.deepEqual(
    result.interrupts.map((a) => [a.interrupt.id, a.response, a.reason ?? null]),
    [
      [approve.id, 'y', null],
      [deny.id, 'n', 'too risky'],
    ],
  );
  assert.deepEqual(env.bedrock.violations, []);
});
