/** Agents of the structured-output tests (workflow half): one with an approval in the middle, one with an output of its own. */
import { z } from 'zod';
import { agentTool, defineAgent, defineTool, type AgentDefinition } from '../../src/agent/definition.js';
import { recordAction } from './test-agents.js';

/** The typed result the tests ask for. */
export const Verdict = z.object({
  decision: z.enum(['approve', 'reject']),
  score: z.number().int().min(0).max(10),
  reasons: z.array(z.string()).min(1),
});

/** `record_action` waits for a person's approval before it runs. */
export const reviewerAgent = defineAgent({
  name: 'so-reviewer',
  description: 'records what it decided, after approval, and gives a verdict',
  systemPrompt: 'Review the request.',
  tools: [defineTool({ ...recordAction, needsApproval: true })],
});

/** Every run of it gives a Verdict, without asking for one. */
export const typedAgent = defineAgent({
  name: 'so-typed',
  description: 'gives a verdict as its own output',
  systemPrompt: 'Review the request.',
  tools: [recordAction],
  output: Verdict,
});

/** Calls `so-typed` as a tool: its typed result comes back as the tool's result. */
export const typedCallerAgent = defineAgent({
  name: 'so-caller',
  description: 'asks so-typed for a verdict',
  systemPrompt: 'Delegate the review.',
  tools: [agentTool(typedAgent, { name: 'review' })],
});

export const structuredOutputAgents: AgentDefinition[] = [reviewerAgent, typedAgent, typedCallerAgent];
