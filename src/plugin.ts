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
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { createActivities, type ActivityDependencies, type RegisteredTool } from './activities/index.js';
import type { BedrockOptions } from './models/bedrock.js';
import { defaultProviders, type OtherProviderOptions } from './models/default-providers.js';
import type { ModelProvider } from './models/provider.js';
import { modulePath, writeWorkflowEntry } from './temporal/workflow-entry.js';

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
}

export class AgentsPlugin extends SimplePlugin {
  private readonly agentsModule: string | undefined;

  constructor(options: AgentsPluginOptions = {}) {
    const { agents, tools, models, bedrock, openai, anthropic, ...activityOptions } = options;
    const providers = { ...defaultProviders(bedrock, { ...(openai ? { openai } : {}), ...(anthropic ? { anthropic } : {}) }), ...models };
    super({
      name: 'durable-hitl-agents',
      activities: createActivities({ ...activityOptions, providers, tools: tools ?? [] }),
    });
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
    return configured.workflowBundle ? configured : { ...configured, workflowsPath: this.workflowsPath(configured.workflowsPath) };
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured = super.configureReplayWorker(options);
    return configured.workflowBundle ? configured : { ...configured, workflowsPath: this.workflowsPath(configured.workflowsPath) };
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    const configured = super.configureBundler(options);
    return { ...configured, workflowsPath: this.workflowsPath(configured.workflowsPath) ?? configured.workflowsPath };
  }
}

/** The agents plugin for `Worker.create({ plugins })` and `bundleWorkflowCode({ plugins })`. */
export function agentsPlugin(options: AgentsPluginOptions = {}): AgentsPlugin {
  return new AgentsPlugin(options);
}
