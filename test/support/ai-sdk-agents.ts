/**
 * Agents for the AI SDK tests (workflow-safe: the workflow bundle imports this file): tools that
 * say `needsApproval` (true, false, a function, an async function), the same tools under an
 * approval policy of their own, and AI SDK `tool()` definitions given as they are. What the tools
 * did is recorded in `toolCalls` (the tool activities run in the test's own process).
 */
import { jsonSchema, tool } from 'ai';
import { z } from 'zod';
import { approvalPolicy } from '../../src/agent/approval/hook.js';
import { defineAgent, defineTool, implementTool } from '../../src/agent/definition.js';
import { fromAiSdkTools } from '../../src/ai-sdk/tools.js';
import type { JsonValue } from '../../src/agent/types.js';

/** Every tool body run in this process, in order: the tool, its input and the call's id. */
export const toolCalls: Array<{ tool: string; input: unknown; toolCallId: string }> = [];

export const transfer = defineTool({
  name: 'transfer',
  description: 'Move money between accounts.',
  input: z.object({ to: z.string(), amount: z.number().positive() }),
  needsApproval: true,
});

export const lookup = defineTool({
  name: 'lookup',
  description: 'Read an account balance.',
  input: z.object({ account: z.string() }),
  needsApproval: false,
});

export const refund = defineTool({
  name: 'refund',
  description: 'Refund an order.',
  input: z.object({ order: z.string(), amount: z.number().nonnegative() }),
  // Deterministic: the input alone decides.
  needsApproval: (input) => input.amount > 100,
});

export const flagged = defineTool({
  name: 'flagged',
  description: 'Do something that may be flagged.',
  input: z.object({ note: z.string(), flagged: z.boolean() }),
  needsApproval: async (input) => input.flagged,
});

/** AI SDK tools as a project using the AI SDK writes them: one half for the agent, the other for the worker. */
export const sdkTools = fromAiSdkTools({
  get_weather: tool({
    description: 'The weather in a city.',
    inputSchema: z.object({ city: z.string().min(1) }),
    needsApproval: true,
    execute: async ({ city }, { toolCallId }) => {
      toolCalls.push({ tool: 'get_weather', input: { city }, toolCallId });
      return { city, sky: 'clear', celsius: 21 };
    },
  }),
  convert: tool({
    description: 'Convert an amount between currencies.',
    inputSchema: jsonSchema<{ amount: number; from: string; to: string }>(
      { type: 'object', properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount', 'from', 'to'], additionalProperties: false },
      {
        validate: (value) => {
          const v = value as { amount?: unknown; from?: unknown; to?: unknown };
          return typeof v.amount === 'number' && typeof v.from === 'string' && typeof v.to === 'string'
            ? { success: true, value: { amount: v.amount, from: v.from.toUpperCase(), to: v.to.toUpperCase() } }
            : { success: false, error: new Error('convert needs a number amount and from/to currency codes') };
        },
      },
    ),
    // The AI SDK's signature: the input and the call (its id is given; this tool asks for large amounts only).
    needsApproval: async (input, { toolCallId }) => input.amount >= 1000 && toolCallId !== '',
    execute: async function* (input, { toolCallId }) {
      toolCalls.push({ tool: 'convert', input, toolCallId });
      yield { status: 'converting' };
      yield { amount: input.amount * 2, currency: input.to };
    },
  }),
});

export const needsApprovalAgent = defineAgent({
  name: 'ai-sdk-needs-approval',
  description: 'Tools that say needsApproval, and no approval policy',
  systemPrompt: 'test',
  tools: [transfer, lookup, refund, flagged],
});

export const policyAndNeedsApprovalAgent = defineAgent({
  name: 'ai-sdk-policy-and-needs-approval',
  description: 'needsApproval tools under an approval policy of the agent',
  systemPrompt: 'test',
  tools: [transfer, lookup, refund, flagged],
  hooks: approvalPolicy({
    ask: ['transfer', 'lookup'],
    rules: [
      { tool: 'refund', when: (input) => (input as { order: string }).order.startsWith('vip-'), action: 'allow', description: 'VIP refunds' },
      { tool: 'transfer', when: (input) => (input as { amount: number }).amount >= 10_000, action: 'ask', approvers: ['alice'], description: 'large transfers: alice' },
    ],
  }),
});

export const aiSdkToolsAgent = defineAgent({
  name: 'ai-sdk-tools',
  description: 'AI SDK tool() definitions given as they are',
  systemPrompt: 'test',
  tools: sdkTools.definitions,
});

/** A tool whose approval only alice may give (the chat tests' refusals), and one anyone may approve. */
export const payInvoice = defineTool({
  name: 'pay_invoice',
  description: 'Pay an invoice.',
  input: z.object({ invoice: z.string(), amount: z.number() }),
});

export const chatAgent = defineAgent({
  name: 'ai-sdk-chat',
  description: 'A chat agent whose tools wait for approval',
  systemPrompt: 'You help with invoices and the weather.',
  tools: [...sdkTools.definitions, payInvoice],
  hooks: approvalPolicy({ rules: [{ tool: 'pay_invoice', action: 'ask', approvers: ['alice'], description: 'invoices: alice approves' }] }),
});

export const aiSdkAgents = [needsApprovalAgent, policyAndNeedsApprovalAgent, aiSdkToolsAgent, chatAgent];

const record =
  (name: string) =>
  (input: unknown, context: { toolUseId: string }): JsonValue => {
    toolCalls.push({ tool: name, input, toolCallId: context.toolUseId });
    return { done: name };
  };

/** The tool bodies (activity half) of every tool above. */
export const aiSdkToolBodies = [
  implementTool(transfer, record('transfer')),
  implementTool(lookup, record('lookup')),
  implementTool(refund, record('refund')),
  implementTool(flagged, record('flagged')),
  implementTool(payInvoice, record('pay_invoice')),
  ...sdkTools.implementations,
];
