/** The test worker's workflow bundle entry: the example agents plus the test agents. */
import { exampleAgents } from '../../src/agents/index.js';
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { createGraphWorkflow } from '../../src/workflows/graph.js';
import { createSwarmWorkflow } from '../../src/workflows/swarm.js';
import { exampleGraphs, exampleSwarms } from '../../src/agents/multi-agent.js';
import { testGraphs, testSwarmAgents, testSwarms } from './multi-agent-defs.js';
import { testAgents } from './test-agents.js';

export const agentRun = createAgentRunWorkflow([...exampleAgents, ...testAgents, ...testSwarmAgents]);
export const agentGraph = createGraphWorkflow([...exampleGraphs, ...testGraphs], [...exampleAgents, ...testAgents, ...testSwarmAgents]);
export const agentSwarm = createSwarmWorkflow([...exampleSwarms, ...testSwarms], [...exampleAgents, ...testAgents, ...testSwarmAgents]);
export { agentSession } from '../../src/workflows/session.js';
export { planAndExecute } from '../../src/workflows/plan-and-execute.js';
