/**
 * For the MCP tests and fault section: test MCP servers as processes (stdio settings, or a
 * Streamable HTTP server that can be killed) and a worker of the MCP test agents.
 */
import { registerReplayBundle } from './run-checks.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, type NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resultText, type Message } from '../../src/agent/types.js';
import { exampleTools } from '../../src/agents/tools.js';
import type { StdioServerConfig } from '../../src/mcp/config.js';
import { McpClientPool, type McpServers } from '../../src/mcp/index.js';
import type { BedrockOptions } from '../../src/models/bedrock.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { createAgentWorker } from '../../src/worker.js';

export const MCP_TEST_SERVER = fileURLToPath(new URL('./mcp-test-server.ts', import.meta.url));

type Toolset = 'basic' | 'v2' | 'garbage-list';

/** The test server over stdio, as a worker's server configuration. */
export function stdioTestServer(toolset: Toolset = 'basic', log?: string): StdioServerConfig {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', MCP_TEST_SERVER, 'stdio'],
    env: { MCP_TEST_TOOLS: toolset, ...(log ? { MCP_TEST_LOG: log } : {}) },
  };
}

export class HttpTestServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  /** Starts the server on `port` (0: any free port) and waits until it listens. */
  static async start(options: { port?: number; toolset?: Toolset; log?: string } = {}): Promise<HttpTestServer> {
    const child = spawn(process.execPath, ['--import', 'tsx', MCP_TEST_SERVER, 'http', String(options.port ?? 0)], {
      env: { ...process.env, MCP_TEST_TOOLS: options.toolset ?? 'basic', ...(options.log ? { MCP_TEST_LOG: options.log } : {}) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    for await (const chunk of child.stdout!) {
      output += String(chunk);
      const match = /listening (\d+)/.exec(output);
      if (match) return new HttpTestServer(child, Number(match[1]));
    }
    throw new Error(`the HTTP test MCP server did not start (exit ${child.exitCode})`);
  }

  /** Kills the process (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** The calls a test server logged (see MCP_TEST_LOG). */
export function loggedCalls(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

export const MCP_WORKFLOWS = fileURLToPath(new URL('./mcp-workflows.ts', import.meta.url));

/** An in-process worker of the MCP test agents on its own task queue, with its own MCP servers and pool. */
export class McpTestWorker {
  private constructor(
    readonly agents: AgentClient,
    readonly pool: McpClientPool,
    private readonly running: Promise<void>,
    private readonly worker: Worker,
  ) {}

  static async start(options: { connection: NativeConnection; client: Client; namespace?: string; bedrock: BedrockOptions; servers: McpServers }): Promise<McpTestWorker> {
    const taskQueue = `mcp-${process.pid}-${McpTestWorker.count++}`;
    const pool = new McpClientPool();
    McpTestWorker.bundle ??= registerReplayBundle(bundleWorkflowCode(withAgentBundling({ workflowsPath: MCP_WORKFLOWS, logger: errorsOnlyLogger })));
    const worker = await createAgentWorker({
      connection: options.connection,
      namespace: options.namespace ?? 'default',
      taskQueue,
      workflowBundle: await McpTestWorker.bundle,
      tools: exampleTools,
      bedrock: options.bedrock,
      mcp: { servers: options.servers, pool },
    });
    return new McpTestWorker(new AgentClient(options.client, taskQueue), pool, worker.run(), worker);
  }

  private static count = 0;
  private static bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

  async stop(): Promise<void> {
    if (this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    await this.pool.close();
  }
}

/** Facts of a run's history: failed workflow tasks (must stay 0) and the remoteTools attempts. */
export async function historyFacts(client: Client, workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return { failedWorkflowTasks: events.filter((event) => event.workflowTaskFailedEventAttributes).length };
}

/** Every tool result of the run, with the name of the tool it answers. */
export function toolResults(messages: Message[]): Array<{ name: string; status: string; text: string }> {
  const names = new Map<string, string>();
  const results: Array<{ name: string; status: string; text: string }> = [];
  for (const message of messages) {
    for (const block of message.content) {
      if ('toolUse' in block) names.set(block.toolUse.toolUseId, block.toolUse.name);
      if ('toolResult' in block) results.push({ name: names.get(block.toolResult.toolUseId) ?? '?', status: block.toolResult.status, text: resultText(block.toolResult, '\n') });
    }
  }
  return results;
}
