/**
 * Tool bodies for the test agents. Every side effect is appended to a ledger file named by
 * `TEST_LEDGER` (one JSON line per execution, with its idempotency key), so tests can count
 * executions across worker restarts.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { implementTool } from '../../src/agent/definition.js';
import { applyChange, askTwice, bigOutput, duplicateAsk, explode, recordAction } from './test-agents.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LedgerEntry {
  tool: string;
  label: string;
  idempotencyKey: string;
  answers?: unknown[];
  /** apply_change: `attempt` on every execution, `applied` once per key. */
  event?: 'attempt' | 'applied';
}

export function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry);
}

export function createTestTools(ledger: string) {
  const write = (entry: LedgerEntry) => appendFileSync(ledger, `${JSON.stringify(entry)}\n`);
  return [
    implementTool(recordAction, ({ label }, context) => {
      write({ tool: 'record_action', label, idempotencyKey: context.idempotencyKey });
      context.state.set(`recorded:${label}`, true);
      return `recorded ${label}`;
    }),
    implementTool(askTwice, ({ label }, context) => {
      const first = context.interrupt({ name: 'first', reason: { label, question: 'first?' } });
      const second = context.interrupt({ name: 'second', reason: { label, question: 'second?', first } });
      write({ tool: 'ask_twice', label, idempotencyKey: context.idempotencyKey, answers: [first, second] });
      return { label, first, second };
    }),
    implementTool(explode, ({ label }) => {
      throw new Error(`boom ${label}`);
    }),
    // Slow enough for a SIGKILL to land mid-call; idempotent: a retried attempt finds its key applied.
    implementTool(applyChange, async ({ label }, context) => {
      write({ tool: 'apply_change', label, idempotencyKey: context.idempotencyKey, event: 'attempt' });
      await sleep(50);
      const applied = readLedger(ledger).some((entry) => entry.event === 'applied' && entry.idempotencyKey === context.idempotencyKey);
      if (applied) return `already applied ${label}`;
      write({ tool: 'apply_change', label, idempotencyKey: context.idempotencyKey, event: 'applied' });
      return `applied ${label}`;
    }),
    implementTool(bigOutput, ({ bytes }) => 'x'.repeat(bytes)),
    implementTool(duplicateAsk, ({ label }, context) => {
      context.interrupt({ name: 'dup', response: 'preset' });
      context.interrupt({ name: 'dup', response: 'again' });
      return label;
    }),
  ];
}
