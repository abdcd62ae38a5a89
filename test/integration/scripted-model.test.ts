/**
 * `--model scripted:FILE` end to end: the CLI reads and checks the script and sends it with the
 * run; the worker's built-in `scripted` provider answers from the conversation, so a worker
 * restart mid-run changes nothing (and the teardown replays every history). A run without a model
 * on a worker whose `auto` is the demo model fails at once, naming the models to choose, when the
 * demo model cannot drive the agent; the example file agents still run on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ScriptedTurn } from '../../src/agent/scripted-turns.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';
import { assertOk, assertOneErrorLine, cleanEnv, json, runCli } from './cli-support.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-scripted-'));
let env: TestEnv;

before(async () => {
  // This worker has no AWS credentials: its `auto` model is the offline demo model.
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(scratch, 'no-credentials');
  process.env.AWS_CONFIG_FILE = path.join(scratch, 'no-config');
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => {
  await env?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

function script(name: string, turns: ScriptedTurn[] | string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, typeof turns === 'string' ? turns : JSON.stringify(turns, null, 2));
  return file;
}

const cli = (args: string[]) => runCli(args, { cwd: scratch, env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue } });

async function start(args: string[]): Promise<string> {
  const started = assertOk(await cli(['start', '--json', ...args]), args);
  return json<{ workflowId: string }>(started).workflowId;
}

const recorded = (label: string) => readLedger(env.ledger).filter((entry) => entry.tool === 'record_action' && entry.label === label).length;

test('hitl start --model scripted:FILE runs the script on the default scripted provider, across a worker restart', async () => {
  const file = script('record.json', [{ tools: [{ name: 'record_action', input: { label: 'scripted-1' } }] }, { text: 'Recorded scripted-1.' }]);
  const workflowId = await start(['--agent', 'test-guarded', '--model', `scripted:${file}`, 'record it']);
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.deepEqual(waiting.pending.map((question) => [question.toolName, question.toolInput]), [['record_action', { label: 'scripted-1' }]]);

  // A fresh worker: no cache of the run or its conversation, and a scripted provider of its own.
  await env.restartWorkers();
  await env.agents.respond(workflowId, await env.bound(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' }));
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'Recorded scripted-1.');
  assert.equal(recorded('scripted-1'), 1);

  // What people read says which model, not the script's JSON.
  const text = assertOk(await cli(['start', '--agent', 'test-guarded', '--model', `scripted:${file}`, 'again']), ['start']);
  assert.match(text.stdout, /model scripted \(2 turns\)/);
});

test('a run that asks for more turns than the script has fails at once, saying so', async () => {
  const file = script('short.json', [{ tools: [{ name: 'record_action', input: { label: 'scripted-short' } }] }]);
  const workflowId = await start(['--agent', 'test-tools', '--model', `scripted:${file}`, 'record it']);
  const result = await env.agents.wait(workflowId);
  assert.equal(result.status, 'failed');
  assert.match(result.error ?? '', /the scripted model has 1 turn and the run asked for turn 2/);
  assert.equal(recorded('scripted-short'), 1, 'the scripted tool call ran before the script ran out');
});

test('a malformed, oversized or missing script is refused at the CLI in one line, and starts nothing', async () => {
  const bad = script('bad.json', '[{"tools": [{"name": "record_action", "input": "scripted-bad"}]}]');
  assertOneErrorLine(await cli(['start', '--agent', 'test-guarded', '--model', `scripted:${bad}`, 'x']), /--model: the script ".*bad\.json", turn 1: tools\[0\]\.input must be a JSON object/);
  const typo = script('typo.json', '[{"txt": "done"}]');
  assertOneErrorLine(await cli(['run', '--agent', 'test-guarded', '--model', `scripted:${typo}`, 'x']), /turn 1 must have either "text" .* or "tools" .*; it has "txt"/);
  const big = script('big.json', [{ text: 'x'.repeat(9000) }]);
  assertOneErrorLine(await cli(['start', '--agent', 'test-guarded', '--model', `scripted:${big}`, 'x']), /may hold at most 8192/);
  assertOneErrorLine(await cli(['start', '--agent', 'test-guarded', '--model', 'scripted:nope.json', 'x']), /cannot read the script "nope\.json": no such file/);
});

test('without a model, an agent the demo model cannot drive fails at once and says which model to pick; file agents still run', async () => {
  const workflowId = await start(['--agent', 'test-guarded', 'record something']);
  const failed = await env.agents.wait(workflowId);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /only drives the example file agents; start this agent with a model: --model scripted:FILE \(offline.*bedrock:…, openai:…, anthropic:…/);
  assert.doesNotMatch(failed.error ?? '', /found no file names/);

  const workspace = env.workspace({ 'old.txt': 'x' });
  const files = await start(['--agent', 'file-approval', '--workspace', workspace, 'Delete old.txt']);
  const asking = await env.agents.wait(files);
  assert.equal(asking.status, 'waiting', 'the demo model drove the file agent to its approval');
  assert.equal(asking.pending[0]?.toolName, 'delete_files');
  await env.agents.cancel(files);
});
