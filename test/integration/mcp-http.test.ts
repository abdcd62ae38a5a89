/**
 * MCP tools over Streamable HTTP through real runs on a dev server: the SDK-built test server in
 * its own process (killed and restarted by the tests), a worker with its own MCP configuration,
 * the fake Bedrock as the model. No run may leave a failed workflow task behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpClientPool } from '../../src/mcp/index.js';
import { TestEnv } from '../support/env.js';
import { failureMessage } from '../support/failures.js';
import { historyFacts, HttpTestServer, McpTestWorker, toolResults } from '../support/mcp-support.js';
import { freePort } from '../../src/temporal/ports.js';

let env: TestEnv;
let worker: McpTestWorker;
let web: HttpTestServer;
let latePort: number;
before(async () => {
  env = await TestEnv.start();
  web = await HttpTestServer.start();
  latePort = await freePort();
  worker = await McpTestWorker.start({
    connection: env.temporal.nativeConnection,
    client: env.client,
    bedrock: { endpoint: env.bedrock.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    servers: { web: { url: web.url }, 'web-again': { url: web.url }, late: { url: `http://127.0.0.1:${latePort}/mcp` } },
  });
});
after(async () => {
  await worker?.stop();
  await web?.kill();
  await env?.teardown();
  await McpClientPool.closeAll();
});

async function finished(workflowId: string) {
  const status = await worker.agents.wait(workflowId);
  assert.notEqual(status.status, 'waiting');
  return { status, result: status.status === 'completed' ? await worker.agents.result(workflowId) : undefined };
}

test('a tool call over HTTP works; hooks see the prefixed name; structured content reaches the model', async () => {
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'web_add', input: { a: 2, b: 40 } }, { name: 'web_echo', input: { text: 'hi' } }] },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await worker.agents.start({ agent: 'mcp-web', prompt: 'add and echo', model });
  const waiting = await worker.agents.wait(workflowId);
  assert.deepEqual(waiting.pending.map((interrupt) => interrupt.toolName), ['web_echo'], 'the policy asks by the name the model sees');
  await worker.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
  const { status, result } = await finished(workflowId);
  assert.equal(status.status, 'completed', status.error);
  assert.deepEqual(toolResults(result!.messages).map((entry) => [entry.name, entry.status, entry.text]), [
    ['web_add', 'success', '{"sum":42}'],
    ['web_echo', 'success', 'echo: hi'],
  ]);
  const offered = env.requestsFor(model)[0]!.body.toolConfig.tools.map((tool: { toolSpec: { name: string } }) => tool.toolSpec.name).sort();
  assert.deepEqual(offered, ['web_add', 'web_echo', 'web_exit', 'web_fail', 'web_garbage', 'web_huge']);
  assert.deepEqual(await historyFacts(env.client, workflowId), { failedWorkflowTasks: 0 });
});

test('a server killed mid-call: the model gets an error result, the run goes on', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'web_exit', input: {} }] }, { kind: 'text', text: 'the server died' });
  const { workflowId } = await worker.agents.start({ agent: 'mcp-web', prompt: 'die', model });
  const { status, result } = await finished(workflowId);
  assert.equal(status.status, 'completed', status.error);
  const [died] = toolResults(result!.messages);
  assert.equal(died!.status, 'error');
  assert.match(died!.text, /MCP server "web" stopped answering/);
  assert.match(JSON.stringify(env.requestsFor(model)[1]!.body.messages), /stopped answering/, 'the model read it');
  assert.deepEqual(await historyFacts(env.client, workflowId), { failedWorkflowTasks: 0 });
  web = await HttpTestServer.start({ port: web.port });
});

test('tools that change while a run waits: the run keeps its list, a removed tool is an error result, new runs see the new list', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'web_echo', input: { text: 'late' } }] }, { kind: 'text', text: 'reported' });
  const { workflowId } = await worker.agents.start({ agent: 'mcp-web', prompt: 'echo', model });
  const waiting = await worker.agents.wait(workflowId);
  await web.kill();
  web = await HttpTestServer.start({ port: web.port, toolset: 'v2' });
  await worker.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
  const { status, result } = await finished(workflowId);
  assert.equal(status.status, 'completed', status.error);
  const [echo] = toolResults(result!.messages);
  assert.equal(echo!.status, 'error');
  assert.match(echo!.text, /Tool "web_echo" failed: .*echo.*not found/i);

  const next = env.model({ kind: 'text', text: 'hello' });
  const second = await worker.agents.start({ agent: 'mcp-web', prompt: 'list', model: next });
  assert.equal((await finished(second.workflowId)).status.status, 'completed');
  const offered = env.requestsFor(next)[0]!.body.toolConfig.tools.map((tool: { toolSpec: { name: string } }) => tool.toolSpec.name);
  assert.ok(offered.includes('web_echo2') && !offered.includes('web_echo'), offered.join(', '));
  await web.kill();
  web = await HttpTestServer.start({ port: web.port });
});

test('the same tool name from two servers fails the run at once, naming both', async () => {
  const model = env.model({ kind: 'text', text: 'never asked' });
  const { workflowId } = await worker.agents.start({ agent: 'mcp-clash', prompt: 'hi', model });
  const { status } = await finished(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /tool name "\w+" comes from both MCP server "web" and MCP server "web-again"; give one of the servers a prefix/);
  assert.equal(env.requestsFor(model).length, 0);
  assert.deepEqual(await historyFacts(env.client, workflowId), { failedWorkflowTasks: 0 });
});

test('a server that is down when the run starts: the listing is retried with a readable reason, and the run goes on once it is up', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'echo', input: { text: 'finally' } }] }, { kind: 'text', text: 'done' });
  const { workflowId } = await worker.agents.start({ agent: 'mcp-late', prompt: 'echo', model });
  const handle = env.client.workflow.getHandle(workflowId);
  let pending = (await handle.describe()).raw.pendingActivities?.[0];
  while (!(pending && (pending.attempt ?? 0) >= 2)) {
    await sleep(100);
    pending = (await handle.describe()).raw.pendingActivities?.[0];
  }
  assert.equal(pending.activityType?.name, 'remoteTools');
  assert.match(await failureMessage(env.client, pending.lastFailure), /^MCP server "late" cannot be reached: fetch failed \(ECONNREFUSED\)/);
  const late = await HttpTestServer.start({ port: latePort });
  try {
    const { status, result } = await finished(workflowId);
    assert.equal(status.status, 'completed', status.error);
    assert.deepEqual(toolResults(result!.messages).map((entry) => entry.text), ['echo: finally']);
    assert.deepEqual(await historyFacts(env.client, workflowId), { failedWorkflowTasks: 0 });
  } finally {
    await late.kill();
  }
});
