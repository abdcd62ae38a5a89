/**
 * Interrupts: a hook or a tool asks a human and the run waits durably for the answer.
 *
 * Ids are derived from the tool use id (or the batch scope) and the interrupt's name, never from
 * randomness, so a replayed workflow raises the very same ids. `undefined` means "not answered";
 * `null` is a valid answer.
 */
import type { AcceptedAnswers, AcceptsInfo } from './accepted-answers.js';
import type { AnswerBinding } from './binding.js';
import type { AnswerProof } from './proof.js';
import type { JsonValue } from './types.js';

export type InterruptSource = 'hook' | 'tool';
export type InterruptScopeKind = 'beforeToolCall' | 'beforeTools' | 'tool' | 'beforeNode';

/** What hook or tool code passes to `interrupt()`. */
export interface InterruptRequest {
  name: string;
  /** Shown to the human: why the run asks. JSON. */
  reason?: JsonValue;
  /** A preset answer: `interrupt()` returns it at once without waiting. */
  response?: JsonValue;
  /** Who may answer (`respondedBy` values); anyone when absent. Only their signed answers count. */
  allowedResponders?: string[];
  /** Count only signed answers even when anyone may answer (e.g. distinct people for a quorum). */
  requireProof?: boolean;
  /** The answers this question takes; others are refused, naming these (default: any JSON). */
  accepts?: AcceptedAnswers;
  /** Who to tell, and how often to remind them, while it waits (default: the agent's `notify`). */
  notify?: NotifySettings;
  /** When nobody answers in time, this answer is taken (recorded as answered by "deadline"). */
  timeout?: InterruptTimeout;
  /**
   * Hook interrupts only: checks an answer before it is accepted (the update refuses it with the
   * returned message; the signal records and ignores it). Must be deterministic.
   */
  validate?: (answer: InterruptResponse) => string | undefined;
}

export interface InterruptTimeout {
  /** How long to wait: milliseconds, or a string such as "90s", "30m", "24h", "2d". */
  after: number | string;
  response: JsonValue;
  reason?: string;
}

/** Where notifications about a question go, and how often to remind. */
export interface NotifySettings {
  /** Channel names of the worker's notification configuration (default: its default channels). */
  channels?: string[];
  /** Remind while it still waits, e.g. "4h". */
  remindEvery?: number | string;
}

/** A question waiting for (or once waiting for) a human. Plain JSON on the wire. */
export interface Interrupt {
  id: string;
  name: string;
  reason: JsonValue;
  source: InterruptSource;
  scope: InterruptScopeKind;
  toolName?: string;
  toolUseId?: string;
  /** The input the call will run with: the model's, or the one an approver's edit put in its place. */
  toolInput?: JsonValue;
  /** Set when `toolInput` is not what the model proposed: the model's input. */
  proposedInput?: JsonValue;
  /** A before-tools question: every call of the batch it is about. */
  calls?: Array<{ tool: string; input: JsonValue }>;
  /** What an answer must repeat to count (see binding.ts); absent on runs from before bindings. */
  binding?: AnswerBinding;
  /** ISO time at which the run started waiting (workflow time, so it replays identically). */
  raisedAt: string;
  allowedResponders?: string[];
  /** ISO time after which the timeout's answer is taken. */
  deadline?: string;
  /** The answer taken at the deadline. */
  timeoutResponse?: JsonValue;
  /** Only answers signed by an approver's configured key count. */
  proofRequired?: boolean;
  notify?: NotifySettings;
  /** What the question accepts, for people and programs that answer it. */
  accepts?: AcceptsInfo;
  /**
   * Set on a question of a sub-agent, as its calling run shows it: the run that asks it, and its
   * id there (`id` is then `sub:<toolUseId>:<id in the child>`). Answers go to `runId` / `ownId`.
   */
  runId?: string;
  ownId?: string;
  /** How the question was reached, from the top run down to the run that asks it. */
  path?: PathStep[];
}

/** One run on the way down to a sub-agent's question. */
export interface PathStep {
  runId: string;
  agent: string;
  /** The tool call in this run that started the next run down. */
  toolUseId?: string;
  tool?: string;
}

/** Who answers when a deadline passes. */
export const DEADLINE_RESPONDER = 'deadline';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration given as a number of ms or as "<n><ms|s|m|h|d>". */
export function durationMs(duration: number | string): number {
  if (typeof duration === 'number' && Number.isFinite(duration) && duration >= 0) return duration;
  const match = typeof duration === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(duration) : null;
  if (!match) throw new TypeError(`invalid duration ${JSON.stringify(duration)}: use milliseconds or e.g. "30m", "24h"`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** The payload of the `respond` signal and update. */
export interface InterruptResponse {
  interruptId: string;
  response: JsonValue;
  respondedBy?: string;
  reason?: string;
  /** The binding of the question as its author saw it (see binding.ts): required by runs since bindings. Undefined: none (runs from before). */
  binding?: AnswerBinding | undefined;
  /** Proof that `respondedBy` gave this answer (see proof.ts); required where the interrupt names approvers. */
  proof?: AnswerProof;
}

/** One line of the run's interrupt audit. */
export interface AnsweredInterrupt {
  interruptId: string;
  interrupt: Interrupt;
  response: JsonValue;
  respondedBy?: string;
  reason?: string;
  answeredAt: string;
  /** True when the response was preset in code and no human was asked. */
  preset?: boolean;
  /** True when a signature proved `respondedBy`; false when it is only a claim. Absent for presets and deadlines. */
  verified?: boolean;
  /** Set when code answered, not a person: the hook (an `interruptsPending` callback), and the agent it asked when a judge agent decided. */
  answeredBy?: CodeAnswerer;
}

/** Who answered a question from code (see hooks.ts, `InterruptsPendingEvent.resume`). */
export interface CodeAnswerer {
  hook: string;
  /** The agent that judged, when the hook asked one (`resume(responses, { agent })`). */
  agent?: string;
}

/** The `respondedBy` a code answer is recorded under: `hook:<name>`, or `agent:<name>` for a judge. */
export function codeResponder(by: CodeAnswerer): string {
  return by.agent !== undefined ? `agent:${by.agent}` : `hook:${by.hook}`;
}

/** A signal that could not be applied: recorded (without the answer itself), never thrown. */
export interface IgnoredResponse {
  interruptId: string;
  respondedBy?: string;
  error: string;
  at: string;
}

/** The question in words: a string reason, or the reason's `message` field. */
export function questionOf(reason: JsonValue): string | undefined {
  if (typeof reason === 'string') return reason;
  if (reason && typeof reason === 'object' && !Array.isArray(reason) && typeof reason.message === 'string') return reason.message;
  return undefined;
}

export function beforeToolCallInterruptId(toolUseId: string, name: string): string {
  return `hook:beforeToolCall:${toolUseId}:${name}`;
}
export function beforeToolsInterruptId(batchScope: string, name: string): string {
  return `hook:beforeTools:${batchScope}:${name}`;
}
export function toolInterruptId(toolUseId: string, name: string): string {
  return `tool:${toolUseId}:${name}`;
}

export class DuplicateInterruptNameError extends Error {
  constructor(
    readonly interruptName: string,
    readonly scope: string,
  ) {
    super(`interrupt name "${interruptName}" is used more than once in ${scope}; names must be unique within a hook or tool scope`);
    this.name = 'DuplicateInterruptNameError';
  }
}

/** Remembers the names used in one scope (one hook event, one tool execution) and refuses repeats. */
export class InterruptNames {
  private readonly used = new Set<string>();
  constructor(private readonly scope: string) {}

  claim(name: string): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`interrupt name must be a non-empty string in ${this.scope}`);
    }
    if (this.used.has(name)) throw new DuplicateInterruptNameError(name, this.scope);
    this.used.add(name);
  }
}

/**
 * Thrown inside a tool body by `context.interrupt()` when no answer is known yet. The tool
 * activity turns it into an "interrupt" outcome; the run asks the human, then runs the tool again.
 */
export class ToolInterruptSignal extends Error {
  constructor(readonly request: InterruptRequest) {
    super(`tool raised interrupt "${request.name}"`);
    this.name = 'ToolInterruptSignal';
  }
}
