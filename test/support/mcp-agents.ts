/** Agents that take tools from the test MCP servers (workflow half); the servers' names are resolved by the test worker's MCP configuration. */
import { approvalPolicy } from '../../src/agent/approval/hook.js';
import { defineAgent } from '../../src/agent/definition.js';

const base = { description: 'MCP test agent', systemPrompt: 'test', tools: [] };

export const mcpTestAgents = [
  // Asks before web_echo, so that a run can wait while the server changes.
  defineAgent({ ...base, name: 'mcp-web', mcpServers: [{ server: 'web', prefix: 'web_' }], hooks: approvalPolicy({ ask: ['web_echo'] }) }),
  defineAgent({ ...base, name: 'mcp-clash', mcpServers: [{ server: 'web' }, { server: 'web-again' }] }),
  defineAgent({ ...base, name: 'mcp-late', mcpServers: [{ server: 'late' }] }),
  defineAgent({ ...base, name: 'mcp-stdio', mcpServers: [{ server: 'stdio' }] }),
  defineAgent({ ...base, name: 'mcp-broken', mcpServers: [{ server: 'broken' }] }),
];
