/**
 * The tool activity: runs one tool body with a tool context. A tool that asks a human ends the
 * attempt with an "interrupt" outcome; a tool that throws becomes an error result the model sees.
 * While a body runs the activity heartbeats (see heartbeat.ts), so a dead worker is noticed fast;
 * a body that stops on `context.signal` (a worker shutting down, temporal/worker-shutdown.ts) hands
 * its attempt back to be retried elsewhere.
 */
import type { ToolContext, ToolImplementation, ToolInterruptRequest } from '../agent/definition.js';
import { InterruptNames, toolInterruptId, ToolInterruptSignal } from '../agent/interrupts.js';
import type { ToolCall, ToolOutcome } from '../agent/runtime.js';
import { truncateToolResult } from '../agent/payload-budget.js';
import { AgentState } from '../agent/state.js';
import { errorResult, successResult, type JsonValue, type ToolResult } from '../agent/types.js';
import { resolveWorkspaceRoots, type WorkspaceRoot } from '../agents/files/workspace-roots.js';
import { recordToolCall } from '../observability/activity-metrics.js';
import { ToolHeartbeat, TOOL_HEARTBEAT, type HeartbeatTiming } from './heartbeat.js';

export interface RegisteredTool {
  name: string;
  body: ToolImplementation<unknown>;
}

export interface ToolActivityOptions {
  /** The folders file tools may touch (default: `AGENT_WORKSPACE_ROOTS`, else `./workspace`, resolved on first use). */
  workspaceRoots?: readonly WorkspaceRoot[];
  /** When the activity heartbeats while a body runs (default `TOOL_HEARTBEAT`). */
  heartbeat?: HeartbeatTiming;
  /** Calls a tool of an MCP server (`call.remote`); may throw to have Temporal retry the attempt. */
  remote?: (call: ToolCall, attempt: number) => Promise<ToolResult>;
}

export function createToolActivity(tools: readonly RegisteredTool[], options: ToolActivityOptions = {}) {
  const byName = new Map(tools.map((tool) => [tool.name, tool.body]));
  let roots = options.workspaceRoots;
  const workspaceRoots = () => (roots ??= resolveWorkspaceRoots());
  return async function runTool(call: ToolCall): Promise<ToolOutcome> {
    try {
      const outcome = await runToolOnce(call);
      recordToolCall(call.agentName, call.toolUse.name, outcome.type === 'interrupt' ? 'interrupt' : outcome.result.status);
      return outcome;
    } catch (error) {
      recordToolCall(call.agentName, call.toolUse.name, 'failed');
      throw error;
    }
  };

  async function runToolOnce(call: ToolCall): Promise<ToolOutcome> {
    const { toolUse } = call;
    if (call.remote) return runRemoteTool(call, options);
    const state = new AgentState(call.state, { journal: true });
    const body = byName.get(toolUse.name);
    if (!body) {
      const result = errorResult(toolUse.toolUseId, `tool "${toolUse.name}" has no implementation in this worker`);
      return { type: 'result', result, stateChanges: [] };
    }
    const heartbeat = ToolHeartbeat.start(options.heartbeat ?? TOOL_HEARTBEAT);
    const signal = heartbeat.signal;
    try {
      const value = await body(toolUse.input, toolContext(call, state, heartbeat, workspaceRoots));
      return { type: 'result', result: truncateToolResult(successResult(toolUse.toolUseId, value ?? null)), stateChanges: state.changes() };
    } catch (error) {
      if (error instanceof ToolInterruptSignal) {
        const { name, reason, choices } = error.request as ToolInterruptRequest;
        return { type: 'interrupt', request: { name, ...(reason !== undefined ? { reason } : {}), ...(choices ? { choices } : {}) }, stateChanges: state.changes() };
      }
      // The body stopped because Temporal cancelled the attempt (above all: the worker shuts down past
      // its grace): the attempt ends unfinished, not with an error the model would see, and Temporal
      // retries it on another worker.
      if (signal.aborted) throw signal.reason;
      const message = error instanceof Error ? error.message : String(error);
      const result = truncateToolResult(errorResult(toolUse.toolUseId, `Tool "${toolUse.name}" failed: ${message}`));
      return { type: 'result', result, stateChanges: state.changes() };
    } finally {
      heartbeat.stop();
    }
  }
}

/** A tool of an MCP server: no tool context (it runs elsewhere, so it cannot ask a human), the same heartbeat and size cap. */
async function runRemoteTool(call: ToolCall, options: ToolActivityOptions): Promise<ToolOutcome> {
  const { toolUse, remote } = call;
  if (!options.remote) {
    const result = errorResult(toolUse.toolUseId, `tool "${toolUse.name}" comes from MCP server "${remote!.server}", and this worker has no MCP servers`);
    return { type: 'result', result, stateChanges: [] };
  }
  const heartbeat = ToolHeartbeat.start(options.heartbeat ?? TOOL_HEARTBEAT);
  try {
    return { type: 'result', result: truncateToolResult(await options.remote(call, heartbeat.attempt)), stateChanges: [] };
  } finally {
    heartbeat.stop();
  }
}

function toolContext(call: ToolCall, state: AgentState, heartbeat: ToolHeartbeat, workspaceRoots: () => readonly WorkspaceRoot[]): ToolContext {
  const names = new InterruptNames(`tool ${call.toolUse.name} (tool use ${call.toolUse.toolUseId})`);
  return {
    state,
    toolUseId: call.toolUse.toolUseId,
    agentName: call.agentName,
    idempotencyKey: `${call.runId}:${call.toolUse.toolUseId}`,
    workspace: call.workspace,
    interrupt(request: ToolInterruptRequest): JsonValue {
      names.claim(request.name);
      const answer = call.responses[toolInterruptId(call.toolUse.toolUseId, request.name)];
      if (answer !== undefined) return answer;
      if (request.response !== undefined) return request.response;
      throw new ToolInterruptSignal(request);
    },
    heartbeat: (details) => heartbeat.record(details),
    attempt: heartbeat.attempt,
    previousHeartbeat: heartbeat.previousDetails,
    signal: heartbeat.signal,
    // Resolved on first use: the local runner never creates ./workspace unless a file tool runs.
    get workspaceRoots() {
      return workspaceRoots();
    },
  };
}
