/** The test worker's workflow bundle entry: the example agents plus the test agents. */
import { exampleAgents } from '../../src/agents/index.js';
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { testAgents } from './test-agents.js';

export const agentRun = createAgentRunWorkflow([...exampleAgents, ...testAgents]);
export { agentSession } from '../../src/workflows/session.js';
export { planAndExecute } from '../../src/workflows/plan-and-execute.js';
