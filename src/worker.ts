/**
 * The worker: runs agent-run workflows and their model and tool activities. A thin convenience
 * over the plugin (`plugin.ts`) that defaults to this repository's example agents and tools.
 */
import { createRequire } from 'node:module';
import { Worker, type NativeConnection, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { exampleTools } from './agents/tools.js';
import type { ModelProvider } from './models/provider.js';
import { startTracing } from './observability/tracing.js';
import { agentsPlugin, type AgentDeployment, type AgentsPluginOptions } from './plugin.js';
import { ownModule } from './temporal/workflow-entry.js';
import { TASK_QUEUE } from './workflows/messages.js';

/** The example agents' workflows: `src/workflows/index.ts` from source, `dist/workflows/index.js` compiled. */
export const WORKFLOWS_PATH = ownModule(import.meta.url, './workflows/index');

export interface AgentWorkerOptions extends Omit<AgentsPluginOptions, 'models'> {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A prebuilt bundle (tests build one and reuse it); default: the `agents` module's workflows, else the examples'. */
  workflowBundle?: WorkflowBundleOption;
  /** Your own workflows; with `agents`, the agent workflows are added beside them. */
  workflowsPath?: string;
  /** Extra or replacement model providers by name; `bedrock` and `demo` are always there. */
  providers?: Record<string, ModelProvider>;
  /** Workflows kept in memory; parked runs beyond it are evicted and replayed on demand. */
  maxCachedWorkflows?: number;
  /** Any other worker option (for example a shorter `stickyQueueScheduleToStartTimeout`). */
  tuning?: Partial<Omit<WorkerOptions, 'connection' | 'taskQueue' | 'activities' | 'workflowsPath' | 'workflowBundle'>>;
}

/** The package's version (`package.json` sits one folder up from both src/ and dist/): the default build id. */
export const PACKAGE_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * This worker's deployment version from the environment: `AGENT_DEPLOYMENT_NAME` (default: the
 * task queue's name) and `AGENT_BUILD_ID` (default: the package version), each overridden by `given`.
 */
export function deploymentFromEnv(taskQueue: string, given: Partial<AgentDeployment> = {}, env: NodeJS.ProcessEnv = process.env): AgentDeployment {
  return {
    name: given.name ?? (env.AGENT_DEPLOYMENT_NAME || taskQueue),
    buildId: given.buildId ?? (env.AGENT_BUILD_ID || PACKAGE_VERSION),
    ...(given.defaultBehavior ? { defaultBehavior: given.defaultBehavior } : {}),
  };
}

/** Tracing is added when OTEL_EXPORTER_OTLP_ENDPOINT is set (see observability/tracing.ts). */
export async function createAgentWorker(options: AgentWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundle, workflowsPath, providers, maxCachedWorkflows, tuning, tools, ...pluginOptions } = options;
  const examples = pluginOptions.agents === undefined;
  const tracing = startTracing();
  const workflows = workflowBundle
    ? { workflowBundle }
    : { workflowsPath: workflowsPath ?? (examples ? WORKFLOWS_PATH : undefined) };
  return Worker.create({
    ...tuning,
    connection,
    namespace: namespace ?? 'default',
    taskQueue: taskQueue ?? TASK_QUEUE,
    ...workflows,
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
    plugins: [
      agentsPlugin({ ...pluginOptions, tools: tools ?? (examples ? exampleTools : []), ...(providers ? { models: providers } : {}) }),
      ...(tracing ? [tracing.plugin] : []),
      ...(tuning?.plugins ?? []),
    ],
  });
}
