/**
 * The worker: runs agent-run workflows and their model and tool activities. Agents' workflow
 * halves come in through the workflow bundle; their tool bodies and the model providers here.
 */
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type RegisteredTool } from './activities/index.js';
import { exampleTools } from './agents/tools.js';
import type { BedrockOptions } from './models/bedrock.js';
import { defaultProviders } from './models/default-providers.js';
import type { ModelProvider } from './models/provider.js';
import { TASK_QUEUE } from './workflows/messages.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface AgentWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A prebuilt bundle (tests build one and reuse it); default: bundle `src/workflows/index.ts`. */
  workflowBundle?: WorkflowBundleOption;
  workflowsPath?: string;
  tools?: readonly RegisteredTool[];
  /** Extra or replacement model providers by name; `bedrock` and `demo` are always there. */
  providers?: Record<string, ModelProvider>;
  bedrock?: BedrockOptions;
  /** Workflows kept in memory; parked runs beyond it are evicted and replayed on demand. */
  maxCachedWorkflows?: number;
  /** Any other worker option (for example a shorter `stickyQueueScheduleToStartTimeout`). */
  tuning?: Partial<Omit<WorkerOptions, 'connection' | 'taskQueue' | 'activities' | 'workflowsPath' | 'workflowBundle'>>;
}

export async function createAgentWorker(options: AgentWorkerOptions): Promise<Worker> {
  const workflows = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...workflows,
    activities: createActivities({
      providers: { ...defaultProviders(options.bedrock), ...options.providers },
      tools: options.tools ?? exampleTools,
    }),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...options.tuning,
  });
}
