/**
 * The workflow half: the agent, its tools' schemas and its approval policy. This module goes into
 * the workflow bundle (the plugin builds the bundle from it), so it imports nothing from Node.
 */
import { approvalPolicy, defineAgent, defineTool } from 'durable-hitl-agents/workflow';
import { z } from 'zod';

export const submitExpense = defineTool({
  name: 'submit_expense',
  description: 'File an expense claim for reimbursement.',
  input: z.object({
    employee: z.string().min(1),
    amount: z.number().positive(),
    currency: z.string().length(3),
    description: z.string().min(1),
  }),
});

export const expenseAgent = defineAgent({
  name: 'expense-approval',
  description: 'Files expense claims; claims over 100 wait for a manager.',
  systemPrompt: 'You file expense claims with submit_expense. Report the claim number when it is filed, or why it was not.',
  tools: [submitExpense],
  hooks: approvalPolicy({
    ask: ['submit_expense'],
    rules: [{ tool: 'submit_expense', when: (input) => (input as { amount: number }).amount <= 100, action: 'allow', description: 'small claim' }],
  }),
});

export const agents = [expenseAgent];
