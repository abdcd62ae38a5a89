/**
 * The bench agent worker's workflow bundle entry: the product's agent-run workflow over the bench
 * agents, exactly as src/workflows/index.ts builds it over the example agents.
 */
import { createAgentRunWorkflow } from '../src/workflows/agent-run.js';
import { benchAgents } from './agents.js';

export const agentRun = createAgentRunWorkflow(benchAgents);
