/** The workflow bundle entry of the conversation-manager tests: their agents (./conversation-agents.ts). */
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { conversationAgents } from './conversation-agents.js';

export const agentRun = createAgentRunWorkflow(conversationAgents);
export { agentSession } from '../../src/workflows/session.js';
