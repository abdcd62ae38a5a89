/**
 * The worker: the agent (agents.ts), its tool's body and the offline model, through the plugin.
 * Run it beside a Temporal server (`npx hitl dev` in another terminal, or TEMPORAL_ADDRESS):
 *
 *   npx tsx examples/chat/worker.ts
 *
 * In your project, import from `durable-hitl-agents/worker` (here: this repository's source).
 */
import { pathToFileURL } from 'node:url';
import { Worker } from '@temporalio/worker';
import { agentsPlugin, connectWorker, type AgentsPluginOptions } from '../../src/entries/worker.js';
import { refundTools } from './agents.js';
import { chatModels } from './model.js';

export const CHAT_TASK_QUEUE = process.env['CHAT_TASK_QUEUE'] ?? 'refund-chat';

/** What the plugin needs: the agents module (it enters the workflow bundle), the tool bodies, the models. */
export function chatPluginOptions(): AgentsPluginOptions & Required<Pick<AgentsPluginOptions, 'agents' | 'tools' | 'models'>> {
  return { agents: new URL('./agents.ts', import.meta.url), tools: refundTools.implementations, models: chatModels };
}

async function main(): Promise<void> {
  // Temporal's environment configuration: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, a temporal.toml profile...
  const { connection, namespace } = await connectWorker();
  try {
    const worker = await Worker.create({ connection, namespace, taskQueue: CHAT_TASK_QUEUE, plugins: [agentsPlugin(chatPluginOptions())] });
    console.log(`refund-chat worker ready on task queue ${CHAT_TASK_QUEUE}`);
    await worker.run(); // until Ctrl-C
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
