/** Sessions: durable state across runs, remembered trust (seed pattern 3), isolation, revoke, one run at a time. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TRUST_KEY, TRUST_USED_NOTE } from '../../src/agents/trusted-files.js';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import { TestEnv } from '../support/env.js';

const DEMO = { provider: 'demo', modelId: DEMO_MODEL_ID };
let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

async function startTrusted(sessionId: string, prompt: string, workspace: string) {
  return env.agents.start({ agent: 'trusted-files', prompt, model: DEMO, sessionId, workspace });
}
async function waitRun(workflowId: string): Promise<RunStatus> {
  return env.agents.wait(workflowId);
}
const settled = (sessionId: string) => env.settledSession(sessionId);

test('"t" is remembered: the next run of the session deletes without asking and says so; another session still asks', async () => {
  const workspace = env.workspace({ 'file1.txt': '1', 'file2.txt': '2', 'file3.txt': '3', 'file4.txt': '4' });
  const first = await startTrusted('alice', 'Delete file1.txt', workspace);
  const asking = await waitRun(first.workflowId);
  assert.equal(asking.status, 'waiting');
  assert.equal(asking.sessionId, 'alice');
  assert.deepEqual(asking.pending[0]!.reason, { message: 'Delete these files? (t/y/N)', paths: ['file1.txt'], options: 't=trust always, y=yes once, n=no' });
  await env.agents.respond(first.workflowId, { interruptId: asking.pending[0]!.id, response: 't' });
  assert.equal((await waitRun(first.workflowId)).status, 'completed');
  assert.ok(!existsSync(path.join(workspace, 'file1.txt')));
  assert.equal((await settled('alice')).state[TRUST_KEY], true);

  const second = await startTrusted('alice', 'Delete file2.txt and file3.txt', workspace);
  const done = await waitRun(second.workflowId);
  assert.equal(done.status, 'completed', 'no question this time');
  assert.equal(done.answered.length, 0);
  const result = await env.agents.result(second.workflowId);
  assert.ok(result.text.includes(TRUST_USED_NOTE), result.text);
  assert.ok(!existsSync(path.join(workspace, 'file2.txt')) && !existsSync(path.join(workspace, 'file3.txt')));
  assert.ok(result.messages.length > 6, 'the second run continued the conversation of the first');

  const other = await startTrusted('bob', 'Delete file4.txt', workspace);
  const bobAsked = await waitRun(other.workflowId);
  assert.equal(bobAsked.status, 'waiting', 'trust does not leak into another session');
  await env.agents.respond(other.workflowId, { interruptId: bobAsked.pending[0]!.id, response: 'n' });
  await waitRun(other.workflowId);
  assert.ok(existsSync(path.join(workspace, 'file4.txt')));
  assert.equal((await settled('bob')).state[TRUST_KEY], undefined);
});

test('a revoked trust asks again; the session lists its runs', async () => {
  const workspace = env.workspace({ 'a.txt': 'a', 'b.txt': 'b' });
  const first = await startTrusted('carol', 'Delete a.txt', workspace);
  const asking = await waitRun(first.workflowId);
  await env.agents.respond(first.workflowId, { interruptId: asking.pending[0]!.id, response: 't' });
  await waitRun(first.workflowId);

  const view = await env.agents.editSession('carol', [{ op: 'delete', key: TRUST_KEY }]);
  assert.equal(view.state[TRUST_KEY], undefined);
  const second = await startTrusted('carol', 'Delete b.txt', workspace);
  assert.equal((await waitRun(second.workflowId)).status, 'waiting', 'asks again after the revoke');
  await env.agents.respond(second.workflowId, { interruptId: (await env.agents.status(second.workflowId)).pending[0]!.id, response: 'y' });
  await waitRun(second.workflowId);
  const session = await settled('carol');
  assert.equal(session.state[TRUST_KEY], undefined, '"y" approves once without trusting');
  assert.deepEqual(session.runs.map((run) => [run.runId, run.outcome]), [
    [second.workflowId, 'completed'],
    [first.workflowId, 'completed'],
  ]);
  assert.equal(session.active, undefined);
});

test('a prompt sent while a run of the session is in progress is refused, naming that run; an edit made during the run outlives the run', async () => {
  const workspace = env.workspace({ 'x.txt': 'x' });
  const first = await startTrusted('dave', 'Delete x.txt', workspace);
  const asking = await waitRun(first.workflowId);
  await assert.rejects(startTrusted('dave', 'Delete y.txt', workspace), new RegExp(`prompt refused: session "dave" is busy with run ${first.workflowId}`));
  // An edit from outside while the run waits is re-applied on top of the run's final state.
  await env.agents.editSession('dave', [{ op: 'set', key: 'note', value: 'edited during run' }]);
  await env.agents.respond(first.workflowId, { interruptId: asking.pending[0]!.id, response: 't' });
  await waitRun(first.workflowId);
  const session = await settled('dave');
  assert.equal(session.state.note, 'edited during run');
  assert.equal(session.state[TRUST_KEY], true);
  const next = await startTrusted('dave', 'Delete nothing.txt', workspace);
  assert.equal((await waitRun(next.workflowId)).status, 'completed', 'the session takes prompts again once the run ended');
});

test('trust survives a worker restart', async () => {
  const workspace = env.workspace({ 'p.txt': 'p', 'q.txt': 'q' });
  const first = await startTrusted('erin', 'Delete p.txt', workspace);
  const asking = await waitRun(first.workflowId);
  await env.agents.respond(first.workflowId, { interruptId: asking.pending[0]!.id, response: 't' });
  await waitRun(first.workflowId);
  await env.restartWorkers();
  const second = await startTrusted('erin', 'Delete q.txt', workspace);
  assert.equal((await waitRun(second.workflowId)).status, 'completed');
  assert.ok(!existsSync(path.join(workspace, 'q.txt')));
});

test('a run that fails at once (unknown agent) does not leave its session busy', async () => {
  const failed = await env.agents.start({ agent: 'no-such-agent', prompt: 'hi', model: DEMO, sessionId: 'typo', workspace: env.workspace() });
  assert.equal((await waitRun(failed.workflowId)).status, 'failed');
  const view = await settled('typo');
  assert.deepEqual(view.runs.map((run) => [run.runId, run.outcome]), [[failed.workflowId, 'failed']]);
  assert.match(view.runs[0]!.error ?? '', /unknown agent "no-such-agent"/);
  const next = await startTrusted('typo', 'Delete nothing.txt', env.workspace());
  assert.equal((await waitRun(next.workflowId)).status, 'waiting', 'the next prompt was taken (and asks as usual)');
  await env.agents.cancel(next.workflowId);
});

test('a run terminated by an operator does not leave its session busy', async () => {
  const workspace = env.workspace({ 'z.txt': 'z' });
  const first = await startTrusted('ops', 'Delete z.txt', workspace);
  await waitRun(first.workflowId);
  await env.client.workflow.getHandle(first.workflowId).terminate('operator cleanup');
  const next = await startTrusted('ops', 'Delete nothing.txt', workspace);
  assert.equal((await waitRun(next.workflowId)).status, 'waiting', 'the next prompt was taken (and asks as usual)');
  const view = await env.agents.session('ops');
  assert.deepEqual(view.runs.map((run) => [run.runId, run.outcome]), [[first.workflowId, 'failed']]);
  assert.match(view.runs[0]!.error ?? '', /ended without reporting to its session/);
  assert.equal(view.active?.runId, next.workflowId);
  await env.agents.cancel(next.workflowId);
});

test('unknown sessions and bad state edits get clear errors', async () => {
  await assert.rejects(env.agents.session('nobody'), /no session "nobody"/);
  await startTrusted('frank', 'Delete none.txt', env.workspace());
  await assert.rejects(env.agents.editSession('frank', [{ op: 'rename', key: 'k' } as never]), /state edits are a list of/);
  await assert.rejects(env.agents.editSession('frank', [{ op: 'set', key: 'k' } as never]), /state value at "k" is not JSON/);
  assert.deepEqual((await env.agents.session('frank')).state, {}, 'the session still answers');
});
