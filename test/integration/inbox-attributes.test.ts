/**
 * Upgrading to the inbox's search attributes (issue 26, item 3): in a namespace set up before them
 * (the four base attributes only), runs still start, wait and finish (their workflow tasks never
 * upsert an attribute the namespace lacks), the inbox lists them without their question, and
 * "mine" asks for `hitl setup` in words. After `setup`, new runs keep the inbox's attributes
 * (behind the `inbox-attributes` patch); the run from before keeps going without them. `hitl setup`
 * registers what is missing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { inboxQuery, listInboxPage, type ListedRun } from '../../src/sdk/inbox.js';
import { missingSearchAttributes, registerSearchAttributes } from '../../src/sdk/search-attributes-setup.js';
import { BASE_SEARCH_ATTRIBUTES, INBOX_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';
import { TestEnv, type RunningWorker } from '../support/env.js';
import { assertOk, cleanEnv, json, runCli } from './cli-support.js';
import { tmpdir } from 'node:os';

let env: TestEnv;
let worker: RunningWorker;
before(async () => {
  env = await TestEnv.start({ searchAttributes: BASE_SEARCH_ATTRIBUTES });
  worker = await env.startWorker();
});
after(async () => {
  await worker?.stop();
  await env?.teardown();
});

async function startWaiting(agents: AgentClient, label: string): Promise<string> {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: `finished ${label}` });
  const { workflowId } = await agents.start({ agent: 'test-policy', prompt: `record ${label}`, model });
  await env.untilPending(workflowId, 1);
  return workflowId;
}

async function rowOf(workflowId: string, until: (row: ListedRun) => boolean = () => true): Promise<ListedRun> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const row = (await listInboxPage(env.client, { agent: 'test-policy', pageSize: 100 })).listed.find((run) => run.workflowId === workflowId);
    if (row && until(row)) return row;
    await sleep(100);
  }
  throw new Error(`visibility never listed ${workflowId} as expected`);
}

async function taskFailures(workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes).length;
}

test('a namespace from an older setup: runs wait and finish, listed without their question; mine asks for setup', async () => {
  const namespace = env.client.options.namespace;
  assert.deepEqual((await missingSearchAttributes(env.client, namespace)).sort(), INBOX_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
  const older = await startWaiting(env.agents, 'plain-old');
  const row = await rowOf(older);
  assert.equal(row.agent, 'test-policy');
  assert.equal(row.pending, 1);
  assert.equal(row.question, undefined, 'no inbox attributes here');
  assert.equal(await taskFailures(older), 0, 'no workflow task failed on an unknown attribute');
  await assert.rejects(listInboxPage(env.client, { mine: 'bob' }), (error: Error) => error.name === 'InboxSetupError' && /run `hitl setup`/.test(error.message));
  await assert.rejects(listInboxPage(env.client, { overdue: true }), /run `hitl setup`/);

  // `hitl setup` on the namespace: the inbox's attributes added (and nothing the second time); a client that asks again passes them to new runs.
  const cliEnv = { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: namespace, AGENT_TASK_QUEUE: env.taskQueue };
  const setup = json<{ namespace: string; added: string[] }>(assertOk(await runCli(['setup', '--json'], { cwd: tmpdir(), env: cliEnv }), ['setup']));
  assert.deepEqual(setup.added.sort(), INBOX_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
  assert.deepEqual(await registerSearchAttributes(env.client, namespace), [], 'all there now');
  const upgraded = new AgentClient(env.client, env.taskQueue);
  const newer = await startWaiting(upgraded, 'plain-new');
  const newRow = await rowOf(newer, (run) => run.question !== undefined);
  assert.equal(newRow.tool, 'record_action');
  assert.deepEqual(newRow.approvers, ['*']);
  await untilMine(newer);

  // The run from before goes on without the inbox's attributes, and finishes.
  for (const id of [older, newer]) {
    const status = await env.agents.status(id);
    await env.agents.respond(id, { interruptId: status.pending[0]!.id, response: 'y' });
    const result = await env.agents.result(id);
    assert.match(result.text, /finished plain-/);
    assert.equal(await taskFailures(id), 0);
  }
});

async function untilMine(workflowId: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const page = await listInboxPage(env.client, { mine: 'dana', pageSize: 100 });
    if (page.listed.some((run) => run.workflowId === workflowId)) return;
    await sleep(100);
  }
  throw new Error(`${workflowId} never listed as mine`);
}

test('the inbox query after setup names the new attributes (the dev server registers them all by default)', () => {
  assert.match(inboxQuery({ mine: 'dana', overdue: true }), /AgentApprovers IN \("\*", "dana"\) AND AgentDeadline < "/);
});
