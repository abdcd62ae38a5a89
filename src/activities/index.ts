/** The worker's activities: model calls and tool calls, built from the providers and tools it has. */
import type { RemoteToolsRequest } from '../agent/runtime.js';
import type { ModelProvider } from '../models/provider.js';
import { resolveWorkspaceRoots } from '../agents/files/workspace-roots.js';
import { createMcpTools, type McpOptions } from '../mcp/index.js';
import { createNotifyActivity } from '../notify/activity.js';
import type { NotifyConfig } from '../notify/config.js';
import { createApproverKeysActivity } from './approver-keys.js';
import { createModelActivity } from './model.js';
import { runState } from './run-state.js';
import { watchCaller } from './caller-watch.js';
import { createToolActivity, type RegisteredTool } from './tool.js';

export interface ActivityDependencies {
  providers: Record<string, ModelProvider>;
  tools: readonly RegisteredTool[];
  /**
   * The folders file tools may touch; runs choose folders beneath them. Default: the
   * `:`-separated `AGENT_WORKSPACE_ROOTS`, else `./workspace` (created), resolved against the
   * worker's working directory now, when the worker starts.
   */
  workspaceRoots?: readonly string[];
  /** The approvers file (public keys by name); default `AGENT_APPROVER_KEYS`. */
  approverKeysFile?: string;
  /** MCP servers agents may name (default: the built-in `filesystem` server and `AGENT_MCP_CONFIG`). */
  mcp?: McpOptions;
  /** Where notifications go (webhook, Slack, email, links); default: the `NOTIFY_*` environment (src/notify/config.ts). */
  notify?: NotifyConfig;
}

export function createActivities({ providers, tools, workspaceRoots, approverKeysFile, mcp, notify }: ActivityDependencies) {
  const roots = resolveWorkspaceRoots(workspaceRoots);
  const mcpTools = createMcpTools(mcp, () => roots);
  const invokeModel = createModelActivity(providers);
  return {
    approverKeys: createApproverKeysActivity(approverKeysFile),
    invokeModel,
    // The same activity under the name runs use since model calls carry only what changed
    // (workflows/runtime.ts); `invokeModel` serves the runs that started before.
    invokeModelDelta: invokeModel,
    runTool: createToolActivity(tools, { workspaceRoots: roots, remote: (call, attempt) => mcpTools.call(call, attempt) }),
    remoteTools: (request: RemoteToolsRequest) => mcpTools.list(request),
    runState,
    watchCaller,
    notify: createNotifyActivity(notify),
  };
}

export type { RegisteredTool };
