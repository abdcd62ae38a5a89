/**
 * The promise against hostile input, on a real dev server (issue: hostile input). History limits
 * are lowered so that a flood of signals forces a hand-off within seconds.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { MAX_PROMPT_BYTES, PAYLOAD_BUDGET, jsonBytes } from '../../src/agent/payload-budget.js';
import { acceptRunUpdate, AGENT_RUN_WORKFLOW, respondSignal, respondUpdate, statusQuery, type AgentRunInput } from '../../src/workflows/messages.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';

const SUGGEST_AT = 60;
let env: TestEnv;
before(async () => {
  env = await TestEnv.start({ extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AT}`] });
  await env.startWorker();
});
after(async () => env?.teardown());


test('a flood of signals while a run waits hands it off with its questions: same ids and age, finished siblings never run again', async () => {
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'sibling' } }, { name: 'ask_twice', input: { label: 'asker' } }] },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'flood', model });
  const waiting = await env.untilPending(workflowId, 1);
  const question = waiting.pending[0]!;
  const handle = env.client.workflow.getHandle(workflowId);
  const before = await env.runIds(workflowId);
  // Nobody can refuse a signal: each one grows the history, until the run hands off while waiting.
  for (let i = 0; i < SUGGEST_AT; i++) await handle.signal(respondSignal, { interruptId: `nope-${i}`, response: 'y' });
  let after = await env.runIds(workflowId);
  for (let i = 0; after.size === before.size && i < 100; i++) after = await env.runIds(workflowId);
  assert.ok(after.size > before.size, 'the run continued as new while it waited');
  const carried = await env.untilPending(workflowId, 1);
  assert.equal(carried.status, 'waiting');
  assert.equal(carried.pending[0]!.id, question.id, 'the same question, under the same id');
  assert.equal(carried.pending[0]!.raisedAt, question.raisedAt, 'keeping its age');
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'one' });
  const second = await env.untilPending(workflowId, 1).then(async (status) => {
    for (let i = 0; status.pending[0]?.id === question.id && i < 100; i++) status = await env.agents.status(workflowId);
    return status.pending[0]!;
  });
  await env.agents.respond(workflowId, { interruptId: second.id, response: 'two' });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'done');
  const ledger = readLedger(env.ledger);
  assert.equal(ledger.filter((entry) => entry.label === 'sibling').length, 1, 'the finished sibling ran once');
  assert.deepEqual(ledger.filter((entry) => entry.label === 'asker').map((entry) => entry.answers), [['one', 'two']]);
  assert.deepEqual(env.bedrock.violations, []);
});

test('an answer outside the accepted forms, sent as a flooded run hands off, is refused and the run keeps waiting', async () => {
  const workspace = env.workspace({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'smart_delete', input: { paths: ['a.txt', 'b.txt', 'c.txt'] } }] }, { kind: 'text', text: 'deleted' });
  const { workflowId } = await env.agents.start({ agent: 'smart-delete', prompt: 'bulk', model, workspace });
  const question = (await env.untilPending(workflowId, 1)).pending[0]!;
  const handle = env.client.workflow.getHandle(workflowId);
  const firstRun = (await handle.describe()).runId;
  for (let i = 0; i < SUGGEST_AT; i++) await handle.signal(respondSignal, { interruptId: `nope-${i}`, response: 'y' });
  for (let i = 0; (await handle.describe()).runId === firstRun && i < 2000; i++);
  // Refused whether the new run has asked again (its validator) or not yet (its update handler, once asked).
  await assert.rejects(env.agents.respond(workflowId, { interruptId: question.id, response: 'maybe' }), /answer refused: .*y, n, yes, no/);
  const waiting = await env.untilPending(workflowId, 1);
  assert.equal(waiting.pending[0]!.id, question.id, 'the run still waits for the same question');
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'y' });
  assert.equal((await env.agents.result(workflowId)).text, 'deleted');
  assert.equal(existsSync(path.join(workspace, 'a.txt')), false);
});

test('a huge approved input stays within every payload budget: status, result and audit answer, the call runs once', async () => {
  const label = 'x'.repeat(450_000);
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: 'recorded the big one' });
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: 'big', model });
  const waiting = await env.untilPending(workflowId, 1);
  assert.ok(jsonBytes(waiting) <= PAYLOAD_BUDGET);
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'recorded the big one');
  assert.ok(jsonBytes(result) <= PAYLOAD_BUDGET, `result is ${jsonBytes(result)} bytes`);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === label).length, 1);
  const final = await env.agents.status(workflowId);
  assert.equal(final.status, 'completed');
});

test('a tool input over the limit becomes an error result the model reads; nothing runs', async () => {
  const label = 'y'.repeat(600_000);
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: 'split it' });
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'too big', model });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'split it');
  const seen = JSON.stringify(env.requestsFor(model).at(-1)!.body.messages.at(-1));
  assert.match(seen, /tool inputs are limited to 524288 bytes/);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === label).length, 0);
});

/** Starts a run the way the client does (update-with-start of 'accept'). */
async function startWithAccept(input: AgentRunInput, workflowId: string) {
  return env.client.workflow.executeUpdateWithStart(acceptRunUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation(AGENT_RUN_WORKFLOW, { taskQueue: env.taskQueue, workflowId, args: [input], workflowIdConflictPolicy: 'FAIL' }),
  });
}

test('an unknown agent or an oversized prompt is refused at the start, before anything runs', async () => {
  const model = env.model({ kind: 'text', text: 'never' });
  await assert.rejects(startWithAccept({ agent: 'nope', prompt: 'hi', model }, `nope-${Date.now()}`), (error: unknown) => {
    assert.ok(error instanceof WorkflowUpdateFailedError);
    assert.match((error.cause as Error).message, /unknown agent "nope" on task queue "[^"]+"; the worker polling it has: .*file-approval.*--task-queue/);
    return true;
  });
  await assert.rejects(startWithAccept({ agent: 'test-tools', prompt: 'p'.repeat(MAX_PROMPT_BYTES + 1), model }, `big-${Date.now()}`), (error: unknown) => {
    assert.match(((error as Error).cause as Error).message, /prompts are limited to 262144 bytes/);
    return true;
  });
  const fine = `fine-${Date.now()}`;
  assert.deepEqual(await startWithAccept({ agent: 'test-tools', prompt: 'fine', model }, fine), { agent: 'test-tools' });
  assert.equal((await env.agents.result(fine)).text, 'never');
  assert.equal(env.requestsFor(model).length, 1, 'only the accepted run called the model');
});

test('a cancelled run waits for nothing', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'never-run' } }] });
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: 'cancel me', model });
  await env.untilPending(workflowId, 1);
  const handle = env.client.workflow.getHandle(workflowId);
  await handle.cancel();
  await assert.rejects(handle.result());
  const status = await handle.query(statusQuery);
  assert.equal(status.status, 'cancelled');
  assert.deepEqual(status.pending, []);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'never-run').length, 0);
});

test('an answer sent to a session instead of its run: the update is refused naming the run, the signal reaches the run', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'session-routed' } }] }, { kind: 'text', text: 'ok' });
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: 'in a session', model, sessionId: 'routing' });
  const waiting = await env.untilPending(workflowId, 1);
  const session = env.client.workflow.getHandle('session-routing');
  const answer = { interruptId: waiting.pending[0]!.id, response: 'y', binding: waiting.pending[0]!.binding };
  await assert.rejects(session.executeUpdate(respondUpdate, { args: [answer] }), (error: unknown) => {
    assert.match(((error as Error).cause as Error)?.message ?? (error as Error).message, new RegExp(`session-routing is a session, not a run: answer its run ${workflowId}`));
    return true;
  });
  await session.signal(respondSignal, answer);
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'ok');
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'session-routed').length, 1);
});

test('a prompt to a session whose run waits for a person is refused at once, saying so', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'busy-session' } }] }, { kind: 'text', text: 'ok' });
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: 'first', model, sessionId: 'busy' });
  const waiting = await env.untilPending(workflowId, 1);
  // The run tells its session it waits (a signal): wait until the session knows.
  for (let i = 0; i < 100 && !(await env.agents.session('busy')).active?.waiting; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(env.agents.start({ agent: 'test-guarded', prompt: 'second', model, sessionId: 'busy' }), new RegExp(`busy with run ${workflowId}.*\\(it is waiting for a person\\)`));
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
  await env.agents.result(workflowId);
});
