import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DENIED_MESSAGE } from '../../src/agents/file-approval.js';
import { TestEnv } from '../support/env.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

const FILES = { 'old_report.txt': 'r', 'temp_data.csv': 'c' };


test('file-approval: approving runs the delete once and the files are gone', async () => {
  const workspace = env.workspace(FILES);
  const model = env.deletingModel(Object.keys(FILES));
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete old files', model, workspace });

  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.equal(waiting.pending.length, 1);
  const [interrupt] = waiting.pending;
  assert.equal(interrupt!.name, 'filemanager-approval');
  assert.equal(interrupt!.source, 'hook');
  assert.equal(interrupt!.toolName, 'delete_files');
  assert.match(interrupt!.id, /^hook:beforeToolCall:tooluse_\d+:filemanager-approval$/);
  assert.deepEqual(interrupt!.toolInput, { paths: Object.keys(FILES) });
  for (const name of Object.keys(FILES)) assert.ok(existsSync(path.join(workspace, name)), 'nothing deleted before the answer');

  // The hook understands yes and no: an edit is refused, naming what it takes, not taken as a no.
  assert.deepEqual(interrupt!.accepts?.choices, ['y', 'n', 'yes', 'no']);
  await assert.rejects(
    env.agents.respond(workflowId, { interruptId: interrupt!.id, response: { decision: 'edit', input: { paths: ['a.txt'] } } }),
    /this question accepts one of: y, n, yes, no/,
  );
  await env.agents.respond(workflowId, { interruptId: interrupt!.id, response: 'y', respondedBy: 'alice' });
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed');
  const result = await env.agents.result(workflowId);
  assert.match(result.text, /tool said: success: Successfully deleted files: old_report.txt, temp_data.csv/);
  for (const name of Object.keys(FILES)) assert.ok(!existsSync(path.join(workspace, name)));
  assert.equal(result.interrupts.length, 1);
  assert.equal(result.interrupts[0]!.respondedBy, 'alice');
  assert.equal(result.modelCalls, 3);
  assert.deepEqual(env.bedrock.violations, []);
});

test('file-approval: denying keeps the files and the model sees the denial', async () => {
  const workspace = env.workspace(FILES);
  const model = env.deletingModel(Object.keys(FILES));
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete old files', model, workspace });
  const waiting = await env.agents.wait(workflowId);
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'n' });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, `tool said: error: ${DENIED_MESSAGE}`);
  for (const name of Object.keys(FILES)) assert.ok(existsSync(path.join(workspace, name)), `${name} is still there`);
  assert.deepEqual(env.bedrock.violations, []);
});
