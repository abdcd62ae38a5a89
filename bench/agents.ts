/**
 * The bench agents (workflow half): one no-op tool, no hooks; and the same agent with a
 * before-tool-call hook that asks a human to approve every call. Workflow-safe.
 */
import { z } from 'zod';
import { defineAgent, defineTool, type AgentDefinition } from '../src/agent/definition.js';
import { APPROVAL_NAME, approvalReason, BENCH_AGENT, BENCH_APPROVAL_AGENT, NOOP_TOOL } from './protocol.js';

export const noopTool = defineTool({
  name: NOOP_TOOL,
  description: 'Does nothing (after sleeping sleepMs); the bench records when it starts.',
  input: z.object({ step: z.number().int().positive(), sleepMs: z.number().int().min(0) }),
});

/** Far above any bench's step count: the loop's default limit (20 model calls) would stop long runs. */
const MAX_MODEL_CALLS = 100_000;

export const benchAgent = defineAgent({
  name: BENCH_AGENT,
  description: 'benchmark agent: one no-op tool, no hooks',
  systemPrompt: 'You are a benchmark agent. Call bench_noop until you are done.',
  tools: [noopTool],
  maxModelCalls: MAX_MODEL_CALLS,
});

export const benchApprovalAgent = defineAgent({
  name: BENCH_APPROVAL_AGENT,
  description: 'benchmark agent: every tool call waits for a human approval (before-tool-call hook)',
  systemPrompt: 'You are a benchmark agent. Call bench_noop until you are done.',
  tools: [noopTool],
  maxModelCalls: MAX_MODEL_CALLS,
  hooks(hooks) {
    hooks.on('beforeToolCall', async (event) => {
      const { step } = event.toolUse.input as { step: number };
      const answer = await event.interrupt({ name: APPROVAL_NAME, reason: approvalReason(step) });
      if (answer !== 'y') event.cancel = `step ${step} denied`;
    });
  },
});

export const benchAgents: AgentDefinition[] = [benchAgent, benchApprovalAgent];
