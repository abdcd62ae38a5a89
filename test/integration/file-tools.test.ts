/**
 * The file tools' jail and the tool heartbeat, through real runs on a dev server: symlinks and
 * hostile names, workspaces beneath the worker's roots, a folder swapped for an outside symlink
 * while a 5,000-file delete runs, and a worker process SIGKILLed mid-delete of 20,000 files whose
 * retry (noticed through the heartbeat timeout) reports every file as deleted.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { ModelChoice } from '../../src/agent/types.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { JOURNAL_FOLDER } from '../../src/agents/files/workspace-roots.js';
import { startWorkerProcess } from '../faults/processes.js';
import { jailFixture, listedAfter, snapshot, startSwapLoop } from '../faults/file-jail.js';
import { TestEnv, testBundle } from '../support/env.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

const outsideDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'file-tools-outside-'));
  writeFileSync(path.join(dir, 'important.txt'), 'outside');
  return dir;
};

/** The tool results the model received in its last request, as "status: text". */
const lastToolResults = (model: ModelChoice) =>
  env.requestsFor(model).at(-1)!.body.messages.at(-1).content.map((block: { toolResult: { status: string; content: Array<{ text: string }> } }) =>
    `${block.toolResult.status}: ${block.toolResult.content[0]!.text}`,
  ) as string[];

/** Starts `agent` with a scripted tool call, approves what it asks, and returns the tool results. */
async function runApproved(agent: string, uses: Array<{ name: string; input: unknown }>, workspace: string | undefined, agents = env.agents): Promise<string[]> {
  const model = env.model({ kind: 'toolUse', uses }, { kind: 'text', text: 'done' });
  const { workflowId } = await agents.start({ agent, prompt: 'go', model, ...(workspace !== undefined ? { workspace } : {}) });
  for (let status = await agents.wait(workflowId); status.pending.length > 0; status = await agents.wait(workflowId)) {
    for (const interrupt of status.pending) await agents.respond(workflowId, { interruptId: interrupt.id, response: 'y' });
  }
  return lastToolResults(model);
}

test('a real run: symlinks are deleted as links, ..notes.txt works, hostile names come back quoted', async () => {
  const outside = outsideDir();
  const workspace = env.workspace({ 'important.txt': 'inside', '..notes.txt': 'n', 'evil\n\u001b[31mred': 'x' });
  symlinkSync('important.txt', path.join(workspace, 'alias.txt'));
  symlinkSync(path.join(outside, 'important.txt'), path.join(workspace, 'out-alias.txt'));
  symlinkSync(outside, path.join(workspace, 'out'));
  const results = await runApproved('file-approval', [{ name: 'delete_files', input: { paths: ['alias.txt', 'out-alias.txt', '..notes.txt', 'evil\n\u001b[31mred', 'out/important.txt'] } }], workspace);
  assert.deepEqual(results, [
    'success: Successfully deleted files: alias.txt, out-alias.txt, ..notes.txt, "evil\\n\\u001b[31mred". ' +
      'Not deleted: out/important.txt refused: "out" is a symlink, which file tools never follow',
  ]);
  assert.deepEqual(readdirSync(workspace).sort(), ['important.txt', 'out']);
  assert.deepEqual(snapshot(outside), ['important.txt: outside']);
});

test('a real run: the worker maps the run\'s workspace onto its roots and refuses anything else', async () => {
  const root = path.dirname(env.workspace());
  const outside = outsideDir();
  // Relative: created beneath the first root, on the worker's side.
  const relative = `runs/relative-${process.pid}`;
  assert.deepEqual(await runApproved('file-approval', [{ name: 'delete_files', input: { paths: ['x.txt'] } }], relative), ['success: Not found (nothing to delete): x.txt']);
  assert.ok(lstatSync(path.join(root, relative)).isDirectory());
  // Absent: the first root itself, whose journal folder is off limits.
  const [journal] = await runApproved('file-approval', [{ name: 'delete_files', input: { paths: [`${JOURNAL_FOLDER}/x.json`] } }], undefined);
  assert.match(journal!, /^error: Tool "delete_files" failed: refused: .* is reserved for the worker's tool journal; nothing was changed$/);
  // Absolute outside every root: refused by every file tool.
  const refused = await runApproved('smart-delete', [{ name: 'inspect_files', input: { paths: ['important.txt'] } }, { name: 'smart_delete', input: { paths: ['important.txt'] } }], outside);
  assert.equal(refused.length, 2);
  for (const result of refused) assert.match(result, /^error: Tool "\w+" failed: refused: the workspace ".*" is not beneath this worker's workspace roots \(AGENT_WORKSPACE_ROOTS: .*\); file tools touch nothing outside them$/);
  assert.ok(existsSync(path.join(outside, 'important.txt')));
});

test('a real run: a 5,000-file delete with its folder swapped for an outside symlink mid-run deletes nothing outside', async () => {
  const outside = outsideDir();
  const workspace = env.workspace();
  const { names } = jailFixture(workspace, outside, 5_000);
  const before = snapshot(outside);
  const swapper = startSwapLoop(path.join(workspace, 'logs'), path.join(outside, 'logs'));
  const [result] = await runApproved('file-approval', [{ name: 'delete_files', input: { paths: names } }], workspace);
  const swaps = await swapper.stop();
  assert.ok(swaps > 0, 'the swap loop ran during the delete');
  assert.deepEqual(snapshot(outside), before, 'something outside the workspace changed');
  const left = new Set(readdirSync(path.join(workspace, 'logs')).map((name) => `logs/${name}`));
  const deleted = new Set(listedAfter(result!.replace(/^success: /, ''), 'Successfully deleted files: '));
  for (const name of names) assert.equal(deleted.has(name), !left.has(name), `${name} reported ${deleted.has(name) ? '' : 'not '}deleted`);
});

test('a worker SIGKILLed mid-delete of 20,000 files: the retry comes through the heartbeat timeout and reports every file deleted', { timeout: 240_000 }, async (t) => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'file-tools-kill-'));
  const root = path.join(scratch, 'root');
  const workspace = path.join(root, 'run');
  mkdirSync(path.join(workspace, 'd'), { recursive: true });
  const names = Array.from({ length: 20_000 }, (_, index) => `d/${index}`);
  for (const name of names) writeFileSync(path.join(workspace, name), '');
  const bundleFile = path.join(scratch, 'workflows.js');
  writeFileSync(bundleFile, (await testBundle()).code);
  const taskQueue = `file-tools-kill-${process.pid}`;
  const workerEnv = {
    TEMPORAL_ADDRESS: env.address,
    FAULT_TASK_QUEUE: taskQueue,
    FAULT_BUNDLE: bundleFile,
    FAULT_LEDGER: path.join(scratch, 'ledger.jsonl'),
    BEDROCK_ENDPOINT: env.bedrock.endpoint,
    AGENT_WORKSPACE_ROOTS: root,
  };
  const agents = new AgentClient(env.client, taskQueue);
  let worker = await startWorkerProcess(workerEnv);
  try {
    const model = env.model({ kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: names } }] }, { kind: 'text', text: 'done' });
    const { workflowId } = await agents.start({ agent: 'file-approval', prompt: 'delete d/', model, workspace: 'run' });
    const waiting = await agents.wait(workflowId);
    await agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
    // Kill the worker once the delete is under way (some files gone, most still there).
    const remaining = () => readdirSync(path.join(workspace, 'd')).length;
    while (remaining() > 19_000) await sleep(10);
    await worker.kill();
    const leftAtKill = remaining();
    assert.ok(leftAtKill > 0, 'the delete finished before the kill: nothing was tested');

    worker = await startWorkerProcess(workerEnv);
    const done = await agents.wait(workflowId, { timeoutMs: 180_000 });
    assert.equal(done.status, 'completed');
    assert.deepEqual(readdirSync(path.join(workspace, 'd')), []);
    const [result] = lastToolResults(model);
    assert.ok(!result!.includes('Not found'), `the retry reported files as not found: ${result!.slice(0, 200)}`);
    assert.deepEqual(listedAfter(result!.replace(/^success: /, ''), 'Successfully deleted files: '), names);

    // The attempt that completed is a retry, and what ended the first attempt was its heartbeat timeout.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const toolStarts = history.events!.flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes] : []));
    const retried = toolStarts.find((started) => (started.attempt ?? 1) > 1);
    assert.ok(retried, 'no retried attempt in the history');
    assert.ok(retried.lastFailure?.timeoutFailureInfo, `the retry followed ${retried.lastFailure?.message}, not a timeout`);
    assert.match(retried.lastFailure.message ?? '', /heartbeat/i);
    t.diagnostic(`killed with ${leftAtKill} of 20000 files left; retried at attempt ${retried.attempt} after: ${retried.lastFailure.message}`);
  } finally {
    await worker.kill();
  }
});
