/**
 * Tool bodies for the test agents. Every side effect is appended to a ledger file named by
 * `TEST_LEDGER` (one JSON line per execution, with its idempotency key), so tests can count
 * executions across worker restarts.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { implementTool } from '../../src/agent/definition.js';
import { askTwice, bigOutput, duplicateAsk, explode, recordAction } from './test-agents.js';

export interface LedgerEntry {
  tool: string;
  label: string;
  idempotencyKey: string;
  answers?: unknown[];
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
    implementTool(bigOutput, ({ bytes }) => 'x'.repeat(bytes)),
    implementTool(duplicateAsk, ({ label }, context) => {
      context.interrupt({ name: 'dup', response: 'preset' });
      context.interrupt({ name: 'dup', response: 'again' });
      return label;
    }),
  ];
}
