/**
 * What the agent loop needs from the world. The workflow implements it with activities and
 * `condition`; plain Node (unit tests, benchmarks) implements it with direct calls.
 */
import type { WaitUntil } from './interrupt-book.js';
import type { McpServerRef, RemoteToolDefinition } from './definition.js';
import type { InterruptRequest } from './interrupts.js';
import type { StateChange } from './state.js';
import type { JsonObject, JsonValue, ModelChoice, ModelRequest, ModelResponse, ToolResult, ToolUse } from './types.js';

/** One execution of a tool body, as sent to the tool activity. */
export interface ToolCall {
  agentName: string;
  toolUse: ToolUse;
  /** Answers to this tool's earlier interrupts, by interrupt id. */
  responses: Record<string, JsonValue>;
  state: JsonObject;
  runId: string;
  workspace?: string;
  /** Set for a tool of an MCP server: the call goes to that server's tool. */
  remote?: { server: string; tool: string };
}

export type ToolOutcome =
  | { type: 'result'; result: ToolResult; stateChanges: StateChange[] }
  | { type: 'interrupt'; request: Pick<InterruptRequest, 'name' | 'reason'> & { choices?: string[] }; stateChanges: StateChange[] };

export interface AgentRuntime {
  /**
   * One model call. `revision` changes whenever messages the run sent before were changed (shrunk
   * to fit the payload budget): a runtime that sends only new messages must then send them all.
   * Without a revision the call is a one-off outside the run's conversation (a hook's question).
   * With `streamId` the answer's text is streamed to the run's watchers as message `streamId`, and
   * `streamed` says whether any was (see run-events.ts).
   */
  callModel(request: ModelRequest, revision?: number, streamId?: string): Promise<ModelResponse & { streamed?: boolean }>;
  runTool(call: ToolCall): Promise<ToolOutcome>;
  waitUntil: WaitUntil;
  now(): Date;
  /**
   * Whether new behaviour `id` applies to this run: Temporal's `patched(id)` in a workflow (runs
   * started before the change keep replaying the old way), always true elsewhere.
   */
  patched(id: string): boolean;
  /**
   * Public keys (hex) of the named approvers, or of every approver when `names` is null, from the
   * worker's configuration; read when an interrupt that needs proven answers starts waiting.
   */
  approverKeys(names: readonly string[] | null): Promise<Record<string, string[]>>;
  /** Runs another agent for a sub-agent tool call (a child workflow) until it ends; its questions reach people meanwhile. */
  runSubAgent(call: SubAgentCall): Promise<SubAgentOutcome>;
  /** The tools of the agent's MCP servers, read once when a run starts (an activity: recorded, so replay sees the same list). */
  remoteTools(request: RemoteToolsRequest): Promise<RemoteToolDefinition[]>;
}

export interface RemoteToolsRequest {
  agentName: string;
  servers: McpServerRef[];
  runId: string;
  workspace?: string;
}

/** One call of a sub-agent tool. */
export interface SubAgentCall {
  /** The agent that runs the call. */
  agent: string;
  prompt: string;
  toolUseId: string;
  toolName: string;
  /** The calling run's state: the sub-agent starts from it and its changes come back. */
  state: JsonObject;
  workspace?: string;
  model: ModelChoice;
}

export interface SubAgentOutcome {
  result: ToolResult;
  /** What the sub-agent changed in the state it was given. */
  stateChanges: StateChange[];
}
