/**
 * Hook events and the registry. Hooks run inside the workflow, so they must be deterministic:
 * no I/O, no clocks, no randomness. They may `await event.interrupt(...)`; the run then waits for
 * a human and resumes exactly at that `await` (the hook's earlier code never runs twice).
 *
 * Naming: `Before<Noun>`/`After<Noun>` events; `After*` callbacks run in reverse order of
 * registration so that hooks nest like middleware.
 */
import { InterruptNames, type InterruptRequest } from './interrupts.js';
import type { AgentState } from './state.js';
import type { JsonValue, Message, ModelRequest, ModelResponse, ToolResult, ToolUse } from './types.js';

/** Raises an interrupt in a hook's scope; supplied by the loop. */
export type HookInterrupter = (request: InterruptRequest) => Promise<JsonValue>;

interface EventBase {
  readonly agentName: string;
  readonly state: AgentState;
}

export interface BeforeInvocationEvent extends EventBase {
  readonly type: 'beforeInvocation';
  readonly prompt: string;
}
export interface AfterInvocationEvent extends EventBase {
  readonly type: 'afterInvocation';
  readonly stopReason: string;
  readonly lastMessage: Message | undefined;
}
export interface BeforeModelCallEvent extends EventBase {
  readonly type: 'beforeModelCall';
  readonly request: ModelRequest;
}
export interface AfterModelCallEvent extends EventBase {
  readonly type: 'afterModelCall';
  readonly response: ModelResponse;
}
export interface MessageAddedEvent extends EventBase {
  readonly type: 'messageAdded';
  readonly message: Message;
}

/** Base of the two events that may interrupt and cancel. */
abstract class InterruptibleEvent implements EventBase {
  /** Set to `true` or to a reason to cancel: the tool does not run, the model gets an error result. */
  cancel: boolean | string = false;
  private readonly names: InterruptNames;

  constructor(
    readonly agentName: string,
    readonly state: AgentState,
    scope: string,
    private readonly interrupter: HookInterrupter,
  ) {
    this.names = new InterruptNames(scope);
  }

  /** Asks a human and resolves with the answer (a preset `response` resolves at once). */
  interrupt(request: InterruptRequest): Promise<JsonValue> {
    this.names.claim(request.name);
    return this.interrupter(request);
  }
}

export class BeforeToolCallEvent extends InterruptibleEvent {
  readonly type = 'beforeToolCall' as const;
  constructor(
    agentName: string,
    state: AgentState,
    /** The call as the model asked for it; `input` has passed the tool's schema. */
    readonly toolUse: ToolUse,
    interrupter: HookInterrupter,
  ) {
    super(agentName, state, `hook beforeToolCall of tool use ${toolUse.toolUseId}`, interrupter);
  }
}

export class BeforeToolsEvent extends InterruptibleEvent {
  readonly type = 'beforeTools' as const;
  constructor(
    agentName: string,
    state: AgentState,
    /** Every tool use of this model turn; cancelling cancels them all. */
    readonly toolUses: readonly ToolUse[],
    readonly batchScope: string,
    interrupter: HookInterrupter,
  ) {
    super(agentName, state, `hook beforeTools of batch ${batchScope}`, interrupter);
  }
}

export interface AfterToolCallEvent extends EventBase {
  readonly type: 'afterToolCall';
  readonly toolUse: ToolUse;
  /** May be replaced by the hook; the model sees the final value. */
  result: ToolResult;
}

export interface HookEventMap {
  beforeInvocation: BeforeInvocationEvent;
  afterInvocation: AfterInvocationEvent;
  beforeModelCall: BeforeModelCallEvent;
  afterModelCall: AfterModelCallEvent;
  beforeTools: BeforeToolsEvent;
  beforeToolCall: BeforeToolCallEvent;
  afterToolCall: AfterToolCallEvent;
  messageAdded: MessageAddedEvent;
}
export type HookEventType = keyof HookEventMap;
export type HookCallback<T extends HookEventType> = (event: HookEventMap[T]) => void | Promise<void>;

const REVERSED: ReadonlySet<HookEventType> = new Set(['afterInvocation', 'afterModelCall', 'afterToolCall']);

export class HookRegistry {
  private readonly callbacks = new Map<HookEventType, HookCallback<HookEventType>[]>();

  /** Registers a callback; returns a function that removes it. */
  on<T extends HookEventType>(type: T, callback: HookCallback<T>): () => void {
    const list = this.callbacks.get(type) ?? [];
    list.push(callback as HookCallback<HookEventType>);
    this.callbacks.set(type, list);
    return () => {
      const index = list.indexOf(callback as HookCallback<HookEventType>);
      if (index >= 0) list.splice(index, 1);
    };
  }

  has(type: HookEventType): boolean {
    return (this.callbacks.get(type)?.length ?? 0) > 0;
  }

  /** Runs the callbacks one after another; a callback that cancels stops the rest. */
  async emit<T extends HookEventType>(event: HookEventMap[T] & { type: T }): Promise<void> {
    const list = [...(this.callbacks.get(event.type) ?? [])];
    if (REVERSED.has(event.type)) list.reverse();
    for (const callback of list) {
      await callback(event);
      if (event instanceof InterruptibleEvent && event.cancel !== false) return;
    }
  }
}
