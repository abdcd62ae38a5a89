/**
 * `demo`: self-contained for a newcomer. Uses the server at TEMPORAL_ADDRESS, or starts an
 * embedded dev server with the Web UI; runs an in-process worker either way; deletes sample
 * files in a fresh workspace through the same question loop as `run`; shows what is left.
 */
import { readdirSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { AgentClient } from '../sdk/agent-client.js';
import { configuredAddress, connectWorker } from '../temporal/connection.js';
import { connectOrExplain, taskQueue } from './connect.js';
import { CliError, Interrupted } from './errors.js';
import { createDemoWorkspace, DEMO_FILES, DEMO_PROMPT, TRUST_DEMO_PROMPTS } from './demo-workspace.js';
import type { AgentRunResult } from '../workflows/messages.js';
import { installRuntime, startEmbeddedServer, startInProcessWorker, type EmbeddedServer, type InProcessWorker } from './embedded.js';
import { driveRun, fixedAnswerer, Terminal, terminalAnswerer } from './interactive.js';
import { chooseModel, type ModelFlags } from './model-choice.js';
import { formatResult, outputFor, type JsonFlag } from './output.js';
import { abortable, shutdownSignal } from './signals.js';
import { signerFor, type KeyFlags } from './signing.js';
import { formatModelChoice } from '../agent/model-choice.js';

interface Infrastructure {
  client: Client;
  uiUrl: string | undefined;
  namespace: string;
  worker: InProcessWorker;
  close(): Promise<void>;
}

async function bringUp(out: ReturnType<typeof outputFor>, signal: AbortSignal): Promise<Infrastructure> {
  const address = configuredAddress();
  let server: EmbeddedServer | undefined;
  let client: Client;
  let nativeConnection: NativeConnection;
  let namespace: string;
  if (address) {
    out.info(`using the Temporal server at ${address} (TEMPORAL_ADDRESS)`);
    client = await connectOrExplain();
    try {
      ({ connection: nativeConnection, namespace } = await connectWorker());
    } catch (error) {
      await client.connection.close().catch(() => undefined);
      throw new CliError(`cannot reach the Temporal server at ${address}: ${(error as Error).message}`);
    }
  } else {
    out.info('TEMPORAL_ADDRESS is not set: starting an embedded Temporal dev server with its Web UI...');
    server = await startEmbeddedServer({ ui: true });
    ({ client, nativeConnection, namespace } = server);
  }
  const shutdownInfra = async () => {
    if (server) await server.teardown().catch(() => undefined);
    else {
      await client.connection.close().catch(() => undefined);
      await nativeConnection.close().catch(() => undefined);
    }
  };
  try {
    const worker = await abortable(startInProcessWorker(nativeConnection, namespace, taskQueue(), { progress: (line) => out.info(line) }), signal);
    return {
      client,
      uiUrl: server?.uiUrl,
      namespace,
      worker,
      close: async () => {
        await worker.stop().catch(() => undefined);
        await shutdownInfra();
      },
    };
  } catch (error) {
    await shutdownInfra();
    throw error;
  }
}

export interface DemoFlags extends JsonFlag, ModelFlags, KeyFlags {
  agent?: string;
  answer?: string;
}

/** Waits until the session has taken in its last run's end (reported by signal), so the next prompt is not refused. */
async function settle(agents: AgentClient, sessionId: string): Promise<void> {
  for (let i = 0; i < 100 && (await agents.session(sessionId)).active; i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

export async function demoCommand(flags: DemoFlags): Promise<void> {
  const out = outputFor(flags);
  const agent = flags.agent ?? 'file-approval';
  installRuntime('WARN');
  // The in-process worker loads the AWS SDK, which nags about Node 20 on stderr; not a newcomer's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const signal = shutdownSignal();
  const model = chooseModel(flags, true);
  const signer = signerFor(flags);
  const workspace = createDemoWorkspace();
  out.info(`workspace ${workspace}: ${Object.keys(DEMO_FILES).join(', ')}`);

  const infra = await bringUp(out, signal);
  const terminal = new Terminal(out.dialogue);
  try {
    const agents = new AgentClient(infra.client, taskQueue());
    // trusted-files shows a session: the second prompt finds the trust that a "t" gave the first.
    const sessionId = agent === 'trusted-files' ? `demo-${Date.now().toString(36)}` : undefined;
    const prompts = sessionId ? TRUST_DEMO_PROMPTS : [DEMO_PROMPT];
    const answer = flags.answer !== undefined ? fixedAnswerer(flags.answer, out.dialogue) : terminalAnswerer(terminal);
    const results: Array<{ workflowId: string; result: AgentRunResult }> = [];
    for (const prompt of prompts) {
      const { workflowId } = await agents.start({ agent, prompt, workspace, ...(model ? { model } : {}), ...(sessionId ? { sessionId } : {}) });
      const modelText = model ? formatModelChoice(model) : "the agent's or the worker's default";
      out.info(`started ${workflowId}: agent ${agent}, model ${modelText}${sessionId ? `, session ${sessionId}` : ''}`);
      out.info(`prompt: ${prompt}`);
      if (infra.uiUrl) out.info(`watch it in the Web UI: ${infra.uiUrl}/namespaces/${infra.namespace}/workflows/${workflowId}`);
      const result = await driveRun(agents, workflowId, { answer, output: out.dialogue, live: out.dialogue, signal, signer }).catch((error: unknown) => {
        if (error instanceof Interrupted) throw new Interrupted('demo stopped');
        throw error;
      });
      out.info(['', ...formatResult(result, true), ''].join('\n'));
      results.push({ workflowId, result });
      if (sessionId) await settle(agents, sessionId);
    }
    const remaining = readdirSync(workspace).sort();
    const last = results.at(-1)!;
    out.emit({ workflowId: last.workflowId, agent, workspace, remaining, result: last.result, runs: results, ...(sessionId ? { sessionId } : {}) }, [
      remaining.length > 0 ? `files still in ${workspace}: ${remaining.join(', ')}` : `${workspace} is now empty: every file was deleted`,
    ]);
  } finally {
    terminal.close();
    out.info('shutting down the worker' + (infra.uiUrl ? ' and the dev server' : '') + '...');
    await infra.close();
  }
}
