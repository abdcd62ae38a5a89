/** The workflow bundle entry of the AI SDK tests: their agents (test/support/ai-sdk-agents.ts). */
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { aiSdkAgents } from './ai-sdk-agents.js';

export const agentRun = createAgentRunWorkflow(aiSdkAgents);
export { agentSession } from '../../src/workflows/session.js';
