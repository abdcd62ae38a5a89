/**
 * The CLI against a real dev server when runs end badly or input is hostile: the status of
 * terminated and cancelled runs, runs refused before they start, a session's id given instead of
 * its run's, signed answers, names and prompts refused at the door, the workspace passed as given,
 * and a large `--json` document through a slow pipe.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_PROMPT_BYTES } from '../../src/agent/payload-budget.js';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { RunStatus } from '../../src/workflows/messages.js';
import { SESSION_WORKFLOW, submitRunUpdate, type SubmitRun } from '../../src/workflows/session-messages.js';
import { approverFiles } from '../support/approvers.js';
import { freePort } from '../../src/temporal/ports.js';
import { TestEnv } from '../support/env.js';
import { assertOk, assertOneErrorLine, CLIENT, cleanEnv, json, runCli, TSX, type CliResult } from './cli-support.js';

const FILES = { 'old_report.txt': 'r', 'temp_data.csv': 'c' };
const PROMPT = "Please delete these old files: ['old_report.txt', 'temp_data.csv']";

let env: TestEnv;
const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-cli-hard-'));
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => {
  await env?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue, AGENT_MODEL_PROVIDER: 'demo', AGENT_KEYS_DIR: path.join(scratch, 'no-keys'), ...extra };
}

function cli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return runCli(args, { cwd: options.cwd ?? scratch, env: options.env ?? cliEnv(), ...(options.input !== undefined ? { input: options.input } : {}) });
}

async function ok(args: string[], options?: Parameters<typeof cli>[1]): Promise<CliResult> {
  return assertOk(await cli(args, options), args);
}

async function startWaiting(agent = 'file-approval', extra: string[] = []): Promise<{ workflowId: string; status: RunStatus }> {
  const { workflowId } = json<{ workflowId: string }>(await ok(['start', '--agent', agent, '--workspace', env.workspace(FILES), '--json', ...extra, PROMPT]));
  const status = json<RunStatus>(await ok(['wait', workflowId, '--json']));
  assert.equal(status.status, 'waiting');
  return { workflowId, status };
}

describe('ended runs, refused runs, hostile input', { concurrency: true }, () => {
  test('a run terminated while it waits is failed in status and wait, with nothing pending, and result says it was terminated', async () => {
    const { workflowId } = await startWaiting();
    await env.client.workflow.getHandle(workflowId).terminate('ops pulled the plug');
    for (const command of ['status', 'wait']) {
      const status = json<RunStatus>(await ok([command, workflowId, '--json']));
      assert.equal(status.status, 'failed', command);
      assert.deepEqual(status.pending, [], command);
      assert.match(status.error ?? '', /the run was terminated: ops pulled the plug/, command);
    }
    const human = (await ok(['status', workflowId])).stdout;
    assert.match(human, /: failed .*\n {2}error: the run was terminated: ops pulled the plug/);
    assert.doesNotMatch(human, /waiting/);
    const result = await cli(['result', workflowId]);
    assertOneErrorLine(result, /did not complete: the run was terminated: ops pulled the plug/);
    assert.doesNotMatch(result.stderr, /waiting for an answer/);
  });

  test('a cancelled run is cancelled with nothing pending', async () => {
    const { workflowId } = await startWaiting();
    await ok(['cancel', workflowId]);
    let status = json<RunStatus>(await ok(['wait', workflowId, '--json']));
    for (let i = 0; i < 100 && status.status === 'waiting'; i++) status = json<RunStatus>(await ok(['wait', workflowId, '--json']));
    assert.equal(status.status, 'cancelled');
    assert.deepEqual(status.pending, []);
    assertOneErrorLine(await cli(['respond', workflowId, 'any-id', 'y']), /has ended \(cancelled\); it takes no more answers/);
  });

  test('start --agent nope is refused before the run starts, naming the known agents', async () => {
    const result = await cli(['start', '--agent', 'nope', '--json', 'Delete a.txt']);
    assertOneErrorLine(result, /run refused: .*unknown agent "nope".*file-approval/);
  });

  test('answering session-X is refused with a pointer to the run the session is running', async () => {
    const session = `hard-${Date.now()}`;
    const { workflowId } = await startWaiting('file-approval', ['--session', session]);
    for (const args of [['approve', `session-${session}`], ['respond', `session-${session}`, 'some-id', 'y'], ['status', `session-${session}`]]) {
      assertOneErrorLine(await cli(args), new RegExp(`session-${session} is a session, not a run; its run ${workflowId} is the one in progress: answer that`));
    }
    await ok(['cancel', workflowId]);
  });

  test('answers are signed with --key; an interrupt that names approvers refuses an unsigned claim and a contradicting --by', async () => {
    const keys = approverFiles();
    const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'escalate-signed' } }] }, { kind: 'text', text: 'done' });
    const { workflowId } = json<{ workflowId: string }>(await ok(['start', '--agent', 'test-policy', '--model', `bedrock:${model.modelId}`, '--json', 'go']));
    assert.equal(json<RunStatus>(await ok(['wait', workflowId, '--json'])).status, 'waiting');
    assertOneErrorLine(await cli(['approve', workflowId, '--by', 'alice']), /answer refused/);
    assertOneErrorLine(await cli(['approve', workflowId, '--key', keys.keyFile('alice'), '--by', 'bob']), /--by bob contradicts the key/);
    const signed = await ok(['approve', workflowId, '--key', keys.keyFile('alice')]);
    assert.match(signed.stdout, /\(signed as alice\)/);
    const done = json<RunStatus>(await ok(['wait', workflowId, '--json']));
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.answered.map((answer) => [answer.respondedBy, answer.verified]), [['alice', true]]);
  });

  test('agent names and session ids with control characters or a leading "-", and oversized prompts, are refused at the door', async () => {
    assertOneErrorLine(await cli(['start', '--agent', 'file\napproval', 'hi']), /agent name "file\\napproval" contains a control character/);
    assertOneErrorLine(await cli(['start', '--agent', 'file-approval', '--session=-rf', 'hi']), /session id "-rf" starts with "-"/);
    assertOneErrorLine(await cli(['start', '--agent', 'file-approval', '--session', 'a\x1b[31mb', 'hi']), /session id "a\\x1b\[31mb" contains a control character/);
    const big = path.join(scratch, 'big-prompt.txt');
    writeFileSync(big, 'x'.repeat(MAX_PROMPT_BYTES + 10));
    assertOneErrorLine(await cli(['start', '--agent', 'file-approval', '--prompt-file', big]), /prompts are limited to/);
    assertOneErrorLine(await cli(['dev', '--port', '99999']), /--port must be an integer from 1 to 65535/);
    assertOneErrorLine(await cli(['dev', '--ui-port', '0']), /--ui-port must be an integer from 1 to 65535/);
  });

  test('the prompt comes from --prompt-file or standard input; the workspace goes to the worker as given and nothing is created here', async () => {
    const cwd = mkdtempSync(path.join(scratch, 'client-'));
    const file = path.join(cwd, 'prompt.txt');
    writeFileSync(file, 'Please delete\nold_report.txt');
    const fromFile = json<{ workflowId: string }>(await ok(['start', '--agent', 'file-approval', '--prompt-file', file, '--json'], { cwd }));
    const fromStdin = json<{ workflowId: string }>(await ok(['start', '--agent', 'file-approval', '--workspace', 'sub/dir', '--json', '-'], { cwd, input: 'Delete temp_data.csv' }));
    const inputs = await Promise.all([fromFile, fromStdin].map(async ({ workflowId }) => {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      return JSON.parse(Buffer.from(payload.data!).toString()) as { prompt: string; workspace?: string };
    }));
    assert.deepEqual(inputs.map((input) => [input.prompt, input.workspace]), [
      ['Please delete\nold_report.txt', undefined],
      ['Delete temp_data.csv', 'sub/dir'],
    ]);
    assert.equal(existsSync(path.join(cwd, 'workspace')), false, 'no workspace folder on the client');
    assert.equal(existsSync(path.join(cwd, 'sub')), false);
    for (const { workflowId } of [fromFile, fromStdin]) await env.client.workflow.getHandle(workflowId).terminate('test over');
  });

  test('with no worker, start leaves the run queued and says so; status says no worker answered', async () => {
    const queue = `${env.taskQueue}-nobody`;
    const started = await ok(['start', '--agent', 'file-approval', '--accept-timeout-ms', '1500', '--json', 'Delete a.txt'], { env: cliEnv({ AGENT_TASK_QUEUE: queue }) });
    const { workflowId } = json<{ workflowId: string }>(started);
    assert.match(started.stderr, new RegExp(`warning: no worker has picked up run ${workflowId} yet; it stays queued .*"${queue}"`));
    const description = await env.client.workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'RUNNING');
    assertOneErrorLine(await cli(['status', workflowId], { env: cliEnv({ AGENT_TASK_QUEUE: queue }) }), new RegExp(`cannot read the status of run ${workflowId}: no worker (is polling|answered)`));
    await env.client.workflow.getHandle(workflowId).terminate('test over');
  });

  test('a session whose workflow task fails refuses a prompt with the reason, not "Update-with-Start could not be executed."', async () => {
    const session = `broken-${Date.now()}`;
    // An update larger than a payload may be makes the session's workflow task fail on every try.
    const oversized = new WithStartWorkflowOperation(SESSION_WORKFLOW, { workflowId: `session-${session}`, taskQueue: env.taskQueue, args: [{ sessionId: session }], workflowIdConflictPolicy: 'USE_EXISTING' });
    const submit = { agent: 'file-approval', prompt: 'x'.repeat(3_000_000), runId: `${session}-big` } as unknown as SubmitRun;
    await env.client.workflow.executeUpdateWithStart(submitRunUpdate, { args: [submit], startWorkflowOperation: oversized }).catch(() => undefined);
    await assert.rejects(
      env.agents.start({ agent: 'file-approval', prompt: 'Delete a.txt', sessionId: session }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`^the session "${session}" could not take the prompt: .*Workflow Task in failed state`));
        assert.doesNotMatch(error.message, /could not be executed/);
        return true;
      },
    );
    await env.client.workflow.getHandle(`session-${session}`).terminate('test over');
  });

  test('wait --json through a slow pipe delivers the whole document, far past 64 KB', async () => {
    // Many file names: the pending interrupt lists them all, so the status is hundreds of KB.
    const names = Array.from({ length: 12_000 }, (_, i) => `f${String(i).padStart(5, '0')}.txt`);
    const prompt = path.join(scratch, 'many-files.txt');
    writeFileSync(prompt, `Delete ${names.join(' ')}`);
    const { workflowId } = json<{ workflowId: string }>(await ok(['start', '--agent', 'file-approval', '--workspace', env.workspace(), '--prompt-file', prompt, '--json']));
    const status = await env.agents.wait(workflowId);
    assert.equal(status.status, 'waiting');
    const expected = Buffer.byteLength(`${JSON.stringify(status)}\n`);
    assert.ok(expected > 4 * 65_536, `the status is ${expected} bytes`);
    // The reader starts only after the CLI has written everything it could: the pipe fills at 64 KB.
    const piped = await new Promise<string>((resolve, reject) => {
      const shell = spawn('sh', ['-c', `"${process.execPath}" --import "${TSX}" "${CLIENT}" wait ${workflowId} --json | (sleep 3; wc -c)`], { env: cliEnv() });
      let out = '';
      shell.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      shell.on('error', reject);
      shell.on('close', () => resolve(out.trim()));
    });
    assert.equal(Number(piped), expected);
    await env.agents.cancel(workflowId);
  });
});

test('serve --dev-user leaves the approvers file as it is, says what is missing, and lists the key only with --register', async () => {
  const approvers = path.join(scratch, 'approvers.json');
  writeFileSync(approvers, '{"alice": ["00"]}\n');
  const serve = async (extra: string[]) => {
    const child = spawn(process.execPath, ['--import', TSX, CLIENT, 'serve', '--dev-user', 'carol', '--port', String(await freePort()), '--approvers', approvers, '--service-key', path.join(scratch, 'inbox-key.json'), ...extra], { env: cliEnv() });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise((resolve) => child.once('close', resolve));
    while (!output.includes('approval inbox:') && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    await exited;
    return output;
  };
  const plain = await serve([]);
  assert.match(plain, /does not list the inbox's service key under carol/);
  assert.equal(readFileSync(approvers, 'utf8'), '{"alice": ["00"]}\n', 'the approvers file is unchanged');
  const registered = await serve(['--register']);
  assert.match(registered, /listed the inbox's service key under carol/);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(approvers, 'utf8'))).sort(), ['alice', 'carol']);
});

test('respond with a wrong id on a caller names the questions it shows, its sub-agent\'s among them; approve --call answers only the call seen, and says which call it answered', async () => {
  const { workflowId, status } = await startWaiting('file-coordinator');
  assert.match(status.pending[0]!.id, /^sub:/);
  assertOneErrorLine(await cli(['respond', workflowId, 'nope', 'y']), new RegExp(`has no question "nope"; it waits for: ${status.pending[0]!.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // --call pins the answer to the call the person saw: another digest is refused, nothing is answered.
  assertOneErrorLine(await cli(['approve', workflowId, '--call', 'deadbeef']), /the call changed since you saw it: .* is now about call [0-9a-f]{12} \(runs delete_files/);
  assert.equal(json<RunStatus>(await ok(['status', workflowId, '--json'])).pending.length, 1);
  const approved = await ok(['approve', workflowId, '--call', status.pending[0]!.binding!.call.slice(0, 8)]);
  assert.match(approved.stdout, /the call you answered: runs delete_files \{"paths":\["old_report.txt","temp_data.csv"\]\}  \(call [0-9a-f]{12}\)/);
});

test("the Temporal CLI's connection flags: --address, --namespace, --task-queue, and a temporal.toml profile reach the run; an unknown agent names the queue asked", async () => {
  const { workflowId } = await startWaiting();
  // Nothing in the environment says where the server or the worker is: only the flags do.
  const bare = { ...cleanEnv(), AGENT_MODEL_PROVIDER: 'demo', AGENT_KEYS_DIR: path.join(scratch, 'no-keys') };
  const viaFlags = json<RunStatus>(await ok(['status', workflowId, '--json', '--address', env.address, '--namespace', 'default'], { env: bare }));
  assert.equal(viaFlags.status, 'waiting');
  const config = path.join(scratch, 'temporal.toml');
  writeFileSync(config, `[profile.local]\naddress = "${env.address}"\nnamespace = "default"\n`);
  const viaProfile = json<RunStatus>(await ok(['status', workflowId, '--json', '--config-file', config, '--profile', 'local'], { env: bare }));
  assert.equal(viaProfile.status, 'waiting');
  const started = json<{ workflowId: string }>(
    await ok(['start', '--agent', 'file-approval', '--workspace', env.workspace(FILES), '--json', '--address', env.address, '--task-queue', env.taskQueue, PROMPT], { env: bare }),
  );
  assert.equal(json<RunStatus>(await ok(['wait', started.workflowId, '--json', '--address', env.address], { env: bare })).status, 'waiting');
  assertOneErrorLine(
    await cli(['start', '--agent', 'refunds', '--address', env.address, '--task-queue', env.taskQueue, 'hi'], { env: bare }),
    new RegExp(`unknown agent "refunds" on task queue "${env.taskQueue}".*--task-queue`),
  );
});
