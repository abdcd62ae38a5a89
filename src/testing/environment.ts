/**
 * A test environment for your own agents: a Temporal dev server (or the server at `address`), a
 * worker with the agents plugin, scripted models, and an `AgentClient`. Approval flows run end to
 * end, offline:
 *
 *   const env = await AgentTestEnvironment.start({ agents: new URL('./agents.js', import.meta.url), tools });
 *   const model = env.script({ tools: [{ name: 'submit_expense', input: { amount: 420 } }] }, { text: 'Submitted.' });
 *   const { workflowId } = await env.client.start({ agent: 'expenses', prompt: '...', model });
 *   const waiting = await env.client.wait(workflowId);      // status "waiting", one pending interrupt
 *   await env.client.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
 *   await env.teardown();
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ModelChoice } from '../agent/types.js';
import { agentsPlugin, type AgentsPluginOptions } from '../plugin.js';
import { AgentClient } from '../sdk/agent-client.js';
import { startDevServer, type DevServerOptions } from '../temporal/dev-server.js';
import { ScriptedModels, SCRIPTED_PROVIDER, type ScriptedTurn } from './scripted-models.js';

export interface AgentTestEnvironmentOptions extends AgentsPluginOptions {
  /** An existing server to use; default: TEMPORAL_ADDRESS when set, else a fresh dev server. */
  address?: string;
  /** Options of the dev server started for the tests. */
  devServer?: DevServerOptions;
  /** Task queue of the test worker (default: a fresh one). */
  taskQueue?: string;
}

let environments = 0;

export class AgentTestEnvironment {
  readonly client: AgentClient;

  private constructor(
    readonly temporal: TestWorkflowEnvironment,
    readonly worker: Worker,
    private readonly running: Promise<void>,
    readonly models: ScriptedModels,
    readonly taskQueue: string,
  ) {
    this.client = new AgentClient(temporal.client, taskQueue);
  }

  static async start(options: AgentTestEnvironmentOptions = {}): Promise<AgentTestEnvironment> {
    const { address = process.env['TEMPORAL_ADDRESS'], devServer, taskQueue = `agent-tests-${process.pid}-${environments++}`, ...plugin } = options;
    const temporal = address ? await TestWorkflowEnvironment.createFromExistingServer({ address }) : await startDevServer(devServer);
    const models = new ScriptedModels();
    try {
      const worker = await Worker.create({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace ?? 'default',
        taskQueue,
        plugins: [agentsPlugin({ ...plugin, models: { [SCRIPTED_PROVIDER]: models, ...plugin.models } })],
      });
      const running = worker.run();
      running.catch(() => undefined); // a worker that dies early fails `teardown()`, not the process
      return new AgentTestEnvironment(temporal, worker, running, models, taskQueue);
    } catch (error) {
      await temporal.teardown();
      throw error;
    }
  }

  /** A model of its own that answers with these turns (see `ScriptedModels`). */
  script(...turns: ScriptedTurn[]): ModelChoice {
    return this.models.script(...turns);
  }

  /** Stops the worker, then the server (when this environment started it). */
  async teardown(): Promise<void> {
    if (this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    await this.temporal.teardown();
  }
}
