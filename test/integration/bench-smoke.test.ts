/**
 * The benchmarks still run: `bench/run.ts --size reduced --json` as a child process, on its own
 * dev server (its workers compiled to JS in child processes). Asserts that every benchmark reports
 * finite positive numbers, that every held wait returned, and that every parked run completed once
 * answered (behaviour, not timing: no target is enforced here).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { BENCHMARK_IDS } from '../../bench/options.js';
import type { BenchReport } from '../../bench/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

test('bench --size reduced --json: every benchmark reports finite positive numbers; all parked runs complete', { timeout: 10 * 60_000 }, async () => {
  const { code, stdout, stderr } = await runBench(['--size', 'reduced', '--json']);
  assert.equal(code, 0, `bench exited with ${code}:\n${stderr.slice(-4000)}`);
  const report = JSON.parse(stdout) as BenchReport;

  assert.equal(report.size, 'reduced');
  assert.ok(report.machine.cores > 0 && report.machine.cpu.length > 0 && report.machine.node.startsWith('v'));
  assert.deepEqual(Object.keys(report.benchmarks).sort(), [...BENCHMARK_IDS].sort());
  for (const id of BENCHMARK_IDS) {
    const result = report.benchmarks[id]!;
    assert.ok(result.rows.length > 0, `${id} has rows`);
    for (const row of result.rows) {
      const where = `${id}: ${row.metric}`;
      assert.ok(positive(row.ours), `${where}: ours = ${row.ours}`);
      if (row.floor !== undefined) assert.ok(positive(row.floor), `${where}: floor = ${row.floor}`);
      if (row.ratio !== undefined) assert.ok(positive(row.ratio), `${where}: ratio = ${row.ratio}`);
      if (row.target) assert.equal(typeof row.met, 'boolean', `${where}: target evaluated`);
    }
  }
  const targets = BENCHMARK_IDS.flatMap((id) => report.benchmarks[id]!.rows.filter((row) => row.target).map((row) => `${id}: ${row.metric}`));
  assert.ok(targets.length >= 4, `the issue's targets are in the table: ${targets.join(', ')}`);

  const waits = report.benchmarks.waits!.details as { waits: number; returnedAsExpected: Record<'ours' | 'floor', number> };
  assert.deepEqual(waits.returnedAsExpected, { ours: waits.waits, floor: waits.waits }, 'every wait returned the waiting status; every floor update returned');

  const parked = report.benchmarks.parked!.details as Record<'ours' | 'floor', { runs: number; completed: number; peakRssMb: number }>;
  for (const side of ['ours', 'floor'] as const) {
    assert.ok(parked[side].runs > 0);
    assert.equal(parked[side].completed, parked[side].runs, `${side}: every parked run completed after its answer`);
    assert.ok(positive(parked[side].peakRssMb));
  }
});

test('bench rejects an unknown argument with its usage', async () => {
  const { code, stderr } = await runBench(['--size', 'huge']);
  assert.notEqual(code, 0);
  assert.match(stderr, /--size is full or reduced/);
});
