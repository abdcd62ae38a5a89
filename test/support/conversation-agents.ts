/** Agents of the conversation-manager tests (workflow half): a sliding window and a summarizer, each with an approval. */
import { slidingWindow, summarizing } from '../../src/agent/conversation.js';
import { defineAgent, defineTool, type AgentDefinition } from '../../src/agent/definition.js';
import { recordAction } from './test-agents.js';

/** `record_action` waits for a person when its label starts with `approve-`. */
const recordStep = defineTool({ ...recordAction, needsApproval: (input: { label: string }) => input.label.startsWith('approve-') });

/** The model activity's summary calls of `cm-summary` go to this Bedrock model id. */
export const SUMMARY_MODEL_ID = 'cm-summarizer';

export const windowAgent = defineAgent({
  name: 'cm-window',
  description: 'records steps, seeing the newest 8 messages at most',
  systemPrompt: 'Record the steps.',
  tools: [recordStep],
  maxModelCalls: 30,
  conversation: slidingWindow({ maxMessages: 8, slideBy: 4 }),
});

export const summaryAgent = defineAgent({
  name: 'cm-summary',
  description: 'records steps; the oldest are summarized',
  systemPrompt: 'Record the steps.',
  tools: [recordStep],
  maxModelCalls: 30,
  conversation: summarizing({ keepRecent: 4, triggerMessages: 8, summaryModel: `bedrock:${SUMMARY_MODEL_ID}` }),
});

/** Summaries by the run's own model. */
export const ownModelSummaryAgent = defineAgent({
  name: 'cm-summary-own-model',
  description: 'records steps; the run’s model summarizes the oldest',
  systemPrompt: 'Record the steps.',
  tools: [recordStep],
  maxModelCalls: 30,
  conversation: summarizing({ keepRecent: 4, triggerMessages: 8 }),
});

export const conversationAgents: AgentDefinition[] = [windowAgent, summaryAgent, ownModelSummaryAgent];
