/**
 * The first hour, as a newcomer lives it: an empty project installs the packed package, runs
 * `npx hitl init`, `npm install` and `npm test` (no `temporal` on PATH, no model credentials),
 * then the project's worker and start script against a dev server, answered with the packed
 * `hitl`. On the way: `--model scripted:FILE` on a worker that configured no `scripted` provider,
 * and a run without a model refused (the demo model cannot drive this agent).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolsDir } from '../../src/temporal/binaries.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import { cleanEnv, npm, packPackage, pathWithoutTemporal, run, startUntil, stop, type Ran } from './package-support.js';

const scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'hitl-init-')));
const project = path.join(scratch, 'shop');
const refundsLog = path.join(project, 'refunds.log');
const queue = `refunds-${process.pid}`;

let server: TestWorkflowEnvironment | undefined;
let worker: ChildProcess | undefined;
let tarball: string;

/** A machine with no `temporal` on PATH and no model credentials (AWS files included); `extra` adds the server and such. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { OPENAI_API_KEY: _openai, ANTHROPIC_API_KEY: _anthropic, ...env } = cleanEnv();
  return {
    ...env,
    PATH: pathWithoutTemporal(),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-aws-credentials'),
    AWS_CONFIG_FILE: path.join(scratch, 'no-aws-config'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** The project's environment against the test's dev server, on a task queue of its own. */
const projectEnv = (extra: NodeJS.ProcessEnv = {}) => bareEnv({ TEMPORAL_ADDRESS: server!.address, REFUNDS_TASK_QUEUE: queue, ...extra });

const npx = (args: string[], env = projectEnv()): Promise<Ran> => run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no', ...args], { cwd: project, env, timeoutMs: 5 * 60_000 });
const hitl = (args: string[], env = projectEnv()) => npx(['hitl', ...args], env);

/** The refunds the project's tool wrote, one JSON line each. */
function refunds(): Array<{ orderId: string; amount: number }> {
  if (!existsSync(refundsLog)) return [];
  return readFileSync(refundsLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { orderId: string; amount: number });
}

async function statusOf(workflowId: string): Promise<RunStatus> {
  return JSON.parse((await hitl(['wait', workflowId, '--json'])).stdout) as RunStatus;
}

before(async () => {
  tarball = (await packPackage(scratch)).tarball;
  mkdirSync(project);
  await npm(['init', '-y'], project);
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
});

after(async () => {
  if (worker) await stop(worker);
  await server?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

test('npx hitl init adds a runnable agent, merges package.json, and overwrites nothing when run again', async () => {
  const { stdout } = await hitl(['init'], bareEnv());
  for (const file of ['src/agents.ts', 'src/tools.ts', 'src/worker.ts', 'src/start.ts', 'src/refunds.test.ts', 'refunds-script.json', 'tsconfig.json']) {
    assert.ok(existsSync(path.join(project, file)), `${file} was written`);
    assert.match(stdout, new RegExp(`created ${file.replaceAll('.', '\\.')}`));
  }
  for (const next of ['npm install', 'npm test', 'npm run worker', 'npm start', 'npx hitl approve RUN']) assert.ok(stdout.includes(next), `says: ${next}`);
  const manifest = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
  assert.equal(manifest.type, 'module');
  assert.deepEqual(Object.keys(manifest.scripts).sort(), ['start', 'test', 'worker']);
  assert.equal(manifest.dependencies['durable-hitl-agents'], `file:${path.relative(project, tarball)}`, 'the installed package is kept as it was');
  assert.equal(manifest.devDependencies.typescript, '5.9.3');

  // The split: the workflow half imports nothing from Node; the tool body comes from the worker entry.
  const agents = readFileSync(path.join(project, 'src', 'agents.ts'), 'utf8');
  assert.match(agents, /from 'durable-hitl-agents\/workflow'/);
  assert.doesNotMatch(agents, /node:|durable-hitl-agents\/worker/);
  assert.match(readFileSync(path.join(project, 'src', 'tools.ts'), 'utf8'), /implementTool\(issueRefund/);

  const before = readFileSync(path.join(project, 'src', 'agents.ts'), 'utf8');
  const again = await hitl(['init'], bareEnv()).then(
    () => assert.fail('a second init must refuse'),
    (error: Error) => error.message,
  );
  assert.match(again, /error: src\/agents\.ts, .* exist already; hitl init wrote nothing \(hitl init --force overwrites them\)/);
  assert.equal(readFileSync(path.join(project, 'src', 'agents.ts'), 'utf8'), before);
});

test("the project's npm test passes offline, with no temporal on PATH and no model credentials", async () => {
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
  // The dev server comes from the tools folder this repo already filled (package.test.ts tests the fetch itself).
  const { stdout } = await npm(['test'], project, { PATH: pathWithoutTemporal(), AGENT_TOOLS_DIR: toolsDir(), AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'none') });
  assert.match(stdout, /(#|ℹ) pass 2\b/);
  assert.match(stdout, /(#|ℹ) fail 0\b/);
  assert.ok(existsSync(path.join(project, 'dist', 'worker.js')), 'tsc compiled the project to dist/');
});

test('npm run worker + npm start wait for a person; npx hitl approve runs the refund exactly once', async () => {
  server = await startDevServer();
  worker = await startUntil(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'worker'], /refunds worker ready/, { cwd: project, env: projectEnv(), group: true });

  const { stdout } = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start'], { cwd: project, env: projectEnv() });
  const workflowId = /started run (\S+)/.exec(stdout)?.[1];
  assert.ok(workflowId, `npm start prints the run id:\n${stdout}`);
  assert.match(stdout, /it waits for a person: may it run issue_refund \{"orderId":"A-1","amount":20\}\?/);
  assert.ok(stdout.includes(`npx hitl approve ${workflowId}`), 'says how to approve it');
  assert.deepEqual(refunds(), [], 'nothing is refunded before the approval');

  await hitl(['approve', workflowId]);
  const status = await statusOf(workflowId);
  assert.equal(status.status, 'completed');
  assert.match((await hitl(['result', workflowId])).stdout, /Finished with order A-1/);
  assert.deepEqual(refunds().map(({ orderId, amount }) => ({ orderId, amount })), [{ orderId: 'A-1', amount: 20 }]);
});

test('hitl start --model scripted:FILE drives the agent on a worker that configured no scripted model; a denial runs nothing', async () => {
  const cli = projectEnv({ AGENT_TASK_QUEUE: queue });
  const { stdout } = await hitl(['start', '--json', '--agent', 'refunds', '--model', 'scripted:refunds-script.json', 'Refund order A-1 again'], cli);
  const { workflowId } = JSON.parse(stdout) as { workflowId: string };
  const waiting = await statusOf(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.deepEqual(waiting.pending.map((question) => [question.toolName, question.toolInput]), [['issue_refund', { orderId: 'A-1', amount: 20 }]]);
  await hitl(['deny', workflowId, '--reason', 'refunded already'], cli);
  assert.equal((await statusOf(workflowId)).status, 'completed');
  assert.equal(refunds().length, 1, 'the denied refund did not run');
});

test('a run without a model is refused with the models to choose, not finished by the demo model', async () => {
  const cli = projectEnv({ AGENT_TASK_QUEUE: queue });
  const { stdout } = await hitl(['start', '--json', '--agent', 'refunds', 'Refund order C-3: 5 EUR'], cli);
  const { workflowId } = JSON.parse(stdout) as { workflowId: string };
  const status = await statusOf(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /offline demo model, which only drives the example file agents; start this agent with a model: --model scripted:FILE/);
  assert.equal(status.modelCalls, 0, 'the demo model answered nothing');
  assert.equal(refunds().length, 1);
});
