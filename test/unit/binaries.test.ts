import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { test } from 'node:test';
import { findTemporalCli, findTestServer } from '../../src/temporal/binaries.js';
import { startDevServer, startTimeSkippingServer } from '../../src/temporal/dev-server.js';

const NOT_INSTALLED =
  'no temporal CLI on PATH or in .tools/ (run `npm run temporal:ensure`); the SDK downloads one on first use instead';

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
