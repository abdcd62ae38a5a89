/**
 * The worker side of MCP tools: lists an agent's servers' tools for a run (the `remoteTools`
 * activity) and makes one call (the tool activity's branch for `call.remote`).
 *
 * What may be retried and what the model sees:
 * - listing: a server that cannot be reached is a retryable activity failure (the workflow backs
 *   off, then fails the run with this reason); an unknown server or an answer that is not a
 *   tool list fails the run at once;
 * - a call: a server that cannot be reached is retried by Temporal twice (nothing was sent), then
 *   the model gets an error result; a connection that breaks mid-call, the server's own errors
 *   and `isError: true` are error results at once (a second attempt might act twice).
 */
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerRef, RemoteToolDefinition } from '../agent/definition.js';
import type { RemoteToolsRequest, ToolCall } from '../agent/runtime.js';
import { errorResult, type JsonObject, type ToolResult } from '../agent/types.js';
import { Workspace } from '../agents/files/workspace.js';
import { chooseWorkspace, type WorkspaceRoot } from '../agents/files/workspace-roots.js';
import { needsRunPlace, resolveServer, type McpServers, type ResolvedServer, type RunPlace } from './config.js';
import { describe, McpClientPool, McpServerUnreachable } from './pool.js';
import { toolResultFromMcp } from './tool-result.js';

/** Attempts of a call whose server cannot be reached before the model is told (Temporal backs off between them). */
export const UNREACHABLE_CALL_ATTEMPTS = 3;
/** One call may take this long: inside the tool activity's 5-minute start-to-close timeout. */
export const MCP_CALL_TIMEOUT_MS = 270_000;
/** Names every model provider accepts for a tool. */
const MODEL_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class McpTools {
  constructor(
    readonly servers: McpServers,
    readonly pool: McpClientPool,
    private readonly workspaceRoots: () => readonly WorkspaceRoot[],
  ) {}

  /** Every tool of the agent's servers, named as the model will see them. */
  async list(request: RemoteToolsRequest): Promise<RemoteToolDefinition[]> {
    const tools: RemoteToolDefinition[] = [];
    for (const ref of request.servers) {
      const server = await this.resolve(ref.server, request, (problem) => ApplicationFailure.nonRetryable(problem, 'McpServerUnknown'));
      const listed = await this.pool.use(ref.server, server, listAll).catch((error: unknown) => {
        if (error instanceof McpServerUnreachable) throw ApplicationFailure.retryable(error.message, 'McpServerUnavailable');
        throw ApplicationFailure.nonRetryable(`MCP server "${ref.server}" did not give a tool list: ${describe(error)}`, 'McpServerBroken');
      });
      tools.push(...named(ref, listed));
    }
    return tools;
  }

  /** One call of a server's tool; every outcome but "cannot reach it yet" is a result the model sees. */
  async call(call: ToolCall, attempt: number): Promise<ToolResult> {
    const { toolUse } = call;
    const remote = call.remote!;
    try {
      const server = await this.resolve(remote.server, call, (problem) => new Error(problem));
      const result = await this.pool.use(remote.server, server, (client) =>
        client.callTool({ name: remote.tool, arguments: toolUse.input as JsonObject }, undefined, { timeout: MCP_CALL_TIMEOUT_MS, resetTimeoutOnProgress: true }),
      );
      return toolResultFromMcp(toolUse.toolUseId, toolUse.name, result);
    } catch (error) {
      if (error instanceof McpServerUnreachable && attempt < UNREACHABLE_CALL_ATTEMPTS) throw ApplicationFailure.retryable(error.message, 'McpServerUnavailable');
      const note = error instanceof McpServerUnreachable ? ' The call was not made.' : '';
      return errorResult(toolUse.toolUseId, `Tool "${toolUse.name}" failed: ${describe(error)}.${note}`);
    }
  }

  /** The server's settings for this run; the workspace folder is checked (and created) only when they need it. */
  private async resolve(name: string, run: { runId: string; workspace?: string }, unknown: (problem: string) => Error): Promise<ResolvedServer> {
    const config = Object.hasOwn(this.servers, name) ? this.servers[name] : undefined;
    if (!config) throw unknown(`no MCP server "${name}" in this worker's configuration (it has: ${Object.keys(this.servers).join(', ') || 'none'})`);
    const place = needsRunPlace(config) ? await this.runPlace(run) : undefined;
    return resolveServer(config, () => place!);
  }

  /** The run's folder beneath the worker's roots, opened through the jail first (refused if it leads outside them). */
  private async runPlace(run: { runId: string; workspace?: string }): Promise<RunPlace> {
    const roots = this.workspaceRoots();
    const workspace = await Workspace.open(roots, run.workspace);
    await workspace.close();
    const chosen = chooseWorkspace(roots, run.workspace);
    return { runId: run.runId, workspaceFolder: path.join(chosen.root.real, ...chosen.components) };
  }
}

async function listAll(client: Client) {
  const tools = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor !== undefined ? { cursor } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

type ListedTool = Awaited<ReturnType<typeof listAll>>[number];

function named(ref: McpServerRef, listed: ListedTool[]): RemoteToolDefinition[] {
  const tools: RemoteToolDefinition[] = [];
  for (const tool of listed) {
    const name = `${ref.prefix ?? ''}${tool.name}`;
    if (!MODEL_TOOL_NAME.test(name)) {
      warn(`MCP server "${ref.server}": tool ${JSON.stringify(name).slice(0, 100)} left out (models take names of 1-64 letters, digits, _ and -)`);
      continue;
    }
    // `$schema` only names the draft; some model services refuse it, as they refuse it from zod.
    const { $schema: _draft, ...inputSchema } = tool.inputSchema as JsonObject;
    tools.push({ name, description: tool.description ?? tool.title ?? '', inputSchema, remote: { server: ref.server, tool: tool.name } });
  }
  return tools;
}

/** The activity's logger inside an activity; the console elsewhere (the local runner). */
function warn(message: string): void {
  try {
    Context.current().log.warn(message);
  } catch {
    console.warn(message);
  }
}
