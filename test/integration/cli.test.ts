/**
 * The real CLI (`src/client.ts`) as a child process against a real dev server: shapes that
 * scripts rely on, one-line errors, the `temporal` CLI's signal and query, `run` with piped
 * stdin, and the self-contained `demo`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DENIED_MESSAGE } from '../../src/agents/file-approval.js';
import { DEMO_FILES } from '../../src/cli/demo-workspace.js';
import { NO_CREDENTIALS_NOTICE } from '../../src/cli/model-choice.js';
import { findTemporalCli } from '../../src/temporal/binaries.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import { TestEnv } from '../support/env.js';
import { assertOk, assertOneErrorLine, cleanEnv, json, runCli, type CliResult } from './cli-support.js';

const TEMPORAL = findTemporalCli();
const FILES = { 'old_report.txt': 'r', 'temp_data.csv': 'c' };
const PROMPT = "Please delete these old files: ['old_report.txt', 'temp_data.csv']";

let env: TestEnv;
const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-cli-'));
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => {
  await env?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runCli(args, {
    cwd: options.cwd ?? scratch,
    env: options.env ?? { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue, AGENT_MODEL_PROVIDER: 'demo' },
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

async function ok(args: string[], options?: Parameters<typeof cli>[1]): Promise<CliResult> {
  return assertOk(await cli(args, options), args);
}

async function startWaiting(agent: string, workspace: string): Promise<{ workflowId: string; status: RunStatus }> {
  const started = await ok(['start', '--agent', agent, '--workspace', workspace, '--json', PROMPT]);
  const { workflowId } = json<{ workflowId: string }>(started);
  assert.deepEqual(Object.keys(json(started)), ['workflowId']);
  const status = json<RunStatus>(await ok(['wait', workflowId, '--json']));
  assert.equal(status.status, 'waiting');
  return { workflowId, status };
}

const present = (workspace: string) => Object.keys(FILES).filter((name) => existsSync(path.join(workspace, name)));

describe('cli against a dev server', { concurrency: true }, () => {
  test('start, wait, respond to an unknown id, approve, result', async () => {
    const workspace = env.workspace(FILES);
    const { workflowId, status } = await startWaiting('file-approval', workspace);
    assert.equal(status.pending.length, 1);
    const [interrupt] = status.pending;
    assert.equal(interrupt!.name, 'filemanager-approval');
    assert.equal(interrupt!.toolName, 'delete_files');
    assert.deepEqual(interrupt!.toolInput, { paths: Object.keys(FILES) });

    assertOneErrorLine(await cli(['respond', workflowId, 'no-such-interrupt', 'y']), /"no-such-interrupt"/);
    assert.deepEqual(present(workspace), Object.keys(FILES), 'nothing deleted yet');
    // The signal is unchecked: the run records what it ignored instead of failing.
    await ok(['respond', workflowId, 'no-such-interrupt', 'y', '--signal']);
    let ignored: RunStatus['ignored'] = [];
    for (let attempt = 0; attempt < 20 && ignored.length === 0; attempt++) {
      ignored = json<RunStatus>(await ok(['status', workflowId, '--json'])).ignored;
    }
    assert.equal(ignored[0]?.interruptId, 'no-such-interrupt');

    const approved = json<RunStatus>(await ok(['approve', workflowId, '--json', '--by', 'alice']));
    assert.equal(approved.answered[0]?.respondedBy, 'alice');
    const result = json<{ text: string; interrupts: Array<{ response: unknown }> }>(await ok(['result', workflowId, '--json']));
    assert.match(result.text, /Successfully deleted files: old_report.txt, temp_data.csv/);
    assert.equal(result.interrupts[0]?.response, 'y');
    assert.deepEqual(present(workspace), []);
    assert.equal((await ok(['result', workflowId])).stdout.trim(), result.text);
  });

  test('deny --reason keeps the files', async () => {
    const workspace = env.workspace(FILES);
    const { workflowId, status } = await startWaiting('file-approval', workspace);
    await ok(['deny', workflowId, status.pending[0]!.id, '--reason', 'keep them']);
    const result = json<{ text: string; interrupts: Array<{ response: unknown; reason?: string }> }>(await ok(['result', workflowId, '--json']));
    assert.match(result.text, new RegExp(DENIED_MESSAGE));
    assert.equal(result.interrupts[0]?.response, 'n');
    assert.equal(result.interrupts[0]?.reason, 'keep them');
    assert.deepEqual(present(workspace), Object.keys(FILES));
  });

  test('status of an unknown run is one error line', async () => {
    assertOneErrorLine(await cli(['status', 'no-such-run']), /no-such-run/);
  });

  test('the temporal CLI queries the status and answers with the respond signal', { skip: !TEMPORAL && !process.env.CI && 'no temporal CLI' }, async () => {
    const run = promisify(execFile);
    const workspace = env.workspace(FILES);
    const { workflowId, status } = await startWaiting('file-approval', workspace);
    const common = ['--address', env.address, '--workflow-id', workflowId];
    const query = await run(TEMPORAL!, ['workflow', 'query', ...common, '--type', 'status']);
    assert.match(query.stdout, /"status":"waiting"/);
    // What the query showed: the question's id and the binding an answer repeats.
    const { id, binding } = status.pending[0]!;
    assert.ok(query.stdout.includes(binding!.call), 'the query shows the binding to copy');
    const input = JSON.stringify({ interruptId: id, response: 'y', binding });
    await run(TEMPORAL!, ['workflow', 'signal', ...common, '--name', 'respond', '--input', input]);
    const done = json<RunStatus>(await ok(['wait', workflowId, '--json']));
    assert.equal(done.status, 'completed');
    assert.deepEqual(present(workspace), []);
  });

  test('the temporal CLI answers with the respond update: a wrong id is refused with the reason, a right one applies', { skip: !TEMPORAL && !process.env.CI && 'no temporal CLI' }, async () => {
    const run = promisify(execFile);
    const workspace = env.workspace(FILES);
    const { workflowId, status } = await startWaiting('file-approval', workspace);
    const update = (input: object) =>
      run(TEMPORAL!, ['workflow', 'update', 'execute', '--address', env.address, '--workflow-id', workflowId, '--name', 'respond', '--input', JSON.stringify(input), '--output', 'json']);
    const refused = await update({ interruptId: 'hook:nope', response: 'y' }).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(refused ?? 'accepted', /unknown interrupt id "hook:nope"/);
    const unbound = await update({ interruptId: status.pending[0]!.id, response: 'n' }).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(unbound ?? 'accepted', /takes only answers bound to the call they approve/);
    const accepted = await update({ interruptId: status.pending[0]!.id, response: 'n', respondedBy: 'ops-oncall', reason: 'not today', binding: status.pending[0]!.binding });
    assert.match(accepted.stdout, /"status":\s*"(running|completed)"/);
    const done = json<RunStatus>(await ok(['wait', workflowId, '--json']));
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.answered.map((a) => [a.response, a.respondedBy, a.reason]), [['n', 'ops-oncall', 'not today']]);
    assert.deepEqual(present(workspace), Object.keys(FILES).sort());
  });

  test('approve --edit narrows the delete; a bad edit and trust under "!tool" are one-line refusals', async () => {
    const workspace = env.workspace(FILES);
    const { workflowId } = await startWaiting('policy-approval', workspace);
    assertOneErrorLine(await cli(['approve', workflowId, '--edit', '{not json']), /--edit takes the tool's new input as JSON/);
    assertOneErrorLine(await cli(['approve', workflowId, '--edit', '{"paths":[]}']), /the edited input does not fit delete_files's schema: paths: /);
    assertOneErrorLine(await cli(['trust', workflowId]), /delete_files cannot be trusted under this policy/);
    await ok(['approve', workflowId, '--edit', '{"paths":["temp_data.csv"]}', '--by', 'editor']);
    const done = json<RunStatus>(await ok(['wait', workflowId, '--json']));
    assert.equal(done.status, 'completed');
    assert.deepEqual(present(workspace), ['old_report.txt'], 'only the edited path was deleted');
    // The edit is recorded with both inputs (the policy then checks the edited call again).
    const edit = done.decisions.find((decision) => (decision.detail as { effective?: unknown } | undefined)?.effective !== undefined);
    assert.deepEqual(edit?.detail, { by: 'editor', proposed: { paths: Object.keys(FILES) }, effective: { paths: ['temp_data.csv'] } });
  });

  test('trust remembers the tool in the session; session show lists it and session revoke removes it', async () => {
    const workspace = env.workspace(FILES);
    const session = `cli-${Date.now()}`;
    const started = json<{ workflowId: string }>(await ok(['start', '--agent', 'policy-trust', '--session', session, '--workspace', workspace, '--json', PROMPT]));
    assert.equal(json<RunStatus>(await ok(['wait', started.workflowId, '--json'])).status, 'waiting');
    await ok(['trust', started.workflowId]);
    assert.equal(json<RunStatus>(await ok(['wait', started.workflowId, '--json'])).status, 'completed');
    let view = json<{ state: Record<string, unknown>; active?: unknown }>(await ok(['session', 'show', session, '--json']));
    for (let i = 0; view.active && i < 50; i++) view = json(await ok(['session', 'show', session, '--json']));
    assert.equal(view.state['trust.delete_files'], true);
    const revoked = json<{ state: Record<string, unknown> }>(await ok(['session', 'revoke', session, '--json']));
    assert.deepEqual(revoked.state, {});
    assertOneErrorLine(await cli(['session', 'revoke', session]), /holds no trust to revoke/);
  });

  test('run asks on the terminal and reads the answer from piped stdin', async () => {
    const workspace = env.workspace(FILES);
    const { stdout } = await ok(['run', '--agent', 'file-approval', '--workspace', workspace, PROMPT], { input: 'y\n' });
    assert.match(stdout, /--- FILEMANAGER-APPROVAL ---/);
    assert.match(stdout, /Approve deleting these files\? \(y\/N\)/);
    assert.match(stdout, /paths: old_report.txt, temp_data.csv/);
    assert.match(stdout, /Your answer \(y\/N\): y/);
    assert.match(stdout, /Successfully deleted files: old_report.txt, temp_data.csv/);
    assert.match(stdout, /stop reason: end_turn/);
    assert.deepEqual(present(workspace), []);
  });

  test("start says nothing of this machine's AWS credentials (they are the worker's business)", async () => {
    const home = mkdtempSync(path.join(scratch, 'home-'));
    const workspace = env.workspace(FILES);
    const started = await ok(['start', '--agent', 'file-approval', '--workspace', workspace, '--json', PROMPT], {
      env: { ...cleanEnv(), HOME: home, TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue },
    });
    assert.equal(started.stderr.trim(), '');
    const { workflowId } = json<{ workflowId: string }>(started);
    assert.equal(json<RunStatus>(await ok(['wait', workflowId, '--json'])).status, 'waiting');
    await ok(['cancel', workflowId]);
  });

  test('demo --answer n runs its own worker, says it has no AWS credentials (the worker runs here), and keeps the files', async () => {
    const cwd = mkdtempSync(path.join(scratch, 'demo-'));
    const demoEnv = { ...cleanEnv(), HOME: mkdtempSync(path.join(scratch, 'home-')), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: `${env.taskQueue}-demo` };
    const result = await ok(['demo', '--answer', 'n', '--json'], { cwd, env: demoEnv });
    const output = json<{ workspace: string; remaining: string[]; result: { text: string } }>(result);
    const names = Object.keys(DEMO_FILES).sort();
    assert.deepEqual(output.remaining, names);
    assert.match(output.result.text, new RegExp(DENIED_MESSAGE));
    assert.equal(path.dirname(output.workspace), path.join(cwd, 'workspace'));
    assert.match(path.basename(output.workspace), /^demo-/);
    assert.deepEqual(readdirSync(output.workspace).sort(), names);
    assert.match(result.stderr, /FILEMANAGER-APPROVAL/);
    assert.ok(result.stderr.includes(NO_CREDENTIALS_NOTICE), result.stderr);
  });
});

test('an unknown command and a missing argument are one line each', async () => {
  const offline = { ...cleanEnv(), TEMPORAL_ADDRESS: '127.0.0.1:1' };
  assertOneErrorLine(await cli(['frobnicate'], { env: offline }), /unknown command 'frobnicate'/);
  assertOneErrorLine(await cli(['status'], { env: offline }), /missing required argument/);
});
