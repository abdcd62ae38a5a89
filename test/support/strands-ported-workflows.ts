/**
 * The workflow bundle entry of strands-ported.test.ts: the test agents, the conversation-manager
 * and answers-from-code agents, and the agents after Strands' own fixtures.
 */
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { conversationAgents } from './conversation-agents.js';
import { hookAnswerAgents } from './hook-answer-agents.js';
import { strandsPortedAgents } from './strands-ported-agents.js';
import { testAgents } from './test-agents.js';

export const agentRun = createAgentRunWorkflow([...testAgents, ...conversationAgents, ...hookAnswerAgents, ...strandsPortedAgents]);
export { agentSession } from '../../src/workflows/session.js';
