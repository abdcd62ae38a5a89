/** MCP tools for a worker: its servers (built-in, `AGENT_MCP_CONFIG`, its own) and their pooled connections. */
import type { WorkspaceRoot } from '../agents/files/workspace-roots.js';
import { mcpServersFromConfig, type McpServers } from './config.js';
import { McpTools } from './mcp-tools.js';
import { McpClientPool, type McpPoolOptions } from './pool.js';

export interface McpOptions extends McpPoolOptions {
  /** Servers by name, beside (or replacing) the built-in `filesystem` and those of `AGENT_MCP_CONFIG`. */
  servers?: McpServers;
  /** Share connections with another worker, or close them yourself (default: a pool of this worker's own). */
  pool?: McpClientPool;
}

export function createMcpTools(options: McpOptions = {}, workspaceRoots: () => readonly WorkspaceRoot[]): McpTools {
  const { servers, pool, ...poolOptions } = options;
  return new McpTools(mcpServersFromConfig(servers), pool ?? new McpClientPool(poolOptions), workspaceRoots);
}

export { McpClientPool, McpTools };
export type { McpServers, McpServerConfig, HttpServerConfig, StdioServerConfig, RunPlace } from './config.js';
