/** The MCP tests' workflow bundle entry: the example and test agents plus the MCP test agents. */
import { exampleAgents } from '../../src/agents/index.js';
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { mcpTestAgents } from './mcp-agents.js';
import { testAgents } from './test-agents.js';

export const agentRun = createAgentRunWorkflow([...exampleAgents, ...testAgents, ...mcpTestAgents]);
export { agentSession } from '../../src/workflows/session.js';
