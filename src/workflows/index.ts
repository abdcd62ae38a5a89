/** The worker's workflows. This file is the workflow bundle's entry: everything it imports must be workflow-safe. */
import { exampleAgents } from '../agents/index.js';
import { exampleGraphs, exampleSwarms } from '../agents/multi-agent.js';
import { createAgentRunWorkflow } from './agent-run.js';
import { createGraphWorkflow } from './graph.js';
import { createSwarmWorkflow } from './swarm.js';

export const agentRun = createAgentRunWorkflow(exampleAgents);
export { agentSession } from './session.js';
export { planAndExecute } from './plan-and-execute.js';
export const agentGraph = createGraphWorkflow(exampleGraphs, exampleAgents);
export const agentSwarm = createSwarmWorkflow(exampleSwarms, exampleAgents);
