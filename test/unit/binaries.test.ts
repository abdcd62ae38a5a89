import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findTemporalCli, findTestServer, toolsDir, userCacheDir } from '../../src/temporal/binaries.js';
import { startDevServer, startTimeSkippingServer } from '../../src/temporal/dev-server.js';
import { freePort } from '../../src/temporal/ports.js';

const NOT_INSTALLED =
  'no temporal CLI on PATH or in .tools/ (run `npm run temporal:ensure`); the SDK downloads one on first use instead';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Resolves true if something accepts TCP connections at host:port. */
function isListening(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilClosed(address: string, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isListening(address))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

test('findTemporalCli returns an executable that answers --version', (t) => {
  const cli = findTemporalCli();
  if (!cli && !process.env['CI']) {
    t.skip(NOT_INSTALLED);
    return;
  }
  assert.ok(cli, NOT_INSTALLED);
  const out = execFileSync(cli, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(out, /^temporal version \d+\.\d+\.\d+/);
});

test('startDevServer starts a reachable dev server and teardown stops it', async (t) => {
  const started = performance.now();
  const env = await startDevServer({});
  const startMs = Math.round(performance.now() - started);
  t.diagnostic(`dev server at ${env.address} started in ${startMs} ms`);
  let address: string;
  try {
    address = env.address;
    assert.equal(env.supportsTimeSkipping, false);
    const info = await env.client.workflowService.getSystemInfo({});
    assert.ok(info.serverVersion, 'getSystemInfo returned no serverVersion');
    const ns = await env.client.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(ns.namespaceInfo?.name, 'default');
    assert.equal(await isListening(address), true);
  } finally {
    await env.teardown();
  }
  assert.equal(await waitUntilClosed(address), true, `dev server still listening at ${address} after teardown`);
});

test('startTimeSkippingServer starts the Java test server', async (t) => {
  if (!findTestServer()) {
    t.skip('no temporal-test-server on PATH or in .tools/ (ENSURE_TEMPORAL_TEST_SERVER=1 npm run temporal:ensure)');
    return;
  }
  const env = await startTimeSkippingServer();
  try {
    assert.equal(env.supportsTimeSkipping, true);
    const before = await env.currentTimeMs();
    await env.sleep('1 day');
    const after = await env.currentTimeMs();
    assert.ok(after - before >= 86_400_000, `time did not skip: ${after - before} ms`);
  } finally {
    await env.teardown();
  }
});

test('the tools folder: AGENT_TOOLS_DIR, else <repo>/.tools in a checkout, else the per-user cache for an installed package', () => {
  assert.equal(toolsDir({ AGENT_TOOLS_DIR: '/opt/hitl-tools' }, '/work/repo'), path.resolve('/opt/hitl-tools'));
  assert.equal(toolsDir({}, '/work/repo'), path.join('/work/repo', '.tools'));
  assert.equal(toolsDir({ XDG_CACHE_HOME: '/home/u/.cache-x' }, '/app/node_modules/durable-hitl-agents'), path.join('/home/u/.cache-x', 'durable-hitl-agents'));
  assert.equal(userCacheDir({}, 'linux', '/home/u'), path.join('/home/u', '.cache', 'durable-hitl-agents'));
  assert.equal(userCacheDir({}, 'darwin', '/Users/u'), path.join('/Users/u', 'Library', 'Caches', 'durable-hitl-agents'));
  assert.equal(userCacheDir({ LOCALAPPDATA: 'C:/Users/u/AppData/Local' }, 'win32', 'C:/Users/u'), path.join('C:/Users/u/AppData/Local', 'durable-hitl-agents'));
});

/** The pids of `temporal server start-dev` processes listening on `port` (Linux: from /proc). */
function devServersOn(port: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.includes('start-dev') && argv[argv.indexOf('--port') + 1] === String(port);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

function cli(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|AGENT_TASK_QUEUE)/.test(name)));
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'client.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ReturnType<typeof cli>): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

test('dev refuses a port a server left behind listens on (a killed dev leaves its server running), naming the port, instead of taking that server for its own', { timeout: 180_000, skip: !existsSync('/proc/self/cmdline') && 'needs /proc to find dev servers' }, async () => {
  // The server a SIGKILLed dev leaves behind, started here directly: a dev server killed with its
  // CLI may die too, of a broken pipe, at its next log line (on a busy machine, a slow-call warning).
  const temporal = findTemporalCli();
  assert.ok(temporal, 'the temporal CLI is installed (npm test fetches it)');
  const [port, uiPort, otherPort, otherUiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const leftBehind = spawn(temporal, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error'], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 60_000;
    while (!((await isListening(`127.0.0.1:${port}`)) && (await isListening(`127.0.0.1:${uiPort}`)))) {
      assert.ok(Date.now() < deadline && leftBehind.exitCode === null, 'the left-behind server listens on both ports');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const again = await finished(cli(['dev', '--port', String(port), '--ui-port', String(otherUiPort)]));
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, new RegExp(`^error: port ${port} is already in use .*--port`));

    const uiTaken = await finished(cli(['dev', '--port', String(otherPort), '--ui-port', String(uiPort)]));
    assert.equal(uiTaken.code, 1);
    assert.match(uiTaken.stderr, new RegExp(`^error: port ${uiPort} is already in use .*--ui-port`));
    assert.deepEqual(devServersOn(otherPort), [], 'no server was started on the free port either');
  } finally {
    leftBehind.kill('SIGKILL');
  }
});
