/**
 * Runs the benchmarks (started by run.ts in a process of its own, so that the dev server's banner,
 * which it prints on the stdout it inherits, never mixes with the report). Sends the report to
 * the launcher over IPC; without an IPC channel, prints it as JSON.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { findTemporalCli } from '../src/temporal/binaries.js';
import { durabilityCostBench, runLocal } from './durability-cost.js';
import { BenchEnv, installQuietRuntime, log, taskQueue } from './harness.js';
import { historyBench } from './history.js';
import { parseArgs, SIZES, USAGE, type BenchmarkId } from './options.js';
import { inboxBench } from './inbox.js';
import { fleetBench } from './fleet.js';
import { parkedBench } from './parked.js';
import { perStepBench, runAgent, runFloor } from './per-step.js';
import { HTTP_MODEL } from './protocol.js';
import type { BenchReport, BenchResult, MachineInfo } from './report.js';
import { resumeBench } from './resume.js';
import { streamingBench } from './streaming.js';
import { throughputBench } from './throughput.js';
import { waitCostBench } from './wait-cost.js';
import { bundleBench } from './bundle.js';

function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let temporalCli: string | undefined;
  const cli = findTemporalCli();
  if (cli) {
    try {
      temporalCli = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      temporalCli = undefined;
    }
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    ...(temporalCli ? { temporalCli } : {}),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stderr.write(USAGE);
    return;
  }
  const size = SIZES[args.size];
  installQuietRuntime();
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0]!;
  const machine = machineInfo();
  const env = await BenchEnv.start({ serverDefaults: args.serverDefaults });
  const results: BenchResult[] = [];
  let failed: unknown;
  try {
    const queues = { agent: taskQueue('agent'), floor: taskQueue('floor') };
    await env.startWorker('agent', queues.agent);
    await env.startWorker('floor', queues.floor);
    log('warming up');
    for (let i = 0; i < 2; i++) {
      await runAgent(env, queues, { steps: 5, modelMs: 0, toolMs: 0 }, 'warmup');
      await runFloor(env, queues, { steps: 5, modelMs: 0, toolMs: 0 }, 'warmup-floor');
      await runAgent(env, queues, { steps: 5, modelMs: 0, toolMs: 0 }, 'warmup-http', HTTP_MODEL);
      await runFloor(env, queues, { steps: 5, modelMs: 0, toolMs: 0 }, 'warmup-floor-http', true);
      await runLocal({ steps: 5, modelMs: 0, toolMs: 0 });
    }
    const wanted = new Set(args.only);
    const run = async (id: BenchmarkId, bench: () => Promise<BenchResult>) => {
      if (!wanted.has(id)) return;
      log(`running ${id}`);
      results.push(await bench());
    };
    await run('bundle', () => bundleBench(env));
    await run('perStep', () => perStepBench(env, queues, size.perStep, 'instant'));
    await run('perStepHttp', () => perStepBench(env, queues, size.perStepHttp, 'http'));
    await run('durability', () => durabilityCostBench(env, queues, size.durability));
    await run('resume', () => resumeBench(env, queues, size.resume));
    await run('throughput', () => throughputBench(env, queues, size.throughput));
    await run('history', () => historyBench(env, queues, size.history));
    await run('streaming', () => streamingBench(env, queues, size.streaming));
    // Last: their workers are processes of their own, and the shared ones stay idle meanwhile.
    await run('waits', () => waitCostBench(env, size.waits));
    await run('parked', () =>
      parkedBench(env, { runs: args.parkedRuns ?? size.parked.runs, maxCachedWorkflows: args.parkedCache ?? size.parked.maxCachedWorkflows }),
    );
    await run('inbox', () => inboxBench(env, size.inbox));
    await run('fleet', () => fleetBench(env, size.fleet));
  } catch (error) {
    failed = error;
  } finally {
    await env.teardown().catch((error: unknown) => log(`teardown: ${String(error)}`));
  }
  if (failed) throw failed;
  const report: BenchReport = {
    size: args.size,
    machine: { ...machine, loadAverage: { start: loadAtStart, end: os.loadavg()[0]! } },
    server: env.serverKind,
    startedAt,
    totalMs: performance.now() - started,
    benchmarks: Object.fromEntries(results.map((result) => [result.id, result])),
  };
  if (process.send) await new Promise<void>((resolve, reject) => process.send!({ type: 'report', report }, undefined, {}, (error: Error | null) => (error ? reject(error) : resolve())));
  else process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
