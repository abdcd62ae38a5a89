/** The CLI's connection to Temporal (standard env config) and the task queue it starts runs on. */
import type { Client } from '@temporalio/client';
import { EncryptionKeyError } from '../codec/keys.js';
import { AgentClient } from '../sdk/agent-client.js';
import { configuredAddress, connectClient } from '../temporal/connection.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { CliError } from './errors.js';
import { CLI_INVOCATION } from './invocation.js';

/** `AGENT_TASK_QUEUE` when set (tests use their own), else the product's queue. Worker and client agree on it. */
export function taskQueue(): string {
  return process.env.AGENT_TASK_QUEUE || TASK_QUEUE;
}

/** Connects to the configured server, or fails with one line that says where it looked. */
export async function connectOrExplain(): Promise<Client> {
  try {
    return await connectClient();
  } catch (error) {
    if (error instanceof EncryptionKeyError) throw new CliError(error.message);
    const address = configuredAddress() ?? 'localhost:7233 (the default: no --address, TEMPORAL_ADDRESS or profile names one)';
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `cannot reach the Temporal server at ${address}: ${reason}. ` +
        `Start one with \`${CLI_INVOCATION} dev\` (or \`temporal server start-dev\`), or point --address / TEMPORAL_ADDRESS at a running server.`,
    );
  }
}

/** Runs `body` with an AgentClient and closes the connection afterwards, whatever happens. */
export async function withAgents<T>(body: (agents: AgentClient) => Promise<T>): Promise<T> {
  const client = await connectOrExplain();
  try {
    return await body(new AgentClient(client, taskQueue()));
  } finally {
    await client.connection.close().catch(() => undefined);
  }
}
