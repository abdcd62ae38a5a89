/** The worker's activities: model calls and tool calls, built from the providers and tools it has. */
import type { ModelProvider } from '../models/provider.js';
import { createModelActivity } from './model.js';
import { runState } from './run-state.js';
import { createToolActivity, type RegisteredTool } from './tool.js';

export interface ActivityDependencies {
  providers: Record<string, ModelProvider>;
  tools: readonly RegisteredTool[];
}

export function createActivities({ providers, tools }: ActivityDependencies) {
  return {
    invokeModel: createModelActivity(providers),
    runTool: createToolActivity(tools),
    runState,
  };
}

export type { RegisteredTool };
