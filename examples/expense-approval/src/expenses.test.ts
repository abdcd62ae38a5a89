/** The agent's approval flow, tested offline: a real Temporal dev server, scripted model turns. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentTestEnvironment } from 'durable-hitl-agents/testing';
import { readClaims, submitExpenseTool } from './tools.js';

process.env['EXPENSE_LEDGER'] = join(mkdtempSync(join(tmpdir(), 'expenses-')), 'ledger.jsonl');
let env: AgentTestEnvironment;

before(async () => {
  env = await AgentTestEnvironment.start({ agents: new URL('./agents.js', import.meta.url), tools: [submitExpenseTool] });
});
after(() => env.teardown());

const dinner = { employee: 'Alice', amount: 420, currency: 'EUR', description: 'team dinner' };

test('a claim over 100 waits for a person, and a denial files nothing', async () => {
  const model = env.script({ tools: [{ name: 'submit_expense', input: dinner }] }, { text: 'Not filed.' });
  const { workflowId } = await env.client.start({ agent: 'expense-approval', prompt: 'Alice: 420 EUR team dinner', model });
  const waiting = await env.client.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.equal(waiting.pending.length, 1);
  assert.equal(waiting.pending[0]?.toolName, 'submit_expense');

  await env.client.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: { decision: 'deny', reason: 'over budget' }, respondedBy: 'dana' });
  const result = await env.client.result(workflowId);
  assert.equal(result.text, 'Not filed.');
  const told = env.models.requests(model)[1]?.messages.at(-1)?.content[0];
  assert.ok(told && 'toolResult' in told && told.toolResult.status === 'error', 'the model is told the claim was denied');
  assert.deepEqual(await readClaims(), []);
});

test('a claim of 100 or less is filed without asking', async () => {
  const model = env.script({ tools: [{ name: 'submit_expense', input: { ...dinner, amount: 35 } }] }, { text: 'Filed.' });
  const { workflowId } = await env.client.start({ agent: 'expense-approval', prompt: 'Alice: 35 EUR taxi', model });
  const status = await env.client.wait(workflowId);
  assert.equal(status.status, 'completed');
  assert.deepEqual(status.answered, []);
  assert.deepEqual((await readClaims()).map((claim) => claim.amount), [35]);
});
