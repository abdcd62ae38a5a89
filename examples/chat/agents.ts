/**
 * The workflow half: one agent whose one tool, `issue_refund`, is an AI SDK `tool()` that needs a
 * person's approval before it runs (`needsApproval: true`, the AI SDK's convention; the approval
 * policy asks, binds and logs it). `fromAiSdkTools` splits the tool into the definition the agent
 * holds and the `execute` body the worker registers (worker.ts).
 *
 * In your project, import from `durable-hitl-agents/workflow` (here: this repository's source).
 */
import { tool } from 'ai';
import { z } from 'zod';
import { defineAgent, fromAiSdkTools } from '../../src/entries/workflow.js';

export const CHAT_AGENT = 'refund-chat';

export const refundTools = fromAiSdkTools({
  issue_refund: tool({
    description: 'Refund an order. A person approves every refund before it is issued.',
    inputSchema: z.object({ order: z.string().min(1), amount: z.number().positive() }),
    needsApproval: true,
    // Runs in the tool activity once approved, exactly once per call (the call id keys the refund).
    execute: async ({ order, amount }, { toolCallId }) => ({ refunded: amount, order, reference: `R-${toolCallId.replace(/[^A-Za-z0-9]/g, '').slice(-8)}` }),
  }),
});

export const agents = [
  defineAgent({
    name: CHAT_AGENT,
    description: 'Refunds orders, each refund approved in the chat',
    systemPrompt: 'You refund orders with issue_refund when asked. Say what you will do before you do it.',
    tools: refundTools.definitions,
    // The offline model of model.ts, which the worker registers as the `offline` provider.
    model: 'offline:refunds',
  }),
];
