/**
 * The `mcp-files` example agent end to end: a real dev server, the worker's default MCP
 * configuration (the official filesystem server over stdio on the run's workspace folder), the
 * fake Bedrock scripting the model. Reading and listing run freely; writes wait for a human.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { McpClientPool } from '../../src/mcp/index.js';
import { TestEnv } from '../support/env.js';
import { toolResults } from '../support/mcp-support.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => {
  await env?.teardown();
  await McpClientPool.closeAll();
});

/** How many times the run's history started a `tool: <name>` activity, and whether any workflow task failed. */
async function historyFacts(workflowId: string, tool: string) {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const summary = (event: (typeof events)[number]) => Buffer.from(event.userMetadata?.summary?.data ?? []).toString('utf8');
  const scheduled = new Set(
    events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool' && summary(event) === JSON.stringify(`tool: ${tool}`)).map((event) => String(event.eventId)),
  );
  const started = events.filter((event) => event.activityTaskStartedEventAttributes && scheduled.has(String(event.activityTaskStartedEventAttributes.scheduledEventId)));
  return {
    scheduled: scheduled.size,
    attempts: started.map((event) => event.activityTaskStartedEventAttributes!.attempt),
    failedTasks: events.filter((event) => event.workflowTaskFailedEventAttributes).length,
  };
}

/** Lists the folder, writes notes.txt, reports. */
function writingModel(content: string) {
  return env.model(
    { kind: 'toolUse', uses: [{ name: 'list_directory', input: { path: '.' } }, { name: 'read_text_file', input: { path: 'existing.txt' } }] },
    { kind: 'toolUse', uses: [{ name: 'write_file', input: { path: 'notes.txt', content } }] },
    { kind: 'text', text: 'done' },
  );
}

async function startWriting(content: string) {
  const workspace = env.workspace({ 'existing.txt': 'already here' });
  const model = writingModel(content);
  const { workflowId } = await env.agents.start({ agent: 'mcp-files', prompt: 'write notes.txt', model, workspace });
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting', waiting.error);
  assert.deepEqual(waiting.pending.map((interrupt) => [interrupt.toolName, interrupt.toolInput]), [['write_file', { path: 'notes.txt', content }]], 'only the write asks');
  assert.equal(existsSync(path.join(workspace, 'notes.txt')), false, 'nothing is written before the answer');
  return { workspace, model, workflowId, interruptId: waiting.pending[0]!.id };
}

test('the model sees the filesystem server\'s tools with their JSON Schemas', async () => {
  const { model, workflowId, interruptId } = await startWriting('x');
  const tools = env.requestsFor(model)[0]!.body.toolConfig.tools.map((tool: { toolSpec: { name: string; inputSchema: { json: { properties?: object } } } }) => tool.toolSpec);
  const write = tools.find((tool: { name: string }) => tool.name === 'write_file');
  assert.ok(write, 'write_file is offered');
  assert.deepEqual(Object.keys(write.inputSchema.json.properties ?? {}).sort(), ['content', 'path']);
  await env.agents.respond(workflowId, { interruptId, response: 'n' });
  await env.agents.wait(workflowId);
});

test('approve: reading and listing ran without asking, the file is written exactly once', async () => {
  const { workspace, workflowId, interruptId } = await startWriting('hello from the model');
  await env.agents.respond(workflowId, { interruptId, response: 'y', respondedBy: 'alice' });
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed', done.error);
  assert.equal(readFileSync(path.join(workspace, 'notes.txt'), 'utf8'), 'hello from the model');
  const result = await env.agents.result(workflowId);
  const results = toolResults(result.messages);
  assert.deepEqual(results.map((entry) => [entry.name, entry.status]), [['list_directory', 'success'], ['read_text_file', 'success'], ['write_file', 'success']]);
  assert.match(results[0]!.text, /\[FILE\] existing\.txt/);
  assert.deepEqual(JSON.parse(results[1]!.text), { content: 'already here' }, 'structured content, not again as text');
  assert.deepEqual(result.interrupts.map((answered) => [answered.interrupt.toolName, answered.response, answered.respondedBy]), [['write_file', 'y', 'alice']]);
  assert.deepEqual(await historyFacts(workflowId, 'write_file'), { scheduled: 1, attempts: [1], failedTasks: 0 });
});

test('approve after the worker restarted while the run waited: written exactly once', async () => {
  const { workspace, workflowId, interruptId } = await startWriting('survives a restart');
  await env.restartWorkers();
  await env.agents.respond(workflowId, { interruptId, response: 'y' });
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed', done.error);
  assert.equal(readFileSync(path.join(workspace, 'notes.txt'), 'utf8'), 'survives a restart');
  assert.deepEqual(await historyFacts(workflowId, 'write_file'), { scheduled: 1, attempts: [1], failedTasks: 0 });
  assert.deepEqual(await historyFacts(workflowId, 'list_directory'), { scheduled: 1, attempts: [1], failedTasks: 0 }, 'replay ran nothing again');
});

test('deny: nothing is written, and the model reads why', async () => {
  const { workspace, workflowId, interruptId } = await startWriting('never');
  await env.agents.respond(workflowId, { interruptId, response: { decision: 'deny', reason: 'not today' } });
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed', done.error);
  assert.equal(existsSync(path.join(workspace, 'notes.txt')), false);
  const write = toolResults((await env.agents.result(workflowId)).messages).find((entry) => entry.name === 'write_file')!;
  assert.equal(write.status, 'error');
  assert.match(write.text, /not today/);
  assert.deepEqual(await historyFacts(workflowId, 'write_file'), { scheduled: 0, attempts: [], failedTasks: 0 });
});

test('edit-and-approve: the edited content is written; an edit that is not an object is refused', async () => {
  const { workspace, workflowId, interruptId } = await startWriting('original');
  await assert.rejects(env.agents.respond(workflowId, { interruptId, response: { decision: 'edit', input: 'not an object' } }), /expected an object/);
  const edited = { path: 'notes.txt', content: 'edited by a human' };
  await env.agents.respond(workflowId, { interruptId, response: { decision: 'edit', input: edited } });
  // An edit by nobody in particular approves nothing: the policy asks again about the edited call.
  let again = await env.agents.wait(workflowId);
  while (again.status === 'waiting' && again.pending[0]?.id === interruptId) again = await env.agents.wait(workflowId);
  assert.deepEqual(again.pending.map((interrupt) => [interrupt.toolName, (interrupt.reason as { input: unknown }).input]), [['write_file', edited]]);
  assert.equal(existsSync(path.join(workspace, 'notes.txt')), false);
  await env.agents.respond(workflowId, { interruptId: again.pending[0]!.id, response: 'y' });
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed', done.error);
  assert.equal(readFileSync(path.join(workspace, 'notes.txt'), 'utf8'), 'edited by a human');
});

test('create_directory and move_file ask too; an approved move runs once', async () => {
  const workspace = env.workspace({ 'a.txt': 'a' });
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'create_directory', input: { path: 'archive' } }] },
    { kind: 'toolUse', uses: [{ name: 'move_file', input: { source: 'a.txt', destination: 'archive/a.txt' } }] },
    { kind: 'text', text: 'moved' },
  );
  const { workflowId } = await env.agents.start({ agent: 'mcp-files', prompt: 'archive a.txt', model, workspace });
  for (const tool of ['create_directory', 'move_file']) {
    let waiting = await env.agents.wait(workflowId);
    while (waiting.status === 'waiting' && waiting.pending[0]?.toolName !== tool) waiting = await env.agents.wait(workflowId);
    assert.equal(waiting.pending[0]?.toolName, tool, waiting.error);
    await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
  }
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed', done.error);
  assert.deepEqual(toolResults((await env.agents.result(workflowId)).messages).map((entry) => [entry.name, entry.status]), [['create_directory', 'success'], ['move_file', 'success']]);
  assert.equal(readFileSync(path.join(workspace, 'archive', 'a.txt'), 'utf8'), 'a');
  assert.equal(existsSync(path.join(workspace, 'a.txt')), false);
  assert.deepEqual(await historyFacts(workflowId, 'move_file'), { scheduled: 1, attempts: [1], failedTasks: 0 });
});
