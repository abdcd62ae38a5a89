/**
 * Encrypted payloads through real runs on a dev server: what the server holds (history, summaries,
 * current details, failure messages) carries no prompt text, while the worker, the client library
 * and the CLI read everything; a run started under one key finishes after a rotation to another.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import proto from '@temporalio/proto';
import { parseKey } from '../../src/codec/keys.js';
import { AgentApprovers, AgentQuestion, AgentTool, AgentWaitingSince } from '../../src/workflows/search-attributes.js';
import { TestEnv } from '../support/env.js';
import { assertOk, cleanEnv, json, runCli } from './cli-support.js';
import type { RunStatus } from '../../src/workflows/messages.js';

const SECRET = 'quokka-ledger-4471';
const FILES = { [`${SECRET}.txt`]: 'ultramarine payroll figures', 'b.txt': 'b' };
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

let env: TestEnv;
before(async () => {
  process.env.PAYLOAD_ENCRYPTION_KEY = keyA;
  delete process.env.PAYLOAD_ENCRYPTION_OLD_KEYS;
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => {
  await env?.teardown();
  delete process.env.PAYLOAD_ENCRYPTION_KEY;
  delete process.env.PAYLOAD_ENCRYPTION_OLD_KEYS;
});


/** The run's whole history as the server keeps it, read with no codec: its protobuf bytes. */
async function rawHistory(workflowId: string): Promise<Buffer> {
  const history = await env.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
}

/** The key ids of the encrypted payloads in a raw history. */
function keyIdsIn(history: Buffer): Set<string> {
  return new Set([...history.toString('latin1').matchAll(/encryption-key-id\x12\x10([0-9a-f]{16})/g)].map((match) => match[1]!));
}

function cli(args: string[], keys: Record<string, string>) {
  return runCli([...args, '--json'], { env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue, ...keys }, cwd: process.cwd() });
}

test('the server holds no prompt text, tool input or result in clear; the client and the CLI read the run', async () => {
  const prompt = `Please delete ${SECRET}.txt and b.txt`;
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt, model: env.deletingModel(Object.keys(FILES)), workspace: env.workspace(FILES) });
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.deepEqual(waiting.pending[0]!.toolInput, { paths: Object.keys(FILES) });

  // The Web UI's current details come from a query: its answer is encrypted on the way too.
  const { queryResult } = await env.client.workflowService.queryWorkflow({
    namespace: 'default',
    execution: { workflowId },
    query: { queryType: '__temporal_workflow_metadata' },
  });
  const metadata = Buffer.from(proto.temporal.api.common.v1.Payloads.encode(queryResult ?? {}).finish()).toString('latin1');
  assert.match(metadata, /binary\/encrypted/);
  assert.ok(!metadata.includes(SECRET));

  // Visibility is stored in clear: the inbox's row keeps who may answer and since when, not the question or its tool.
  const listed = (await env.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
  assert.ok(listed.get(AgentWaitingSince) instanceof Date && listed.get(AgentApprovers) !== undefined, 'the row is in the inbox');
  assert.deepEqual([listed.get(AgentQuestion), listed.get(AgentTool)], [undefined, undefined]);

  // The CLI with the key reads the run and answers it; without the key it cannot read it.
  const status = json<RunStatus>(assertOk(await cli(['status', workflowId], { PAYLOAD_ENCRYPTION_KEY: keyA }), ['status']));
  assert.equal(status.pending[0]!.toolName, 'delete_files');
  assert.deepEqual(status.pending[0]!.toolInput, { paths: Object.keys(FILES) });
  const blind = await cli(['status', workflowId], {});
  assert.notEqual(blind.code, 0);
  assert.ok(!blind.stdout.includes(SECRET));
  assertOk(await cli(['approve', workflowId, '--by', 'alice'], { PAYLOAD_ENCRYPTION_KEY: keyA }), ['approve']);

  const result = await env.agents.result(workflowId);
  assert.match(result.text, new RegExp(`Successfully deleted files: ${SECRET}.txt, b.txt`));
  const history = await rawHistory(workflowId);
  const summary = await (await env.client.workflow.getHandle(workflowId).describe()).staticSummary();
  assert.match(summary ?? '', /quokka\\-ledger\\-4471/, 'the client decodes the summary (markdown-escaped)');
  // In clear stay only what the server must read: search attributes (status, agent) and the SDK's patch markers.
  for (const clear of [SECRET, 'Please delete', 'ultramarine', 'delete_files', 'filemanager-approval', 'alice']) assert.ok(!history.includes(clear), `"${clear}" is in the raw history`);
  assert.deepEqual([...keyIdsIn(history)], [parseKey(keyA, 'A').id]);
});

test('a failure message travels encrypted: the server holds none, the client reads it', async () => {
  const model = env.model({ kind: 'error', type: 'ValidationException', status: 400, message: `model refuses ${SECRET}` });
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete b.txt', model, workspace: env.workspace(FILES) });
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(JSON.stringify(status), new RegExp(`model refuses ${SECRET}`));
  const history = await rawHistory(workflowId);
  assert.ok(!history.includes(SECRET));
  assert.ok(!history.includes('ValidationException: model'), 'no failure message in clear');
});

test('key rotation: a run parked under key A finishes under key B (A kept as an old key)', async () => {
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: `delete ${SECRET}.txt`, model: env.deletingModel(Object.keys(FILES)), workspace: env.workspace(FILES) });
  const waiting = await env.agents.wait(workflowId);

  // The rotation: every worker and client restarts with B current and A among the old keys.
  process.env.PAYLOAD_ENCRYPTION_KEY = keyB;
  process.env.PAYLOAD_ENCRYPTION_OLD_KEYS = keyA;
  await env.restartWorkers();
  const answer = await cli(['approve', workflowId, waiting.pending[0]!.id], { PAYLOAD_ENCRYPTION_KEY: keyB, PAYLOAD_ENCRYPTION_OLD_KEYS: keyA });
  assertOk(answer, ['approve']);
  const done = json<RunStatus>(assertOk(await cli(['wait', workflowId], { PAYLOAD_ENCRYPTION_KEY: keyB, PAYLOAD_ENCRYPTION_OLD_KEYS: keyA }), ['wait']));
  assert.equal(done.status, 'completed');
  const result = json<{ text: string }>(assertOk(await cli(['result', workflowId], { PAYLOAD_ENCRYPTION_KEY: keyB, PAYLOAD_ENCRYPTION_OLD_KEYS: keyA }), ['result']));
  assert.match(result.text, /Successfully deleted files/);
  // Both keys sealed parts of the one history; with B alone, A's part is unreadable, and the error names A's key id.
  assert.deepEqual([...keyIdsIn(await rawHistory(workflowId))].sort(), [parseKey(keyA, 'A').id, parseKey(keyB, 'B').id].sort());
  const withoutA = await cli(['status', workflowId], { PAYLOAD_ENCRYPTION_KEY: keyB });
  assert.notEqual(withoutA.code, 0);
  assert.match(withoutA.stderr, new RegExp(parseKey(keyA, 'A').id));
});

test('a worker without the run\'s key: status names the key id it cannot decrypt, not "is it an agent run?"', async () => {
  // The workers know only key C; the CLI seals the run with B.
  const keyC = randomBytes(32).toString('base64');
  process.env.PAYLOAD_ENCRYPTION_KEY = keyC;
  delete process.env.PAYLOAD_ENCRYPTION_OLD_KEYS;
  await env.restartWorkers();
  const started = json<{ workflowId: string }>(assertOk(await cli(['start', '--agent', 'file-approval', '--workspace', env.workspace(FILES), '--accept-timeout-ms', '2000', 'delete b.txt'], { PAYLOAD_ENCRYPTION_KEY: keyB }), ['start']));
  const status = await cli(['status', started.workflowId], { PAYLOAD_ENCRYPTION_KEY: keyB });
  assert.notEqual(status.code, 0);
  assert.match(status.stderr, new RegExp(`its worker cannot run it: .*key id "?${parseKey(keyB, 'B').id}`));
  assert.doesNotMatch(status.stderr, /is it an agent run/);
  // Given the key again, the worker runs it (and every history of this file replays at the end).
  process.env.PAYLOAD_ENCRYPTION_KEY = keyB;
  process.env.PAYLOAD_ENCRYPTION_OLD_KEYS = `${keyA},${keyC}`;
  await env.restartWorkers();
  assert.equal(json<RunStatus>(assertOk(await cli(['wait', started.workflowId], { PAYLOAD_ENCRYPTION_KEY: keyB }), ['wait'])).status, 'waiting');
});
