/**
 * The conformance suite: the seed's patterns (approve, deny, tool interrupt, trust) on every
 * provider (Bedrock, OpenAI, Anthropic), each through its vendor's official SDK client against
 * its fake server, on a real dev server with the example agents. Per provider also: a model
 * that reuses `call_0` every turn or sends no ids (every call is asked about and answered on
 * its own), an MCP tool behind an approval, and each error class (permanent errors end the run at once, transient ones are
 * retried by Temporal until the call succeeds).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Worker } from '@temporalio/worker';
import type { ModelChoice } from '../../src/agent/types.js';
import { exampleTools } from '../../src/agents/tools.js';
import { McpClientPool } from '../../src/mcp/index.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { createAgentWorker } from '../../src/worker.js';
import { TestEnv, testBundle } from '../support/env.js';
import { PROVIDER_NAMES, startFakeModelService, type FakeModelService, type ProviderName } from '../support/fake-model-services.js';
import type { ScriptedTurn } from '../support/model-script.js';
import { historyFacts, toolResults } from '../support/mcp-support.js';
import { createTestTools } from '../support/test-tools.js';

let env: TestEnv;
let agents: AgentClient;
let worker: Worker;
let running: Promise<void>;
const services = {} as Record<ProviderName, FakeModelService>;

before(async () => {
  env = await TestEnv.start();
  for (const service of await Promise.all(PROVIDER_NAMES.map((name) => startFakeModelService(name)))) services[service.name] = service;
  const taskQueue = `conformance-${process.pid}`;
  worker = await createAgentWorker({
    connection: env.temporal.nativeConnection,
    taskQueue,
    workflowBundle: await testBundle(),
    tools: [...exampleTools, ...createTestTools(env.ledger)],
    providers: Object.fromEntries(PROVIDER_NAMES.map((name) => [name, services[name].provider])),
    // The folder env.workspace() makes its folders in.
    workspaceRoots: [path.dirname(env.workspace())],
  });
  running = worker.run();
  agents = new AgentClient(env.client, taskQueue);
});
after(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await Promise.all(Object.values(services).map((service) => service.close()));
  await env?.teardown();
  await McpClientPool.closeAll();
});

let models = 0;
function script(provider: ProviderName, ...turns: ScriptedTurn[]): ModelChoice {
  const modelId = `conformance-model-${models++}`;
  services[provider].scriptFor(modelId, ...turns);
  return { provider, modelId };
}

function requestsOf(provider: ProviderName, model: ModelChoice) {
  return services[provider].requests().filter((request) => request.model === model.modelId);
}

/** Answers pending interrupts one by one with `answers` (in order) until the run stops; returns the final status. */
async function answerInTurn(workflowId: string, ...answers: string[]) {
  let status = await agents.wait(workflowId);
  for (const answer of answers) {
    assert.equal(status.status, 'waiting', `expected a question for "${answer}": ${status.error ?? status.status}`);
    const asked = status.pending[0]!.id;
    await agents.respond(workflowId, { interruptId: asked, response: answer, respondedBy: 'conformance' });
    do status = await agents.wait(workflowId);
    while (status.status === 'waiting' && status.pending[0]?.id === asked);
  }
  return status;
}

const FILES = { 'old_report.txt': 'r', 'temp_data.csv': 'c', 'backup_2023.zip': 'z' };
const PATHS = Object.keys(FILES);
const gone = (workspace: string, name: string) => !existsSync(path.join(workspace, name));

for (const provider of PROVIDER_NAMES) {
  describe(`${provider}`, () => {
    after(() => assert.deepEqual(services[provider].violations(), [], 'requests the real service would refuse'));

    for (const answer of ['y', 'n'] as const) {
      test(`hook approval (file-approval): ${answer === 'y' ? 'approve deletes' : 'deny keeps the files and the model reads why'}`, async () => {
        const workspace = env.workspace(FILES);
        const model = script(
          provider,
          { kind: 'toolUse', uses: [{ name: 'inspect_files', input: { paths: PATHS } }] },
          { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: PATHS } }] },
          { kind: 'text', text: 'reported' },
        );
        const { workflowId } = await agents.start({ agent: 'file-approval', prompt: 'delete old files', model, workspace });
        const status = await answerInTurn(workflowId, answer);
        assert.equal(status.status, 'completed', status.error);
        assert.equal(PATHS.every((name) => gone(workspace, name)), answer === 'y');
        const result = await agents.result(workflowId);
        const deleted = toolResults(result.messages).find((entry) => entry.name === 'delete_files')!;
        assert.equal(deleted.status, answer === 'y' ? 'success' : 'error');
        if (answer === 'n') assert.match(deleted.text, /User denied permission to delete files/);
        if (answer === 'n' && provider === 'anthropic') assert.match(JSON.stringify(requestsOf(provider, model)[2]!.body), /"is_error":true/);
        // The tool result went back to the model in the provider's own format.
        assert.match(JSON.stringify(requestsOf(provider, model)[2]!.body), answer === 'y' ? /Successfully deleted files/ : /User denied permission to delete files/);
        assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0, 'token usage is counted');
      });
    }

    test('tool interrupt (smart-delete): the tool asks from inside, sees the answer, deletes', async () => {
      const workspace = env.workspace(FILES);
      const model = script(provider, { kind: 'toolUse', uses: [{ name: 'smart_delete', input: { paths: PATHS } }] }, { kind: 'text', text: 'reported' });
      const { workflowId } = await agents.start({ agent: 'smart-delete', prompt: 'bulk delete', model, workspace });
      const waiting = await agents.wait(workflowId);
      assert.equal(waiting.pending[0]?.source, 'tool');
      const status = await answerInTurn(workflowId, 'y');
      assert.equal(status.status, 'completed', status.error);
      assert.ok(PATHS.every((name) => gone(workspace, name)));
    });

    test('trust (trusted-files in a session): "t" once, the next run deletes without asking', async () => {
      const sessionId = `conformance-${provider}`;
      const first = env.workspace(FILES);
      const model = script(
        provider,
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['old_report.txt'] } }] },
        { kind: 'text', text: 'first done' },
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['temp_data.csv'] } }] },
        { kind: 'text', text: 'second done' },
      );
      const one = await agents.start({ agent: 'trusted-files', prompt: 'delete old_report.txt', model, sessionId, workspace: first });
      assert.equal((await answerInTurn(one.workflowId, 't')).status, 'completed');
      await env.settledSession(sessionId);
      const two = await agents.start({ agent: 'trusted-files', prompt: 'delete temp_data.csv', model, sessionId, workspace: first });
      const status = await agents.wait(two.workflowId);
      assert.equal(status.status, 'completed', `no question the second time: ${status.status}`);
      assert.ok(gone(first, 'old_report.txt') && gone(first, 'temp_data.csv'));
      // The session's conversation holds both runs: the last result is the second run's.
      assert.match(toolResults((await agents.result(two.workflowId)).messages).at(-1)!.text, /^\[Using saved trust preference: auto-approved\] Successfully deleted files: temp_data\.csv/);
    });

    test('an MCP tool (mcp-files, the filesystem server): reading runs freely, the approved write happens once', async () => {
      const workspace = env.workspace({ 'existing.txt': 'already here' });
      const model = script(
        provider,
        { kind: 'toolUse', uses: [{ name: 'read_text_file', input: { path: 'existing.txt' } }] },
        { kind: 'toolUse', uses: [{ name: 'write_file', input: { path: 'notes.txt', content: `written via ${provider}` } }] },
        { kind: 'text', text: 'done' },
      );
      const { workflowId } = await agents.start({ agent: 'mcp-files', prompt: 'write notes.txt', model, workspace });
      const status = await answerInTurn(workflowId, 'y');
      assert.equal(status.status, 'completed', status.error);
      assert.equal(readFileSync(path.join(workspace, 'notes.txt'), 'utf8'), `written via ${provider}`);
      const result = await agents.result(workflowId);
      assert.deepEqual(result.interrupts.map((answered) => answered.interrupt.toolName), ['write_file']);
      assert.deepEqual(toolResults(result.messages).map((entry) => [entry.name, entry.status]), [['read_text_file', 'success'], ['write_file', 'success']]);
    });

    const idCases: Array<[string, string | null]> = provider === 'bedrock' ? [['reuses call_0', 'call_0']] : [['reuses call_0', 'call_0'], ['sends no ids', null]];
    for (const [what, id] of idCases) {
      test(`a model that ${what} every turn: the second call is asked again, the audit shows two answers`, async () => {
        const workspace = env.workspace(FILES);
        const model = script(
          provider,
          { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['old_report.txt'] }, id }] },
          { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['temp_data.csv'] }, id }] },
          { kind: 'text', text: 'reported' },
        );
        const { workflowId } = await agents.start({ agent: 'file-approval', prompt: 'delete two files', model, workspace });
        const status = await answerInTurn(workflowId, 'y', 'y');
        assert.equal(status.status, 'completed', status.error);
        assert.ok(gone(workspace, 'old_report.txt') && gone(workspace, 'temp_data.csv'));
        const result = await agents.result(workflowId);
        assert.equal(result.interrupts.length, 2);
        assert.deepEqual(result.interrupts.map((answered) => (answered.interrupt.toolInput as { paths: string[] }).paths), [['old_report.txt'], ['temp_data.csv']]);
        assert.notEqual(result.interrupts[0]!.interruptId, result.interrupts[1]!.interruptId);
        assert.deepEqual(toolResults(result.messages).map((entry) => entry.status), ['success', 'success']);
      });
    }

    const permanent = [400, 401, 403, 404];
    for (const httpStatus of permanent) {
      test(`HTTP ${httpStatus} fails the run at once with the reason`, async () => {
        const model = script(provider, { kind: 'error', status: httpStatus, message: `refused by the fake (${httpStatus})` });
        const { workflowId } = await agents.start({ agent: 'test-tools', prompt: 'hello', model });
        const status = await agents.wait(workflowId);
        assert.equal(status.status, 'failed');
        assert.match(status.error ?? '', new RegExp(`^model call failed: .*refused by the fake \\(${httpStatus}\\)`));
        assert.equal(requestsOf(provider, model).length, 1, 'not retried');
        assert.deepEqual(await historyFacts(env.client, workflowId), { failedWorkflowTasks: 0 });
      });
    }

    for (const httpStatus of [429, 500, 503]) {
      test(`HTTP ${httpStatus} is retried by Temporal, then the run completes`, async () => {
        const model = script(provider, { kind: 'error', status: httpStatus, message: 'busy' }, { kind: 'text', text: 'fine now' });
        const { workflowId } = await agents.start({ agent: 'test-tools', prompt: 'hello', model });
        const status = await agents.wait(workflowId);
        assert.equal(status.status, 'completed', status.error);
        assert.equal(requestsOf(provider, model).length, 2, 'the SDK did not retry; Temporal retried once');
        assert.equal((await agents.result(workflowId)).text, 'fine now');
      });
    }

    test('a malformed response fails the run at once', async () => {
      const model = script(provider, { kind: 'raw', status: 200, body: '{}' });
      const { workflowId } = await agents.start({ agent: 'test-tools', prompt: 'hello', model });
      const status = await agents.wait(workflowId);
      assert.equal(status.status, 'failed');
      assert.match(status.error ?? '', /malformed/i);
      assert.equal(requestsOf(provider, model).length, 1);
    });
  });
}
