/**
 * A worker process for graceful-shutdown.test.ts. It runs what `hitl worker` runs (the CLI's
 * runtime without the SDK's signal handlers, its shutdown signal, `startInProcessWorker` and
 * `runWorkerUntilSignal`), with the test workflow bundle and a `record_action` that takes a while.
 *
 * Configured by env: TEMPORAL_ADDRESS, GRACEFUL_TASK_QUEUE, GRACEFUL_BUNDLE (prebuilt workflow
 * code), GRACEFUL_LEDGER, GRACEFUL_TOOL_MS (how long the tool takes), GRACEFUL_TOOL (`listens`:
 * it stops on `context.signal`; `ignores`: it does not), and AGENT_SHUTDOWN_GRACE_MS. Prints
 * "ready" once it polls; its shutdown lines on stdout, as the CLI does.
 *
 * The tool is idempotent by key, like apply_change (test-tools.ts): every attempt writes an
 * `attempt` line; the change (`applied`) is made once per idempotency key, after the wait.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NativeConnection } from '@temporalio/worker';
import { implementTool } from '../../src/agent/definition.js';
import { installRuntime, runWorkerUntilSignal, startInProcessWorker } from '../../src/cli/embedded.js';
import { shutdownSignal } from '../../src/cli/signals.js';
import { recordAction } from '../support/test-agents.js';
import { readLedger, type LedgerEntry } from '../support/test-tools.js';

export type GracefulLedgerEntry = LedgerEntry & { pid: number; attempt: number };

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const ledger = env('GRACEFUL_LEDGER');
const toolMs = Number(env('GRACEFUL_TOOL_MS'));
const listens = env('GRACEFUL_TOOL') === 'listens';
const write = (entry: GracefulLedgerEntry) => appendFileSync(ledger, `${JSON.stringify(entry)}\n`);

const slowRecordAction = implementTool(recordAction, async ({ label }, context) => {
  const entry = { tool: 'record_action', label, idempotencyKey: context.idempotencyKey, pid: process.pid, attempt: context.attempt };
  write({ ...entry, event: 'attempt' });
  // Stopping on the signal throws (an AbortError): the attempt is handed back, nothing applied.
  await sleep(toolMs, undefined, listens ? { signal: context.signal } : {});
  if (readLedger(ledger).some((line) => line.event === 'applied' && line.idempotencyKey === context.idempotencyKey)) return `already applied ${label}`;
  write({ ...entry, event: 'applied' });
  return `applied ${label}`;
});

const say = (line: string) => process.stdout.write(`${line}\n`);

installRuntime('WARN');
const signal = shutdownSignal();
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
let code = 0;
try {
  const worker = await startInProcessWorker(connection, 'default', env('GRACEFUL_TASK_QUEUE'), {
    worker: { workflowBundle: { codePath: env('GRACEFUL_BUNDLE') }, tools: [slowRecordAction] },
  });
  say('ready');
  await runWorkerUntilSignal(worker, signal, say);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  code = 1;
} finally {
  await connection.close().catch(() => undefined);
}
process.exit(code);
