/**
 * The run's public contract: its input and output, and the signal, update and query that
 * clients (our CLI, `temporal workflow ...`, any SDK) use. Defined once, used by both sides.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AnsweredInterrupt, IgnoredResponse, Interrupt, InterruptResponse } from '../agent/interrupts.js';
import type { DecisionNote } from '../agent/hooks.js';
import type { AgentRunResult, DirectToolCall, RunCarry } from '../agent/loop.js';
import type { ActivityTimeouts } from './runtime.js';
import type { ParentLink } from './sub-agent-messages.js';
import type { CarriedStream } from './run-stream.js';
import type { RunEvent } from '../agent/run-events.js';
import type { WaitingChild } from './sub-agents.js';
import type { JsonObject, JsonValue, Message, ModelChoice, ModelRequest, ToolResult, Usage } from '../agent/types.js';
import type { Indexing } from './search-attributes.js';

export const TASK_QUEUE = 'hitl-agents';
export const AGENT_RUN_WORKFLOW = 'agentRun';

export interface AgentRunInput {
  /** Name of an agent registered in the worker. */
  agent: string;
  prompt: string;
  /** The model; absent: the agent's own default, else the worker's `auto` choice. */
  model?: ModelChoice;
  sessionId?: string;
  /** Folder the file tools may touch (absolute path on the worker's machine). */
  workspace?: string;
  maxModelCalls?: number;
  /** Conversation and agent state carried in from earlier runs. */
  messages?: Message[];
  state?: JsonObject;
  /** Set when the run continues itself as new; its prompt is then already in `messages`. */
  carried?: RunCarry;
  /** Which agent search attributes the namespace has: the run keeps those up to date (see search-attributes.ts). */
  indexed?: Indexing;
  /** How long one attempt of a model or tool call may take before Temporal retries it (default 2 and 5 minutes). */
  timeouts?: ActivityTimeouts;
  /** Set when the run is a sub-agent's: the run and tool call that started it. */
  parent?: ParentLink;
  /** The sub-agents a run was waiting for when it continued as new. */
  subAgents?: WaitingChild[];
  /** The run's stream as it continued as new (run-stream.ts). */
  stream?: CarriedStream;
  /**
   * The JSON Schema of the run's typed result (structured output, agent/structured-output.ts): an
   * object schema. The run's result then has `output`, which fits it. Set when the run starts; no
   * message changes it later.
   */
  output?: JsonObject;
  /**
   * A direct tool call (AgentClient.callTool, `hitl call-tool`): the run calls this one tool, through
   * the agent's hooks, approval policy and approvals exactly as if the model had asked for it, then
   * ends with its result, calling no model. `record` (default true) adds the call to the
   * conversation (a session's next run sees it). Set when the run starts.
   */
  toolCall?: DirectToolCall;
}

export type { AgentRunResult, DirectToolCall };

export type RunPhase = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export interface RunStatus {
  status: RunPhase;
  agent: string;
  sessionId?: string;
  pending: Interrupt[];
  answered: AnsweredInterrupt[];
  /** Signals that could not be applied, with the reason (the signal path never fails the run). */
  ignored: IgnoredResponse[];
  /** Why tool calls ran, waited or were refused (the approval policy's log). */
  decisions: DecisionNote[];
  usage: Usage;
  modelCalls: number;
  lastMessage: Message | null;
  state: JsonObject;
  /** Why the run failed, when it did. */
  error?: string;
  /** The typed result, once a run that asked for one has it. */
  output?: JsonValue;
  /** A direct tool call's result, once the tool has returned (or a hook refused it). */
  toolResult?: ToolResult;
}

/** The status of a run whose loop never ran or can no longer be asked: nothing pending, nothing used. */
export function bareStatus(run: Pick<RunStatus, 'status' | 'agent' | 'sessionId' | 'error'> & { state?: JsonObject }): RunStatus {
  return {
    status: run.status,
    agent: run.agent,
    ...(run.sessionId !== undefined ? { sessionId: run.sessionId } : {}),
    pending: [],
    answered: [],
    ignored: [],
    decisions: [],
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    modelCalls: 0,
    lastMessage: null,
    state: run.state ?? {},
    ...(run.error !== undefined ? { error: run.error } : {}),
  };
}

/** The error type with which a run refuses a watcher or waiter while it holds as many as it takes (parked-limit.ts). */
export const BUSY_FAILURE_TYPE = 'RunBusy';

/** Answer one interrupt; fire-and-forget. Invalid answers are recorded in `status.ignored`. */
export const respondSignal = defineSignal<[InterruptResponse]>('respond');
/** Answer one or several interrupts; rejected as a whole, with a message, if any answer is invalid. */
export const respondUpdate = defineUpdate<RunStatus, [InterruptResponse | InterruptResponse[]]>('respond');
export const statusQuery = defineQuery<RunStatus>('status');
/** A page of the run's stream from an offset (run-stream.ts): how a run that has ended is read, a worker replaying it. */
export const runEventsQuery = defineQuery<RunEventsPage, [number]>('runEvents');
export interface RunEventsPage {
  events: Array<{ offset: number; event: RunEvent }>;
  /** The offset to ask next: past the log's end once `events` holds the rest. */
  next: number;
  more: boolean;
}
/**
 * Long-poll: returns the status as soon as the run next stops (waits for a person, or ends), or
 * when `timeoutMs` (default and at most 60 s) passes, whichever comes first. The client's `wait`
 * uses it instead of polling the status query.
 */
export const waitUpdate = defineUpdate<RunStatus, [{ timeoutMs?: number }?]>('wait');
/** The conversation as the run holds it now: for the model activity when its worker has not cached it. */
export const conversationQuery = defineQuery<Message[]>('conversation');
/**
 * The run's current model call as it was sent (after the `beforeModelCall` hooks): for the model
 * activity when its worker has not cached the conversation or the setup.
 */
export const modelRequestQuery = defineQuery<SentModelRequest>('modelRequest');

export type ModelSetup = Pick<ModelRequest, 'system' | 'tools'>;
export type SentModelRequest = Pick<ModelRequest, 'system' | 'tools' | 'messages'>;

/**
 * Which part of a model call the activity input carries: messages `from` on, of `total`, and the
 * system prompt and tool specs only when they changed. The worker caches the rest per run.
 */
export interface ConversationDelta {
  /** The cache entry: the run's id and the revision of its conversation (bumped whenever old messages change). */
  key: string;
  from: number;
  total: number;
  /** Numbers the run's setups (system prompt and tool specs); the input omits a setup sent before under this key. */
  setup?: number;
}

/** The longest one `wait` update is held; clients ask again. */
export const MAX_WAIT_UPDATE_MS = 60_000;
/**
 * Sent together with the run's start (update-with-start): accepted once the worker knows the
 * agent and the input is within limits; refused with the reason otherwise (the run then ends
 * without doing anything). Returns the agent's name.
 */
export const acceptRunUpdate = defineUpdate<{ agent: string }, []>('accept');
