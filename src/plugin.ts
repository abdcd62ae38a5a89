/**
 * The Temporal plugin: adds agents to any worker in one line,
 *
 *   Worker.create({ connection, taskQueue, plugins: [agentsPlugin({ agents: new URL('./agents.js', import.meta.url), tools, models })] })
 *
 * It registers the activities (model calls through the providers, tool calls through the tools,
 * the session's run-state check) and the `agentRun` / `agentSession` workflows. The agents are
 * the workflow half, so they must enter the workflow bundle, which webpack builds from files: the
 * plugin takes the *module* that exports them and generates the bundle's entry from it
 * (`temporal/workflow-entry.ts`), re-exporting the worker's own `workflowsPath` beside them.
 *
 * It also sets the data converter (payloads encrypted when keys are configured, failure messages
 * encoded), the worker's deployment version (runs pinned to the build they started on), and the
 * sink behind the open-interrupts metric.
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { VersioningBehavior } from '@temporalio/common';
import { createActivities, type ActivityDependencies, type RegisteredTool } from './activities/index.js';
import { McpClientPool } from './mcp/index.js';
import type { BedrockOptions } from './models/bedrock.js';
import { defaultProviders, type OtherProviderOptions } from './models/default-providers.js';
import type { ModelProvider } from './models/provider.js';
import { FAILURE_CONVERTER_PATH, workerDataConverter } from './codec/data-converter.js';
import { encryptionKeysFromEnv, type EncryptionKeys } from './codec/keys.js';
import { agentMetricsSinks } from './observability/open-interrupts.js';
import { withAgentBundling } from './temporal/bundle-options.js';
import { modulePath, writeWorkflowEntry } from './temporal/workflow-entry.js';

/** This worker as one version of a Worker Deployment. */
export interface AgentDeployment {
  /** The deployment, e.g. `hitl-agents`: the same for every build of these agents. */
  name: string;
  /** This build, e.g. the package version or a git sha: a new id for every change of workflow code. */
  buildId: string;
  /**
   * How runs without a behaviour of their own move between versions: `PINNED` (default) finishes
   * each run on the build it started on; `AUTO_UPGRADE` moves it to the current version at its next
   * workflow task, which is only safe when every change is guarded with `patched()`.
   */
  defaultBehavior?: VersioningBehavior;
}

export interface AgentsPluginOptions extends Partial<Omit<ActivityDependencies, 'providers' | 'tools'>>, OtherProviderOptions {
  /**
   * The module that exports your agents (`export const agents = [defineAgent(...)]`, or a default
   * export): a file URL or path. Leave it out when your own workflows file already exports
   * `agentRun = createAgentRunWorkflow(agents)` and `agentSession`.
   */
  agents?: string | URL;
  /** Tool bodies (`implementTool(...)`), by tool name. */
  tools?: readonly RegisteredTool[];
  /** Model providers by name, beside (or replacing) the built-in ones (`bedrock`, `openai`, `anthropic`, `demo`, `auto`). */
  models?: Record<string, ModelProvider>;
  /** Options of the built-in Bedrock provider (endpoint, region, credentials); `openai` and `anthropic` likewise. */
  bedrock?: BedrockOptions;
  /** Payload encryption keys; default: PAYLOAD_ENCRYPTION_KEY / PAYLOAD_ENCRYPTION_OLD_KEYS, if set; null: payloads in clear. */
  encryptionKeys?: EncryptionKeys | null;
  /** Worker Deployment Versioning: this worker is one build of a deployment; absent: an unversioned worker. */
  deployment?: AgentDeployment;
}

export class AgentsPlugin extends SimplePlugin {
  private readonly agentsModule: string | undefined;
  private readonly deployment: AgentDeployment | undefined;

  constructor(options: AgentsPluginOptions = {}) {
    const { agents, tools, models, bedrock, openai, anthropic, encryptionKeys, deployment, ...activityOptions } = options;
    const providers = { ...defaultProviders(bedrock, { ...(openai ? { openai } : {}), ...(anthropic ? { anthropic } : {}) }), ...models };
    // The worker's MCP connections (stdio servers are child processes) end when the worker does.
    const { mcp, ...rest } = activityOptions;
    const pool = mcp?.pool ?? new McpClientPool(mcp);
    super({
      name: 'durable-hitl-agents',
      activities: createActivities({ ...rest, mcp: { ...mcp, pool }, providers, tools: tools ?? [] }),
      runContext: async (next) => {
        try {
          await next();
        } finally {
          if (!mcp?.pool) await pool.close();
        }
      },
      dataConverter: workerDataConverter(encryptionKeys === undefined ? encryptionKeysFromEnv() : (encryptionKeys ?? undefined)),
    });
    this.deployment = deployment;
    this.agentsModule = agents === undefined ? undefined : modulePath(agents);
    if (this.agentsModule !== undefined && extname(this.agentsModule) !== '' && !existsSync(this.agentsModule)) {
      throw new Error(`agentsPlugin: the agents module ${this.agentsModule} does not exist`);
    }
  }

  /** The bundle entry: the generated one when the plugin has an agents module, else the worker's own. */
  private workflowsPath(existing: string | undefined): string | undefined {
    return this.agentsModule === undefined ? existing : writeWorkflowEntry(this.agentsModule, existing);
  }

  // A prebuilt workflowBundle is left alone: build it with this plugin, bundleWorkflowCode({ workflowsPath, plugins: [plugin] }).
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    const deployment = this.deployment;
    return {
      ...configured,
      ...(configured.workflowBundle ? {} : { workflowsPath: this.workflowsPath(configured.workflowsPath), bundlerOptions: leanBundlerOptions(configured.bundlerOptions) }),
      sinks: { ...configured.sinks, ...agentMetricsSinks() },
      ...(deployment
        ? {
            workerDeploymentOptions: {
              version: { deploymentName: deployment.name, buildId: deployment.buildId },
              useWorkerVersioning: true,
              defaultVersioningBehavior: deployment.defaultBehavior ?? 'PINNED',
            },
          }
        : {}),
    };
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured = super.configureReplayWorker(options);
    return configured.workflowBundle
      ? configured
      : { ...configured, workflowsPath: this.workflowsPath(configured.workflowsPath), bundlerOptions: leanBundlerOptions(configured.bundlerOptions) };
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    const configured = super.configureBundler(options);
    return {
      ...withAgentBundling(configured),
      workflowsPath: this.workflowsPath(configured.workflowsPath) ?? configured.workflowsPath,
      failureConverterPath: configured.failureConverterPath ?? FAILURE_CONVERTER_PATH,
    };
  }
}

/** The workflow bundle's settings (see bundle-options.ts), around the worker's own. */
function leanBundlerOptions(options: WorkerOptions['bundlerOptions']): WorkerOptions['bundlerOptions'] {
  return withAgentBundling(options ?? {});
}

/** The agents plugin for `Worker.create({ plugins })` and `bundleWorkflowCode({ plugins })`. */
export function agentsPlugin(options: AgentsPluginOptions = {}): AgentsPlugin {
  return new AgentsPlugin(options);
}
