/**
 * Hook events and the registry. Hooks run inside the workflow, so they must be deterministic:
 * no I/O, no clocks, no randomness. They may `await event.interrupt(...)`; the run then waits for
 * a human and resumes exactly at that `await` (the hook's earlier code never runs twice).
 *
 * Naming: `Before<Noun>`/`After<Noun>` events; `After*` callbacks run in reverse order of
 * registration so that hooks nest like middleware.
 */
import { digestOf } from './binding.js';
import { checkToolInput, type RunTool } from './definition.js';
import { InterruptNames, type AnsweredInterrupt, type CodeAnswerer, type Interrupt, type InterruptRequest } from './interrupts.js';
import type { CodeAnswerOutcome } from './interrupt-book.js';
import { PATCHES } from './patches.js';
import type { AgentState } from './state.js';
import { type JsonValue, type Message, type ModelRequest, type ModelResponse, type ToolResult, type ToolUse } from './types.js';

/** A line of the run's decision log: why a tool call ran, waited or was refused. */
export interface DecisionNote {
  kind: string;
  toolUseId?: string;
  tool?: string;
  detail: JsonValue;
}

/** What the loop lends to the events that may stop for a human. */
export interface HookServices {
  /** Raises an interrupt in the hook's scope and waits for the answer. */
  interrupt(request: InterruptRequest): Promise<AnsweredInterrupt>;
  /** Appends to the run's decision log (visible in `status` and the result). */
  note(note: DecisionNote): void;
  /** One model call without tools (an activity in a workflow): for classifiers and the like. */
  askModel(system: string, prompt: string): Promise<string>;
  /** See `AgentRuntime.patched`: lets hooks change behaviour without breaking runs in flight. */
  patched(id: string): boolean;
}

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
  readonly lastMessage: Message | null;
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
    protected readonly services: HookServices,
  ) {
    this.names = new InterruptNames(scope);
  }

  /** Asks a human and resolves with the answer (a preset `response` resolves at once). */
  async interrupt(request: InterruptRequest): Promise<JsonValue> {
    return (await this.ask(request)).response;
  }

  /** Like `interrupt`, resolving with the whole answer: who gave it, when, and their reason. */
  async ask(request: InterruptRequest): Promise<AnsweredInterrupt> {
    try {
      this.names.claim(request.name);
    } catch (error) {
      this.misused ??= error as Error;
      throw error;
    }
    if (this.held) {
      // Held until every callback of the event has started (see HookRegistry): asked together.
      await new Promise<void>((resolve) => {
        this.held!.push(resolve);
        this.onHeld?.();
      });
      if (this.misused) throw this.misused;
    } else if (this.services.patched(PATCHES.earlyDuplicateNames)) {
      // Questions asked together (Promise.all) claim their names first: a name used twice is found
      // before anyone is asked, not after the first answer is in and wasted.
      await Promise.resolve();
      if (this.misused) throw this.misused;
    }
    return this.services.interrupt(request);
  }

  /** The first misuse of interrupt names in this event: its other questions are not asked. */
  private misused: Error | undefined;

  /** Questions waiting for the event's callbacks to start, in the order they were asked (undefined: asked at once). */
  private held: Array<() => void> | undefined;
  private onHeld: (() => void) | undefined;

  /** From now on questions wait for `askHeld` (HookRegistry, while it starts the callbacks). */
  holdQuestions(): void {
    this.held = [];
  }

  /** Resolves when a question is next held. */
  nextHeld(): Promise<void> {
    return new Promise((resolve) => (this.onHeld = resolve));
  }

  /** Asks the held questions, in the order they were asked, and every later one at once. */
  askHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.onHeld = undefined;
    for (const resolve of held) resolve();
  }

  note(kind: string, detail: JsonValue): void {
    this.services.note({ kind, detail, ...this.noteScope() });
  }

  askModel(system: string, prompt: string): Promise<string> {
    return this.services.askModel(system, prompt);
  }

  /**
   * True when behaviour `id` is new enough for this run (Temporal's `patched`): wrap a change to a
   * hook in `if (event.patched('my-change'))` so runs that started on the old code replay as before.
   */
  patched(id: string): boolean {
    return this.services.patched(id);
  }

  protected noteScope(): Omit<DecisionNote, 'kind' | 'detail'> {
    return {};
  }
}

export class BeforeToolCallEvent extends InterruptibleEvent {
  readonly type = 'beforeToolCall' as const;
  private current: ToolUse;

  constructor(
    agentName: string,
    state: AgentState,
    /** The call as the model asked for it; `input` has passed the tool's schema. */
    readonly proposed: ToolUse,
    readonly tool: RunTool,
    services: HookServices,
  ) {
    super(agentName, state, `hook beforeToolCall of tool use ${proposed.toolUseId}`, services);
    this.current = proposed;
  }

  /** The call as it will run: the proposed one, or the input a hook replaced. */
  get toolUse(): ToolUse {
    return this.current;
  }

  /** Why `input` does not fit the tool's schema, or undefined when it does. */
  inputProblem(input: unknown): string | undefined {
    const checked = checkToolInput(this.tool, input);
    return checked.ok ? undefined : checked.problem;
  }

  /** Runs the tool with another input (edit-and-approve); refused unless it fits the tool's schema. */
  replaceInput(input: JsonValue): void {
    const checked = checkToolInput(this.tool, input);
    if (!checked.ok) throw new TypeError(`replacement input for ${this.tool.name} is invalid: ${checked.problem}`);
    this.current = { ...this.current, input: checked.input };
  }

  /** The call an approval judged (a digest), when one did: see `judge`. */
  private judged: string | undefined;

  /**
   * Records the call as it is now as the one an approval judged (the approval policy calls it when
   * it decides). If a hook changes the call afterwards, it does not run (tool-calls.ts): nobody
   * approved what it became.
   */
  judge(): void {
    this.judged = digestOf({ tool: this.current.name, input: this.current.input });
  }

  /** Whether the call is no longer the one an approval judged. */
  get changedSinceJudged(): boolean {
    return this.judged !== undefined && this.judged !== digestOf({ tool: this.current.name, input: this.current.input });
  }

  protected override noteScope() {
    return { toolUseId: this.proposed.toolUseId, tool: this.proposed.name };
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
    services: HookServices,
  ) {
    super(agentName, state, `hook beforeTools of batch ${batchScope}`, services);
  }
}

/** What the loop lends to `interruptsPending` callbacks. */
export interface PendingServices {
  /** The questions that wait now. */
  pending(): Interrupt[];
  /** Applies one answer from code (InterruptBook.answerFromCode). */
  answer(response: { interruptId: string; response: JsonValue; reason?: string }, by: CodeAnswerer): CodeAnswerOutcome;
  note(note: DecisionNote): void;
  askModel(system: string, prompt: string): Promise<string>;
  patched(id: string): boolean;
  /** Runs one of the agent's tools (the tool activity), without hooks or approvals: for lookups. */
  runTool(name: string, input: JsonValue, callId: string): Promise<ToolResult>;
  /** Runs another agent of the worker to its end (a child run, as a sub-agent tool does): for judges. */
  runAgent(agent: string, prompt: string, callId: string): Promise<ToolResult>;
}

/** One answer a hook gives: `{ interruptId, response }`, or Strands' `{ interruptResponse: { interruptId, response } }`. */
export type CodeResponse =
  | { interruptId: string; response: JsonValue; reason?: string }
  | { interruptResponse: { interruptId: string; response: JsonValue; reason?: string } };

/** A hook answered a question wrongly (not a list, an unknown id, an answer the question refuses): the run fails with it. */
export class HookAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookAnswerError';
  }
}

/**
 * Fired when questions (of hooks or tools) are about to wait for people, before anyone is told:
 * `interrupts` are the new ones (those that start waiting together come together), `pending` all
 * that wait now. A callback may answer some or all of them with `resume(responses)` (Strands'
 * `AfterInvocationEvent.resume`): a rule, a lookup (`runTool`), another agent as a judge
 * (`runAgent`). Answers are recorded as given by the hook (`respondedBy` `hook:<name>`, or
 * `agent:<name>` with `{ agent }`). A question that counts only signed answers is never answered
 * from code: the answer is refused with a decision note and the question waits for people.
 */
export class InterruptsPendingEvent implements EventBase {
  readonly type = 'interruptsPending' as const;
  /** The name of the callback that runs now (set by the registry). */
  hookName = 'interruptsPending';
  private calls = 0;

  constructor(
    readonly agentName: string,
    readonly state: AgentState,
    readonly interrupts: readonly Interrupt[],
    private readonly services: PendingServices,
  ) {}

  /** Every question that waits now (those answered meanwhile are gone). */
  get pending(): Interrupt[] {
    return this.services.pending();
  }

  /**
   * Answers pending questions now; the run goes on as if people had answered. Returns the ids
   * taken. Refused, failing the run with a `HookAnswerError` that names the hook: anything but a
   * list of `{ interruptId, response }`, an id asked twice in one call, an id the run never asked,
   * a missing or oversized response, one the question's accepted answers or validator refuse.
   * Not taken, with a decision note (`hookAnswerRefused`): a question that counts only signed answers
   * (it still waits for people), one answered meanwhile, one not asked again yet after a hand-off.
   */
  resume(responses: readonly CodeResponse[], options: { agent?: string } = {}): string[] {
    const hook = this.hookName;
    const fail = (why: string): never => {
      throw new HookAnswerError(`hook "${hook}" (interruptsPending) of agent ${this.agentName} answered wrongly: ${why}`);
    };
    if (!Array.isArray(responses)) fail(`resume takes a list of { interruptId, response }, not ${describeValue(responses)}`);
    if (options.agent !== undefined && (typeof options.agent !== 'string' || options.agent === '')) fail('options.agent must be a non-empty string (the judge agent\'s name)');
    const by: CodeAnswerer = { hook, ...(options.agent !== undefined ? { agent: options.agent } : {}) };
    const seen = new Set<string>();
    const taken: string[] = [];
    for (const [index, item] of responses.entries()) {
      const one = item && typeof item === 'object' && 'interruptResponse' in item ? item.interruptResponse : item;
      if (!one || typeof one !== 'object' || Array.isArray(one)) fail(`response ${index} is ${describeValue(one)}, not { interruptId, response }`);
      const { interruptId, response, reason } = one as { interruptId?: unknown; response?: unknown; reason?: unknown };
      if (typeof interruptId !== 'string' || interruptId === '') fail(`response ${index} has no interruptId`);
      const id = interruptId as string;
      if (seen.has(id)) fail(`"${id}" is answered twice in one resume`);
      seen.add(id);
      const outcome = this.services.answer({ interruptId: id, response: response as JsonValue, ...(reason !== undefined ? { reason: reason as string } : {}) }, by);
      if (outcome.taken) {
        taken.push(id);
        this.services.note({ kind: 'answeredByHook', detail: { interruptId: id, hook, ...(by.agent !== undefined ? { agent: by.agent } : {}), response: response as JsonValue } });
      } else if (outcome.mistake) {
        fail(outcome.why);
      } else {
        this.services.note({ kind: 'hookAnswerRefused', detail: { interruptId: id, hook, ...(by.agent !== undefined ? { agent: by.agent } : {}), why: outcome.why } });
      }
    }
    return taken;
  }

  /**
   * Runs one of the agent's tools by name (a tool activity: recorded, so replay gives the same
   * result) and resolves with its result, for lookups. The call goes through no hooks or approvals,
   * and a tool that asks a person gives an error result.
   */
  runTool(name: string, input: JsonValue): Promise<ToolResult> {
    return this.services.runTool(name, input, this.callId());
  }

  /**
   * Runs agent `agent` of the worker on `prompt` to its end (a child run, as a sub-agent tool call
   * runs) and resolves with what it said (an error result when it failed). For a judge: give its
   * verdict to `resume(responses, { agent })`.
   */
  runAgent(agent: string, prompt: string): Promise<ToolResult> {
    return this.services.runAgent(agent, prompt, this.callId());
  }

  note(kind: string, detail: JsonValue): void {
    this.services.note({ kind, detail });
  }

  askModel(system: string, prompt: string): Promise<string> {
    return this.services.askModel(system, prompt);
  }

  patched(id: string): boolean {
    return this.services.patched(id);
  }

  /** A deterministic id for a lookup or judge call: from the first question offered and a count. */
  private callId(): string {
    this.calls += 1;
    const first = this.interrupts[0]?.id ?? 'none';
    return `answer-${first.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 150)}-${this.calls}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
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
  interruptsPending: InterruptsPendingEvent;
}
export type HookEventType = keyof HookEventMap;
export type HookCallback<T extends HookEventType> = (event: HookEventMap[T]) => void | Promise<void>;

const REVERSED: ReadonlySet<HookEventType> = new Set(['afterInvocation', 'afterModelCall', 'afterToolCall']);

export class HookRegistry {
  private readonly callbacks = new Map<HookEventType, HookCallback<HookEventType>[]>();
  /** Names callbacks were registered with (`interruptsPending` answers are recorded under them). */
  private readonly names = new Map<HookCallback<HookEventType>, string>();

  /**
   * Registers a callback; returns a function that removes it. `name` names the hook where it is
   * recorded (answers from `interruptsPending`); default: the function's name, else the event and
   * its place among the event's callbacks.
   */
  on<T extends HookEventType>(type: T, callback: HookCallback<T>, options: { name?: string } = {}): () => void {
    const list = this.callbacks.get(type) ?? [];
    list.push(callback as HookCallback<HookEventType>);
    this.callbacks.set(type, list);
    const name = options.name ?? (callback.name || `${type}#${list.length}`);
    this.names.set(callback as HookCallback<HookEventType>, name);
    return () => {
      const index = list.indexOf(callback as HookCallback<HookEventType>);
      if (index >= 0) list.splice(index, 1);
    };
  }

  has(type: HookEventType): boolean {
    return (this.callbacks.get(type)?.length ?? 0) > 0;
  }

  /**
   * Events nobody listens to are skipped without a promise (`emit` returns undefined; callers await
   * only what it returns). Each promise a workflow creates costs the SDK a captured stack trace,
   * so a run that replays often (evicted from the worker's cache) saves most of its promises. Set
   * by the loop for runs that start since this change: it changes when awaiting code resumes.
   */
  skipsUnheardEvents = false;

  /**
   * Whether the callbacks of an event that may interrupt ask their questions together (set by the
   * loop for runs since this change): see `runTogether`.
   */
  asksTogether = false;

  /** Runs the callbacks one after another; a callback that cancels stops the rest. */
  emit<T extends HookEventType>(event: HookEventMap[T] & { type: T }): Promise<void> | undefined {
    if (this.skipsUnheardEvents && !this.has(event.type)) return undefined;
    return this.runCallbacks(event);
  }

  private async runCallbacks(event: HookEventMap[HookEventType]): Promise<void> {
    const list = [...(this.callbacks.get(event.type) ?? [])];
    if (REVERSED.has(event.type)) list.reverse();
    if (this.asksTogether && event instanceof InterruptibleEvent && list.length > 1) return runTogether(event, list);
    for (const callback of list) {
      if (event instanceof InterruptsPendingEvent) event.hookName = this.names.get(callback) ?? event.type;
      await callback(event);
      if (event instanceof InterruptibleEvent && event.cancel !== false) return;
    }
  }
}

/**
 * The callbacks of an event that may interrupt, as Strands runs them: in registration order, each
 * until it finishes or asks a person; then every question is asked at once, in the order asked, so
 * people see them together. A name used twice is refused before anyone is asked. A callback that
 * cancels the call before the questions go out stops the rest, and its held questions are never asked.
 */
async function runTogether(event: InterruptibleEvent, list: readonly HookCallback<HookEventType>[]): Promise<void> {
  event.holdQuestions();
  const running: Promise<void>[] = [];
  for (const callback of list) {
    const run = Promise.resolve().then(() => callback(event as HookEventMap[HookEventType]));
    running.push(run);
    const outcome = await Promise.race([run.then(() => 'done', (error: unknown) => ({ error })), event.nextHeld().then(() => 'held')]);
    // A callback that fails (a name used twice among them) fails the event before anyone is asked.
    if (typeof outcome === 'object') throw outcome.error;
    if (event.cancel !== false) return;
  }
  event.askHeld();
  await Promise.all(running);
}
