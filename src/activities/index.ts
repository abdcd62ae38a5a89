/** The worker's activities: model calls and tool calls, built from the providers and tools it has. */
import type { ModelProvider } from '../models/provider.js';
import { createApproverKeysActivity } from './approver-keys.js';
import { createModelActivity } from './model.js';
import { runState } from './run-state.js';
import { createToolActivity, type RegisteredTool } from './tool.js';

export interface ActivityDependencies {
  providers: Record<string, ModelProvider>;
  tools: readonly RegisteredTool[];
  /** The approvers file (public keys by name); default `AGENT_APPROVER_KEYS`. */
  approverKeysFile?: string;
}

export function createActivities({ providers, tools, approverKeysFile }: ActivityDependencies) {
  return {
    approverKeys: createApproverKeysActivity(approverKeysFile),
    invokeModel: createModelActivity(providers),
    runTool: createToolActivity(tools),
    runState,
  };
}

export type { RegisteredTool };
