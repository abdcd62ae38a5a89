/**
 * `AgentClient.wait` long-polls the run's `wait` update on a real dev server: one update held while
 * the run works (no polling), the waiting status as soon as an answer lets the run stop again, the
 * close status when the run ends or is terminated meanwhile, and 200 waits at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ModelChoice } from '../../src/agent/types.js';
import { TestEnv } from '../support/env.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

const askTwice = (label: string) => ({ kind: 'toolUse' as const, uses: [{ name: 'ask_twice', input: { label } }] });
const start = (model: ModelChoice) => env.agents.start({ agent: 'test-tools', prompt: 'go', model });

/** How many `wait` updates the run's history holds: one per long-poll the server accepted. */
async function waitUpdatesIn(workflowId: string): Promise<number> {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'wait').length;
}

/** Answers the one pending question by name (`first`, then `second` of ask_twice). */
async function answerPending(workflowId: string, name: string): Promise<void> {
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'waiting');
  assert.deepEqual(status.pending.map((interrupt) => interrupt.name), [name]);
  await env.agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: `${name}-answer` });
}

test('wait: one update is held while the run works, and returns as soon as an answer lets the run stop again', async () => {
  const model = env.model(askTwice('A'), { kind: 'delay', ms: 1500, then: askTwice('B') }, { kind: 'delay', ms: 1000, then: { kind: 'text', text: 'done' } });
  const { workflowId } = await start(model);
  await answerPending(workflowId, 'first');
  await answerPending(workflowId, 'second');

  // The model's next turn takes 1.5 s; the wait is held until the run asks again.
  const again = await env.agents.wait(workflowId);
  assert.equal(again.status, 'waiting');
  assert.deepEqual(again.pending.map((interrupt) => [interrupt.name, (interrupt.reason as { label: string }).label]), [['first', 'B']]);
  assert.equal(await waitUpdatesIn(workflowId), 3, 'each wait() sent one update, polling nothing');

  await env.agents.respond(workflowId, { interruptId: again.pending[0]!.id, response: 'y' });
  await answerPending(workflowId, 'second');
  // The run ends while this wait is held (the last model turn takes 1 s): the close status, as status() gives it.
  const ended = await env.agents.wait(workflowId);
  assert.equal(ended.status, 'completed');
  assert.deepEqual(ended.pending, []);
  assert.deepEqual(ended.lastMessage?.content, [{ text: 'done' }]);
  assert.deepEqual(ended, await env.agents.status(workflowId));
  assert.equal(await waitUpdatesIn(workflowId), 5, 'five wait() calls, five updates');
});

test('wait: a run terminated while a wait is held gives its close status', async () => {
  const model = env.model({ kind: 'delay', ms: 5000, then: { kind: 'text', text: 'too late' } });
  const { workflowId } = await start(model);
  const waiting = env.agents.wait(workflowId);
  // Let the update reach the run first (if it did not, wait() still reads the close status).
  await new Promise((resolve) => setTimeout(resolve, 500));
  await env.client.workflow.getHandle(workflowId).terminate('stopped by the test');
  const status = await waiting;
  assert.equal(status.status, 'failed');
  assert.deepEqual(status.pending, []);
  assert.match(status.error ?? '', /terminated: stopped by the test/);
});

test('wait: timeoutMs returns the current status, running, when the run does not stop in time; then the final one', async () => {
  const model = env.model({ kind: 'delay', ms: 3000, then: { kind: 'text', text: 'slow' } });
  const { workflowId } = await start(model);
  const early = await env.agents.wait(workflowId, { timeoutMs: 300 });
  assert.equal(early.status, 'running');
  const final = await env.agents.wait(workflowId);
  assert.equal(final.status, 'completed');
  assert.deepEqual(final.lastMessage?.content, [{ text: 'slow' }]);
});

test('wait: an unknown run is refused with one line', async () => {
  await assert.rejects(env.agents.wait('no-such-run'), /no run with id "no-such-run"/);
});

test('200 concurrent waits on 40 runs: each is held until its run waits for a person, then all runs complete once answered', { timeout: 5 * 60_000 }, async () => {
  const RUNS = 40;
  const WAITS_PER_RUN = 5; // the server holds at most 10 updates in flight per run
  const models = Array.from({ length: RUNS }, (_, i) => env.model({ kind: 'delay', ms: 2000, then: askTwice(`r${i}`) }, { kind: 'text', text: `done r${i}` }));
  const runs = await Promise.all(models.map((model) => start(model)));
  const statuses = await Promise.all(runs.flatMap(({ workflowId }) => Array.from({ length: WAITS_PER_RUN }, () => env.agents.wait(workflowId))));
  assert.equal(statuses.length, 200);
  statuses.forEach((status, index) => {
    assert.equal(status.status, 'waiting');
    assert.deepEqual(status.pending.map((interrupt) => [interrupt.name, (interrupt.reason as { label: string }).label]), [['first', `r${Math.floor(index / WAITS_PER_RUN)}`]]);
  });
  await Promise.all(
    runs.map(async ({ workflowId }) => {
      await answerPending(workflowId, 'first');
      await answerPending(workflowId, 'second');
    }),
  );
  const finals = await Promise.all(runs.map(({ workflowId }) => env.agents.wait(workflowId)));
  finals.forEach((status, i) => {
    assert.equal(status.status, 'completed');
    assert.deepEqual(status.lastMessage?.content, [{ text: `done r${i}` }]);
  });
  for (const { workflowId } of runs) assert.ok((await waitUpdatesIn(workflowId)) >= WAITS_PER_RUN);
});
