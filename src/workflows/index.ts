/** The worker's workflows. This file is the workflow bundle's entry: everything it imports must be workflow-safe. */
import { exampleAgents } from '../agents/index.js';
import { createAgentRunWorkflow } from './agent-run.js';

export const agentRun = createAgentRunWorkflow(exampleAgents);
export { agentSession } from './session.js';
export { planAndExecute } from './plan-and-execute.js';
