/** The activity half: the tool's body, which writes to the claims ledger. Registered in the worker, never bundled. */
import { appendFile, readFile } from 'node:fs/promises';
import { implementTool } from 'durable-hitl-agents/worker';
import { submitExpense } from './agents.js';

/** Where filed claims go: one JSON line each (EXPENSE_LEDGER, default ./expenses.jsonl). */
export const ledgerPath = (): string => process.env['EXPENSE_LEDGER'] ?? 'expenses.jsonl';

interface Claim {
  key: string;
  number: number;
  employee: string;
  amount: number;
  currency: string;
  description: string;
}

export async function readClaims(): Promise<Claim[]> {
  const text = await readFile(ledgerPath(), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Claim);
}

export const submitExpenseTool = implementTool(submitExpense, async (claim, context) => {
  // A retried attempt (say, the worker died after writing) finds its own line and files nothing twice.
  const claims = await readClaims();
  const filed = claims.find((existing) => existing.key === context.idempotencyKey);
  if (filed) return `claim #${filed.number} filed: ${filed.amount} ${filed.currency} for ${filed.employee}`;
  const number = claims.length + 1;
  await appendFile(ledgerPath(), JSON.stringify({ key: context.idempotencyKey, number, ...claim }) + '\n');
  return `claim #${number} filed: ${claim.amount} ${claim.currency} for ${claim.employee}`;
});
