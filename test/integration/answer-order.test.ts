/**
 * Whatever reaches a worker in one workflow task gives the same commands in any order. Here an
 * answer and the model result that raises its question arrive together: the worker that ran the
 * model call stops (draining it) before its result is processed, the answer is sent, and the next
 * worker gets both in one activation, where the SDK hands it the answer first. The answer is
 * applied (as a worker that saw the result first would), the call runs once, and the history
 * replays (the teardown replays every history this file made).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindingFor } from '../../src/agent/binding.js';
import { beforeToolCallInterruptId } from '../../src/agent/interrupts.js';
import { respondSignal, respondUpdate } from '../../src/workflows/messages.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
});
after(async () => {
  await env?.teardown();
});

/**
 * Starts a test-faults run whose model call takes a while, and stops the worker while it runs:
 * the call finishes during the drain, and its result waits for the next worker.
 */
async function resultWaitingForAWorker(label: string) {
  await env.stopWorkers();
  const worker = await env.startWorker({ tuning: { shutdownGraceTime: '30s', stickyQueueScheduleToStartTimeout: '1s' } });
  const toolUseId = `use-${label}`;
  const model = env.model(
    { kind: 'delay', ms: 1500, then: { kind: 'toolUse', uses: [{ name: 'apply_change', input: { label }, toolUseId }] } },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await env.agents.start({ agent: 'test-faults', prompt: label, model });
  while (env.requestsFor(model).length === 0) await sleep(20);
  await worker.stop();
  const { runId } = await env.client.workflow.getHandle(workflowId).describe();
  // The answer a person who saw the question would send (the question exists only once the result is processed).
  const interruptId = beforeToolCallInterruptId(toolUseId, 'approve');
  const binding = bindingFor(
    { namespace: 'default', workflowId, execution: runId },
    { id: interruptId, name: 'approve', reason: { label } },
    { tool: 'apply_change', input: { label } },
  );
  return { workflowId, answer: { interruptId, response: 'y', respondedBy: 'pat', binding } };
}

test('a signalled answer that arrives with the model result raising its question is applied, and the call runs once', async () => {
  const { workflowId, answer } = await resultWaitingForAWorker('together-signal');
  await env.client.workflow.getHandle(workflowId).signal(respondSignal, answer);
  await env.startWorker();
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'completed', `the run stopped ${status.status}: ${JSON.stringify(status.ignored)}`);
  assert.deepEqual(status.answered.map((answered) => [answered.interruptId, answered.respondedBy]), [[answer.interruptId, 'pat']]);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'together-signal' && entry.event === 'applied').length, 1);
});

test('an update answering a question that is not asked yet is refused, and the run asks it', async () => {
  const { workflowId, answer } = await resultWaitingForAWorker('together-update');
  const handle = env.client.workflow.getHandle(workflowId);
  // The validator runs before the result is processed: the question does not exist yet.
  const refused = handle.executeUpdate(respondUpdate, { args: [answer] }).then(
    () => 'accepted',
    (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
  );
  await sleep(200);
  await env.startWorker();
  assert.match(await refused, /not waiting for any answer|unknown interrupt id/);
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'waiting');
  await env.agents.respond(workflowId, { interruptId: answer.interruptId, response: 'y' });
  await env.agents.result(workflowId);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'together-update' && entry.event === 'applied').length, 1);
});
