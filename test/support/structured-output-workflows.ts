/** The workflow bundle entry of the structured-output tests: their agents (./structured-output-agents.ts). */
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { structuredOutputAgents } from './structured-output-agents.js';

export const agentRun = createAgentRunWorkflow(structuredOutputAgents);
export { agentSession } from '../../src/workflows/session.js';
