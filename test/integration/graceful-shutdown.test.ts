/**
 * Graceful shutdown: SIGTERM to a worker finishes its running tool within the grace, or hands it
 * back to another worker, and says which; the worker exits 0 within the grace (plus the few
 * seconds it gives a tool that ignores the shutdown). SIGTERM to `serve` ends its event streams,
 * refuses new connections, lets the request under way finish and exits 0.
 *
 * Real processes against a real Temporal dev server: the workers are graceful-shutdown-worker.ts
 * (the CLI's worker path with a slow, idempotent `record_action`), `serve` is the CLI itself.
 * Every execution of the tool is in its ledger, so "exactly once" is counted, not assumed. The
 * machine may be slow and loaded: times are only checked against the bound plus generous slack.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { scriptedModel } from '../../src/agent/scripted-turns.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { freePort } from '../../src/temporal/ports.js';
import { TestEnv, testBundle } from '../support/env.js';
import { withRunDeadline } from '../support/run-checks.js';
import { readLedger } from '../support/test-tools.js';
import { CLIENT, cleanEnv, TSX } from './cli-support.js';
import type { GracefulLedgerEntry } from './graceful-shutdown-worker.js';

const WORKER = fileURLToPath(new URL('./graceful-shutdown-worker.ts', import.meta.url));
/** What a loaded 2-core machine may add to any bound: process start-up, a slow event loop. */
const SLACK_MS = 30_000;
/** How long the SDK waits, after the grace, for a tool that ignores the shutdown (worker-shutdown.ts). */
const FORCE_MARGIN_MS = 3_000;

let env: TestEnv;
let scratch: string;
let bundleFile: string;
const children = new Set<ChildProcess>();

before(async () => {
  env = await TestEnv.start();
  scratch = mkdtempSync(path.join(tmpdir(), 'graceful-shutdown-'));
  bundleFile = path.join(scratch, 'workflows.js');
  writeFileSync(bundleFile, (await testBundle()).code);
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await env?.teardown();
});

interface Launched {
  child: ChildProcess;
  output(): string;
  /** Settles when the process has exited, with when. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function launch(args: string[], childEnv: NodeJS.ProcessEnv): Launched {
  const child = spawn(process.execPath, ['--import', TSX, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, output: () => output, exited };
}

/** Polls `check` until it holds; fails naming `what` (and the process's output) after `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs = 120_000, process?: Launched): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (process && process.child.exitCode !== null) throw new Error(`the process exited (${process.child.exitCode}) before ${what}:\n${process.output()}`);
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${process ? `; output:\n${process.output()}` : ''}`);
    await sleep(50);
  }
}

interface WorkerSetup {
  queue: string;
  ledger: string;
  graceMs: number;
  toolMs: number;
  tool: 'listens' | 'ignores';
}

async function startWorker(setup: WorkerSetup): Promise<Launched> {
  const worker = launch([WORKER], {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    GRACEFUL_TASK_QUEUE: setup.queue,
    GRACEFUL_BUNDLE: bundleFile,
    GRACEFUL_LEDGER: setup.ledger,
    GRACEFUL_TOOL_MS: String(setup.toolMs),
    GRACEFUL_TOOL: setup.tool,
    AGENT_SHUTDOWN_GRACE_MS: String(setup.graceMs),
    AGENT_WORKSPACE_ROOTS: scratch,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  await until(() => /^ready$/m.test(worker.output()), 'the worker to poll', 120_000, worker);
  return worker;
}

/** SIGTERM; resolves with the exit and how long it took. */
async function terminate(worker: Launched) {
  const sent = Date.now();
  worker.child.kill('SIGTERM');
  const exit = await worker.exited;
  return { ...exit, tookMs: exit.at - sent };
}

/**
 * A run of the test-tools agent whose one tool call (`record_action`) runs on a first worker
 * (`first`), which gets SIGTERM mid-tool; a second worker (a quick tool, a long grace) then
 * finishes the run. Returns what the first worker did and said, and the tool's ledger.
 */
async function toolThroughShutdown(label: string, first: Omit<WorkerSetup, 'queue' | 'ledger'>) {
  const queue = `graceful-${label}-${process.pid}`;
  const ledger = path.join(scratch, `${label}.jsonl`);
  const agents = new AgentClient(env.client, queue);
  const worker = await startWorker({ queue, ledger, ...first });
  const model = scriptedModel([{ tools: [{ name: 'record_action', input: { label } }] }, { text: `done ${label}` }]);
  const { workflowId } = await agents.start({ agent: 'test-tools', prompt: label, model });
  const entries = () => readLedger(ledger) as GracefulLedgerEntry[];
  await until(() => entries().some((entry) => entry.event === 'attempt' && entry.pid === worker.child.pid), `${label}: the tool to start on the first worker`, 120_000, worker);
  const stopped = await terminate(worker);

  const second = await startWorker({ queue, ledger, graceMs: 120_000, toolMs: 200, tool: 'listens' });
  const result = await withRunDeadline(agents.result(workflowId), env.client.workflow.getHandle(workflowId));
  // With nothing running, the second worker stops at once and says so.
  const secondStopped = await terminate(second);
  assert.equal(secondStopped.code, 0, second.output());
  assert.match(second.output(), /shutting down \(received SIGTERM\): no running activities/);
  assert.match(second.output(), /worker stopped: 0 finished, 0 handed back/);

  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const toolStarts = history.events!.flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes] : []));
  return { first: worker, firstPid: worker.child.pid, secondPid: second.child.pid, stopped, result, entries: entries(), toolStarts };
}

/** The worker's and serve's own shutdown lines, for the test's report. */
function shutdownLines(output: string): string {
  return output.split('\n').filter((line) => /shutting down|stopped:|stopping the/.test(line)).join(' | ');
}

test('SIGTERM mid-tool within the grace: the tool finishes, the worker exits 0 saying so, a second worker completes the run; the change is made once', async (t) => {
  const graceMs = 120_000;
  const run = await toolThroughShutdown('finishes', { graceMs, toolMs: 5_000, tool: 'listens' });
  const output = run.first.output();
  t.diagnostic(`stopped in ${run.stopped.tookMs} ms: ${shutdownLines(output)}`);
  assert.equal(run.stopped.code, 0, output);
  assert.ok(run.stopped.tookMs < graceMs + SLACK_MS, `the worker took ${run.stopped.tookMs} ms to stop`);
  assert.match(output, /shutting down \(received SIGTERM\): finishing 1 running activity \(tool record_action\), at most 120 s/);
  assert.match(output, /worker stopped: 1 finished \(tool record_action\), 0 handed back to other workers/);

  assert.equal(run.result.text, 'done finishes');
  // One attempt, on the first worker, which made the change: nothing was retried.
  assert.deepEqual(run.entries.map((entry) => [entry.event, entry.pid, entry.attempt]), [
    ['attempt', run.firstPid, 1],
    ['applied', run.firstPid, 1],
  ]);
});

test('SIGTERM mid-tool with a grace shorter than the tool: the tool stops on its signal and is handed back; the worker exits 0 within the grace; the retry on a second worker makes the change once', async (t) => {
  const graceMs = 1_000;
  const toolMs = 300_000;
  const run = await toolThroughShutdown('handed-back', { graceMs, toolMs, tool: 'listens' });
  const output = run.first.output();
  t.diagnostic(`stopped in ${run.stopped.tookMs} ms: ${shutdownLines(output)}`);
  assert.equal(run.stopped.code, 0, output);
  // Well under the tool's 5 minutes: the worker did not wait for it.
  assert.ok(run.stopped.tookMs < graceMs + FORCE_MARGIN_MS + SLACK_MS, `the worker took ${run.stopped.tookMs} ms to stop`);
  assert.match(output, /shutting down \(received SIGTERM\): finishing 1 running activity \(tool record_action\), at most 1 s/);
  assert.match(output, /worker stopped: 0 finished, 1 handed back to other workers \(tool record_action\)/);

  assert.equal(run.result.text, 'done handed-back');
  assert.deepEqual(run.entries.map((entry) => [entry.event, entry.pid, entry.attempt]), [
    ['attempt', run.firstPid, 1],
    ['attempt', run.secondPid, 2],
    ['applied', run.secondPid, 2],
  ]);
  // The retry followed the handed-back attempt's failure, not a timeout: the server did not have to notice a lost worker.
  const retry = run.toolStarts.find((started) => (started.attempt ?? 1) === 2);
  assert.ok(retry, 'no second attempt in the history');
  assert.ok(!retry.lastFailure?.timeoutFailureInfo, `the retry followed a timeout: ${retry.lastFailure?.message}`);
  assert.match(retry.lastFailure?.message ?? '', /shutting down/i);
});

test('SIGTERM mid-tool whose body ignores the shutdown: the worker gives up on it a few seconds after the grace, exits 0 saying so; the retry after the heartbeat timeout makes the change once', async (t) => {
  const graceMs = 1_000;
  const toolMs = 300_000;
  const run = await toolThroughShutdown('ignored', { graceMs, toolMs, tool: 'ignores' });
  const output = run.first.output();
  t.diagnostic(`stopped in ${run.stopped.tookMs} ms: ${shutdownLines(output)}`);
  assert.equal(run.stopped.code, 0, output);
  assert.ok(run.stopped.tookMs < graceMs + FORCE_MARGIN_MS + SLACK_MS, `the worker took ${run.stopped.tookMs} ms to stop`);
  assert.match(output, /worker stopped: 0 finished, 0 handed back to other workers, 1 ignored the shutdown and is left behind after [\d.]+ s \(tool record_action\)/);

  assert.equal(run.result.text, 'done ignored');
  // The first attempt died with its worker before making the change.
  assert.deepEqual(run.entries.map((entry) => [entry.event, entry.pid, entry.attempt]), [
    ['attempt', run.firstPid, 1],
    ['attempt', run.secondPid, 2],
    ['applied', run.secondPid, 2],
  ]);
  const retry = run.toolStarts.find((started) => (started.attempt ?? 1) === 2);
  assert.ok(retry?.lastFailure?.timeoutFailureInfo, `the retry followed ${retry?.lastFailure?.message}, not a timeout`);
  assert.match(retry.lastFailure.message ?? '', /heartbeat/i);
});

/** An HTTP request on a connection of its own; a GET is sent whole, the body of anything else is up to the caller. */
function open(port: number, route: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  const method = options.method ?? 'GET';
  const sent = request({ host: '127.0.0.1', port, path: route, method, headers: options.headers ?? {}, agent: false });
  if (method === 'GET') sent.end();
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    sent.once('response', resolve);
    sent.once('error', reject);
  });
  return { sent, response };
}

/** The whole body, whether the response ended cleanly (rather than being cut off), and when. */
function readAll(response: IncomingMessage): Promise<{ body: string; ended: boolean; at: number }> {
  let body = '';
  response.on('data', (chunk: Buffer) => (body += chunk.toString()));
  return new Promise((resolve) => {
    response.once('end', () => resolve({ body, ended: true, at: Date.now() }));
    response.once('error', () => resolve({ body, ended: false, at: Date.now() }));
    response.once('aborted', () => resolve({ body, ended: false, at: Date.now() }));
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    socket.connect(port, '127.0.0.1');
  });
}

test('serve: SIGTERM ends its event streams at once, refuses new connections, lets the request under way finish, and exits 0 saying so', async (t) => {
  const queue = `graceful-serve-${process.pid}`;
  const port = await freePort();
  const graceMs = 120_000;
  const serve = launch(
    [CLIENT, 'serve', '--dev-user', 'alice', '--port', String(port), '--service-key', path.join(scratch, 'inbox-key.json'), '--shutdown-grace-ms', String(graceMs)],
    { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: queue, AGENT_KEYS_DIR: path.join(scratch, 'keys') },
  );
  await until(() => /approval inbox: http/.test(serve.output()), 'serve to listen', 120_000, serve);
  const base = `http://127.0.0.1:${port}`;

  // A run no worker takes: its event stream stays open with nothing to send.
  const agents = new AgentClient(env.client, queue);
  const { workflowId } = await agents.start({ agent: 'test-tools', prompt: 'never runs', model: scriptedModel([{ text: 'no' }]), acceptTimeoutMs: 200 });
  try {
    const session = await open(port, '/api/session').response;
    const cookie = String(session.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    const signedIn = await readAll(session);
    assert.equal(session.statusCode, 200, `${JSON.stringify(session.headers)} ${signedIn.body}`);
    const { csrf } = JSON.parse(signedIn.body) as { csrf: string };
    const headers = { cookie, 'x-csrf-token': csrf };

    const inboxStream = await open(port, '/api/events', { headers }).response;
    const runStream = await open(port, `/api/runs/${workflowId}/events`, { headers }).response;
    assert.equal(inboxStream.statusCode, 200);
    assert.equal(runStream.statusCode, 200);
    assert.match(String(runStream.headers['content-type']), /text\/event-stream/);
    const inboxRead = readAll(inboxStream);
    const runRead = readAll(runStream);

    // A request under way: its body arrives in two parts, the second only after SIGTERM.
    const body = JSON.stringify({ interruptId: 7 });
    const slow = open(port, `/api/runs/${workflowId}/answer`, {
      method: 'POST',
      headers: { ...headers, origin: base, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    slow.sent.write(body.slice(0, 5));
    await sleep(500);

    const sent = Date.now();
    serve.child.kill('SIGTERM');
    const [inboxEnd, runEnd] = await Promise.all([inboxRead, runRead]);
    assert.ok(inboxEnd.at >= sent && runEnd.at >= sent, `an event stream ended before SIGTERM: ${inboxEnd.body} ${runEnd.body}`);
    assert.ok(inboxEnd.ended && runEnd.ended, 'an event stream was cut off rather than ended');
    assert.doesNotMatch(runEnd.body, /event: failed/);
    // Ended at once, not at the end of the grace: the request under way still holds the server open.
    assert.equal(serve.child.exitCode, null, `serve exited before the request under way finished:\n${serve.output()}`);
    assert.ok(await connectionRefused(port), 'a new connection was accepted after SIGTERM');

    slow.sent.end(body.slice(5));
    const answered = await slow.response;
    const { body: answer } = await readAll(answered);
    assert.equal(answered.statusCode, 400, answer);
    assert.match(answer, /error/);
    assert.equal(answered.headers.connection, 'close');

    const exit = await serve.exited;
    t.diagnostic(`stopped ${exit.at - sent} ms after SIGTERM: ${shutdownLines(serve.output())}`);
    assert.equal(exit.code, 0, serve.output());
    assert.ok(exit.at - sent < graceMs, `serve took ${exit.at - sent} ms to stop`);
    assert.match(serve.output(), /received SIGTERM: stopping the inbox/);
    assert.match(serve.output(), /shutting down: 2 event streams ended \(browsers reconnect\), finishing 1 open request, at most 120 s/);
    assert.match(serve.output(), /inbox stopped: every open request finished/);
    assert.ok(await connectionRefused(port), 'something still listens after serve exited');
  } finally {
    await env.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
  }
});
