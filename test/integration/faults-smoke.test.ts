/** The fault-injection suite in its reduced size: kills, model faults and bad input all pass, nothing lost or doubled. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../faults/run.ts', import.meta.url));

test('npm run test:faults -- --size reduced passes with zero lost runs and zero duplicated side effects', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN, '--size', 'reduced'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.resume();
  const code = await new Promise((resolve) => child.once('close', resolve));
  const lines = stdout.trim().split('\n');
  assert.equal(code, 0, stdout.split('\n').filter((line) => line.includes('FAIL')).join('\n'));
  assert.match(lines.at(-1)!, /^(\d+) passed, 0 failed$/);
  assert.ok(Number(/^(\d+)/.exec(lines.at(-1)!)![1]) >= 45, 'every group ran');
  assert.ok(lines.includes('lost runs: 0 (must be 0)'));
  assert.ok(lines.includes('duplicated side effects: 0 (must be 0)'));
  assert.ok(lines.includes('denied calls applied: 0 (must be 0)'));
});
