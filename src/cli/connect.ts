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

/** Connects to the configured server, or fails with one line that says where it looked, and why. */
export async function connectOrExplain(): Promise<Client> {
  try {
    return await connectClient();
  } catch (error) {
    if (error instanceof EncryptionKeyError) throw new CliError(error.message);
    const configured = configuredAddress();
    const address = configured ?? 'localhost:7233 (the default: no --address, TEMPORAL_ADDRESS or profile names one)';
    const refused = credentialsRefusal(error);
    if (refused) {
      throw new CliError(
        `the Temporal server at ${address} refused this client's credentials (${refused}): ` +
          "check the API key (--api-key, TEMPORAL_API_KEY or the profile's api_key) or the client certificate (--tls-cert-path, the profile's tls section), and the namespace",
      );
    }
    const reason = error instanceof Error ? error.message + causeDetails(error) : String(error);
    // A server someone named is not one to start here: its address or TLS settings are what to check.
    const next = configured
      ? "check that it runs there and that the address and TLS settings (--tls*, TEMPORAL_TLS*, the profile's tls section and certificates) are right."
      : `Start one with \`${CLI_INVOCATION} dev\` (or \`temporal server start-dev\`), or point --address / TEMPORAL_ADDRESS at a running server.`;
    throw new CliError(`cannot reach the Temporal server at ${address}: ${reason}. ${next}`);
  }
}

/** gRPC UNAUTHENTICATED and PERMISSION_DENIED: the server answered, and said no to who is calling. */
const REFUSED_CODES = new Map([
  [16, 'UNAUTHENTICATED'],
  [7, 'PERMISSION_DENIED'],
]);

/** What the gRPC error under the client's "Failed to connect" said (a refused TLS handshake, a wrong port). */
function causeDetails(error: Error): string {
  const details = (error.cause as { details?: unknown } | undefined)?.details;
  return typeof details === 'string' && details && !error.message.includes(details) ? ` (${details})` : '';
}

/** The server's refusal of the credentials, found in the client's "Failed to connect" error's cause. */
function credentialsRefusal(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; details?: unknown } | undefined) : undefined;
  const name = typeof cause?.code === 'number' ? REFUSED_CODES.get(cause.code) : undefined;
  if (!name) return undefined;
  return typeof cause?.details === 'string' && cause.details ? `${name}: ${cause.details}` : name;
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
