/**
 * The run's ledger of interrupts: what waits for a human, what was answered, by whom, and why.
 *
 * Pure and deterministic: the caller supplies `waitUntil` (Temporal's `condition` in a workflow,
 * an event-driven wait in plain Node), `now` (workflow time) and the approvers' public keys.
 *
 * An interrupt that names who may answer (or needs distinct people) counts only proven answers:
 * each must carry an Ed25519 signature by the responder's configured key (proof.ts). In runs since
 * bindings, every answer must repeat the binding of the question it answers (binding.ts).
 */
import {
  codeResponder,
  DEADLINE_RESPONDER,
  type CodeAnswerer,
  durationMs,
  type AnsweredInterrupt,
  type IgnoredResponse,
  type Interrupt,
  type InterruptRequest,
  type InterruptResponse,
} from './interrupts.js';
import { jsonBytes } from './payload-budget.js';
import { acceptedProblem, acceptsInfo, type AcceptedAnswers } from './accepted-answers.js';
import { bindingFor, bindingProblem, callOf, type RunScope } from './binding.js';
import { proofProblem } from './proof.js';
import { oneLine, type JsonValue } from './types.js';

/** Answers are kept in the run's history and state; anything larger belongs in a file or a store. */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** Signalled answers held for questions asked again after a hand-off (they are carried, unshortened). */
const MAX_HELD_BYTES = 128 * 1024;
/** How many ignored signals the run remembers (the newest). */
export const MAX_IGNORED = 50;

/** Resolves true when `predicate` holds, or false when `timeoutMs` passes first. */
export type WaitUntil = (predicate: () => boolean, timeoutMs?: number) => Promise<boolean>;

/**
 * An interrupt that was waiting when the run handed off: its id, when it started to wait, the
 * interrupt as people saw it, and its approvers' public keys when it counts only signed answers
 * (the last two absent in runs handed off before they were carried).
 */
export interface CarriedWait {
  id: string;
  raisedAt: string;
  interrupt?: Interrupt;
  keys?: Record<string, string[]>;
}

/** What a run carries of its interrupts across a hand-off. */
export interface CarriedInterrupts {
  answered?: AnsweredInterrupt[];
  pending?: CarriedWait[];
  /** Signalled answers to carried waits that were not asked again before the next hand-off. */
  held?: InterruptResponse[];
}

/** How hook and tool code describe what they ask; ids and metadata come from the caller. */
export type RaisedInterrupt = Omit<
  Interrupt,
  'raisedAt' | 'deadline' | 'timeoutResponse' | 'allowedResponders' | 'proofRequired' | 'notify' | 'runId' | 'ownId' | 'path' | 'accepts' | 'binding'
>;

/** What the book needs from the world (the agent runtime provides it). */
export interface BookDeps {
  waitUntil: WaitUntil;
  now(): Date;
  /** The run's workflow id: signatures cover it, so an answer cannot be replayed onto another run. */
  runId: string;
  /** Public keys by approver name (all approvers when `names` is null); see AgentRuntime. */
  approverKeys(names: readonly string[] | null): Promise<Record<string, string[]>>;
  /** Whether this run checks proofs (false only for runs started before proofs existed). */
  checksProofs(): boolean;
  /** The run that asks, when its questions carry bindings (runs since bindings): see binding.ts. */
  bindsTo(): RunScope | undefined;
  /** True when the run must hand off (continue as new) although it waits: every wait then ends with `HandOffWhileWaiting`. */
  handOffWhileWaiting(): boolean;
  /**
   * Offers a question that is about to wait to code that may answer it (the agent's
   * `interruptsPending` hooks); resolves once that code is done with it. Undefined, and the book
   * takes no extra step, when no such code is registered (runs replay as before).
   */
  offerToCode?(interrupt: Interrupt): Promise<void> | undefined;
}

/** What a hook's answer from code did: taken, or refused with why (`mistake`: a programming error in the hook). */
export type CodeAnswerOutcome = { taken: true } | { taken: false; why: string; mistake: boolean };

/** Thrown out of a wait when the run hands off while waiting; the interrupt stays pending and is carried. */
export class HandOffWhileWaiting extends Error {
  constructor() {
    super('the run continues as new while it waits');
    this.name = 'HandOffWhileWaiting';
  }
}

/** Used where nothing asks for proven answers (unit tests of the book alone). */
const NO_KEYS = async (): Promise<Record<string, string[]>> => ({});

export class InterruptBook {
  private readonly pendingById = new Map<string, Interrupt>();
  private readonly answeredById = new Map<string, AnsweredInterrupt>();
  private readonly validators = new Map<string, NonNullable<InterruptRequest['validate']>>();
  private readonly accepted = new Map<string, AcceptedAnswers>();
  /** Public keys of the people who may answer each interrupt that needs proven answers. */
  private readonly keysById = new Map<string, Record<string, string[]>>();
  readonly ignored: IgnoredResponse[] = [];
  private readonly waitUntil: WaitUntil;
  private readonly now: () => Date;

  constructor(
    private readonly deps: Pick<BookDeps, 'waitUntil' | 'now'> & Partial<BookDeps>,
    carried: CarriedInterrupts = {},
    /** Called whenever the set of pending interrupts changes (the workflow updates the Web UI and search attributes). */
    private readonly onChange: () => void = () => {},
  ) {
    this.waitUntil = deps.waitUntil;
    this.now = () => deps.now();
    for (const answer of carried.answered ?? []) this.answeredById.set(answer.interrupt.id, answer);
    for (const wait of carried.pending ?? []) this.carriedWaits.set(wait.id, wait);
    this.heldOffers = [...(carried.held ?? [])];
  }

  /**
   * The interrupts that were waiting at a hand-off. Asked again, each keeps its age and deadline.
   * Until the new run asks again (a tool call re-runs first), they still show as pending and take
   * answers: an update's answer passes the checks it can at once (who may answer, signatures) and
   * is applied once the interrupt is asked again, with the rest (its validators and forms).
   */
  private readonly carriedWaits = new Map<string, CarriedWait>();
  /** Signalled answers to carried waits, offered again when their interrupt is asked again. */
  private heldOffers: InterruptResponse[];

  /** What a hand-off while waiting carries of the pending interrupts. */
  get waits(): CarriedWait[] {
    return this.pending.map((interrupt) => {
      const keys = this.keysById.get(interrupt.id) ?? this.carriedWaits.get(interrupt.id)?.keys;
      return { id: interrupt.id, raisedAt: interrupt.raisedAt, interrupt, ...(keys ? { keys } : {}) };
    });
  }

  /** Signalled answers held for carried waits, carried on if the run hands off again first. */
  get held(): InterruptResponse[] {
    return [...this.heldOffers];
  }

  get pending(): Interrupt[] {
    const notAskedAgain = [...this.carriedWaits.keys()].flatMap((id) => this.carriedWait(id)?.interrupt ?? []);
    return [...this.pendingById.values(), ...notAskedAgain];
  }
  get answered(): AnsweredInterrupt[] {
    return [...this.answeredById.values()];
  }

  /** True while `interruptId` is a carried wait that the new run has not asked again (and nobody answered). */
  isCarried(interruptId: string): boolean {
    return this.carriedWait(interruptId) !== undefined;
  }

  private carriedWait(interruptId: string): (CarriedWait & { interrupt: Interrupt }) | undefined {
    const wait = this.carriedWaits.get(interruptId);
    if (!wait?.interrupt || this.pendingById.has(interruptId) || this.answeredById.has(interruptId)) return undefined;
    return wait as CarriedWait & { interrupt: Interrupt };
  }

  /**
   * The batch that carried waits belong to has finished, or the run ends: what was not asked again
   * is no longer asked, answers waiting for it are refused and held signals recorded as ignored.
   */
  endCarriedWaits(): void {
    this.carriedWaits.clear();
    const held = this.heldOffers;
    this.heldOffers = [];
    for (const response of held) this.offer(response);
  }

  /** Whether `interruptId` is asked now, was asked, or is carried over a hand-off (an answer to anything else meets no question yet). */
  knows(interruptId: string): boolean {
    return this.pendingById.has(interruptId) || this.answeredById.has(interruptId) || this.carriedWaits.has(interruptId);
  }

  get isWaiting(): boolean {
    if (this.pendingById.size > 0) return true;
    for (const id of this.carriedWaits.keys()) if (this.carriedWait(id)) return true;
    return false;
  }

  /**
   * Waits until a human answers, and returns the answer with who gave it. An interrupt answered
   * before returns at once; a preset response is recorded as such without asking anyone.
   */
  async raise(interrupt: RaisedInterrupt, request: Omit<InterruptRequest, 'name' | 'reason'> = {}): Promise<AnsweredInterrupt> {
    const known = this.answeredById.get(interrupt.id);
    if (known) return known;
    const carriedAt = this.carriedWaits.get(interrupt.id)?.raisedAt;
    const raisedAt = carriedAt !== undefined ? new Date(carriedAt) : this.now();
    const timeoutMs = request.timeout !== undefined ? durationMs(request.timeout.after) : undefined;
    const scope = this.deps.bindsTo?.();
    const raised: Interrupt = {
      ...interrupt,
      ...(scope ? { binding: bindingFor(scope, interrupt, callOf(interrupt)) } : {}),
      raisedAt: raisedAt.toISOString(),
      ...(request.allowedResponders ? { allowedResponders: [...request.allowedResponders] } : {}),
      ...(request.notify ? { notify: request.notify } : {}),
      ...(request.accepts ? { accepts: acceptsInfo(request.accepts) } : {}),
      ...(request.timeout && timeoutMs !== undefined
        ? { deadline: new Date(raisedAt.getTime() + timeoutMs).toISOString(), timeoutResponse: request.timeout.response }
        : {}),
    };
    if (request.response !== undefined) {
      return this.record({ interruptId: raised.id, interrupt: raised, response: request.response, preset: true, answeredAt: raised.raisedAt });
    }
    if ((request.requireProof || request.allowedResponders !== undefined) && (this.deps.checksProofs?.() ?? false)) {
      this.keysById.set(raised.id, await (this.deps.approverKeys ?? NO_KEYS)(request.allowedResponders ?? null));
      raised.proofRequired = true;
    }
    this.pendingById.set(raised.id, raised);
    if (request.validate) this.validators.set(raised.id, request.validate);
    if (request.accepts) this.accepted.set(raised.id, request.accepts);
    this.offerHeld(raised.id);
    const offered = this.pendingById.has(raised.id) ? this.deps.offerToCode?.(raised) : undefined;
    if (offered) {
      // Code that answers at once answers before anyone is told (settle tells the change).
      await offered;
      if (this.pendingById.has(raised.id)) this.onChange();
    } else {
      this.onChange();
    }
    const remainingMs = timeoutMs !== undefined ? Math.max(0, raisedAt.getTime() + timeoutMs - this.now().getTime()) : undefined;
    await this.waitUntil(() => this.answeredById.has(raised.id) || this.handingOff(), remainingMs);
    const answered = this.answeredById.has(raised.id);
    if (!answered && this.handingOff()) throw new HandOffWhileWaiting();
    if (!answered && request.timeout) {
      this.settle(raised, {
        interruptId: raised.id,
        response: request.timeout.response,
        respondedBy: DEADLINE_RESPONDER,
        reason: request.timeout.reason ?? `no answer within ${request.timeout.after}`,
      });
    }
    return this.answeredById.get(raised.id)!;
  }

  /** Why `response` cannot be applied now, or undefined when it can. */
  check(response: InterruptResponse): string | undefined {
    if (!response || typeof response !== 'object') return 'a response must be an object { interruptId, response }';
    const { interruptId } = response;
    if (typeof interruptId !== 'string' || interruptId.length === 0) return 'interruptId must be a non-empty string';
    if (response.response === undefined) {
      return `response for "${interruptId}" is missing (send null for an explicit empty answer)`;
    }
    if (response.respondedBy !== undefined && typeof response.respondedBy !== 'string') return 'respondedBy must be a string';
    if (response.reason !== undefined && typeof response.reason !== 'string') return 'reason must be a string';
    const size = jsonBytes(response);
    if (size > MAX_ANSWER_BYTES) return `the answer is ${size} bytes; answers are limited to ${MAX_ANSWER_BYTES} bytes`;
    const answered = this.answeredById.get(interruptId);
    if (answered) {
      const by = answered.preset ? 'a preset response' : answered.respondedBy ?? 'someone';
      return `interrupt "${interruptId}" was already answered by ${by} at ${answered.answeredAt}`;
    }
    if (!this.isWaiting) return `the run is not waiting for any answer (no pending interrupt; "${interruptId}" is unknown)`;
    // A carried wait not asked again yet: checked against the question and keys it carried; its
    // validators and accepted forms wait until it is asked again.
    const asked = this.pendingById.get(interruptId);
    const carried = asked ? undefined : this.carriedWait(interruptId);
    const interrupt = asked ?? carried?.interrupt;
    if (!interrupt) return `unknown interrupt id "${interruptId}"; pending: ${this.pending.map(({ id }) => id).join(', ')}`;
    if (interrupt.binding) {
      const problem = bindingProblem(interrupt.binding, response.binding, () => describeCall(interrupt));
      if (problem) return problem;
      // Only a deadline answers as the deadline: a person who claims to be one is refused.
      if (response.respondedBy === DEADLINE_RESPONDER) return `"${DEADLINE_RESPONDER}" answers only when a question's time is up; say who you are`;
    }
    if (response.proof !== undefined && (typeof response.proof !== 'object' || response.proof === null)) return 'proof must be an object { signedAt, signature }';
    const allowed = interrupt.allowedResponders;
    if (interrupt.proofRequired) {
      // Says neither who may answer nor who has keys: nothing here helps to impersonate anyone.
      const by = response.respondedBy;
      if (by === undefined || (allowed && !allowed.includes(by))) return `"${interruptId}" needs a signed answer from one of its approvers; this answer's responder is not one of them`;
      const keys = asked ? this.keysById.get(interruptId) : carried?.keys;
      const problem = proofProblem(this.deps.runId ?? '', response, keys?.[by] ?? [], this.now());
      if (problem) return `"${interruptId}" counts only answers signed with an approver's key (${problem}); sign with --key FILE (see the keys create command)`;
    } else if (allowed && !allowed.includes(response.respondedBy ?? '')) {
      const who = response.respondedBy === undefined ? 'an answer without respondedBy' : `"${response.respondedBy}"`;
      return `${who} may not answer "${interruptId}"; allowed: ${allowed.join(', ')}`;
    }
    if (!asked) return undefined;
    return acceptedProblem(this.accepted.get(interruptId), response.response) ?? this.validators.get(interruptId)?.(response);
  }

  /** Applies a response that `check` accepted to a pending interrupt. */
  accept(response: InterruptResponse): void {
    const interrupt = this.pendingById.get(response.interruptId);
    if (!interrupt) throw new Error(`no pending interrupt "${response.interruptId}"`);
    this.settle(interrupt, response);
  }

  /**
   * Like `accept`, but an answer to a carried wait is applied once the new run asks again, after
   * the checks that had to wait for it; it fails with their reason, or when the question is not
   * asked again (the run ended, or handed off again first).
   */
  async acceptWhenAsked(response: InterruptResponse): Promise<void> {
    const { interruptId } = response;
    if (this.carriedWait(interruptId)) {
      await this.waitUntil(() => !this.carriedWait(interruptId) || this.handingOff());
      if (this.carriedWait(interruptId)) throw new Error(`the run continued as new again before it asked "${interruptId}" again; send the answer again`);
      const problem = this.check(response);
      if (problem) throw new Error(problem);
    }
    this.accept(response);
  }

  /**
   * An answer from code (a hook's `interruptsPending` callback, or the judge agent it asked): taken
   * like a person's, recorded as answered by the hook (`respondedBy` `hook:<name>` or
   * `agent:<name>`, and `answeredBy`). Never taken for a question that counts only signed answers
   * or names who may answer: it stays waiting for people. A question answered meanwhile, or carried
   * over a hand-off and not asked again yet, is left as it is. An unknown id, a missing or
   * oversized response, or one the question's accepted answers or validator refuse is a `mistake`.
   */
  answerFromCode(response: { interruptId: string; response: JsonValue; reason?: string }, by: CodeAnswerer): CodeAnswerOutcome {
    const { interruptId } = response;
    const answered = this.answeredById.get(interruptId);
    if (answered) return { taken: false, mistake: false, why: `"${interruptId}" was already answered by ${answered.preset ? 'a preset response' : answered.respondedBy ?? 'someone'}` };
    const interrupt = this.pendingById.get(interruptId);
    if (!interrupt) {
      if (this.carriedWaits.has(interruptId)) return { taken: false, mistake: false, why: `"${interruptId}" is not asked again yet since the run continued as new` };
      const pending = this.pending.map(({ id }) => id);
      return { taken: false, mistake: true, why: `unknown interrupt id "${interruptId}"; pending: ${pending.length ? pending.join(', ') : 'none'}` };
    }
    if (interrupt.proofRequired || interrupt.allowedResponders !== undefined) {
      const who = interrupt.allowedResponders ? `one of ${interrupt.allowedResponders.join(', ')}` : 'a person';
      return { taken: false, mistake: false, why: `"${interruptId}" counts only a person's signed answer (${who}); an answer from code does not count, so it still waits for people` };
    }
    if (response.response === undefined) return { taken: false, mistake: true, why: `the response for "${interruptId}" is missing (give null for an explicit empty answer)` };
    if (response.reason !== undefined && typeof response.reason !== 'string') return { taken: false, mistake: true, why: `the reason for "${interruptId}" must be a string` };
    const respondedBy = codeResponder(by);
    const full: InterruptResponse = { interruptId, response: response.response, respondedBy, ...(response.reason !== undefined ? { reason: response.reason } : {}) };
    const size = jsonBytes(full);
    if (size > MAX_ANSWER_BYTES) return { taken: false, mistake: true, why: `the answer to "${interruptId}" is ${size} bytes; answers are limited to ${MAX_ANSWER_BYTES} bytes` };
    const problem = acceptedProblem(this.accepted.get(interruptId), full.response) ?? this.validators.get(interruptId)?.(full);
    if (problem) return { taken: false, mistake: true, why: `"${interruptId}" refuses the answer ${oneLine(JSON.stringify(full.response), 200)}: ${problem}` };
    this.settle(interrupt, full, by);
    return { taken: true };
  }

  /** The signal path: applies what it can, records what it cannot, never throws. */
  offer(response: InterruptResponse): string | undefined {
    let error = this.check(response);
    if (!error && this.carriedWait(response.interruptId)) {
      if (jsonBytes([...this.heldOffers, response]) <= MAX_HELD_BYTES) {
        this.heldOffers.push(response);
        return undefined;
      }
      error = `"${response.interruptId}" is being asked again after the run continued as new, and too many signalled answers wait for it; answer with an update`;
    }
    if (!error) {
      this.accept(response);
      return undefined;
    }
    const interruptId = typeof response?.interruptId === 'string' ? response.interruptId.slice(0, 200) : String(response?.interruptId);
    const respondedBy = typeof response?.respondedBy === 'string' ? response.respondedBy.slice(0, 200) : undefined;
    this.ignored.push({ interruptId, ...(respondedBy !== undefined ? { respondedBy } : {}), error, at: this.now().toISOString() });
    if (this.ignored.length > MAX_IGNORED) this.ignored.splice(0, this.ignored.length - MAX_IGNORED);
    return error;
  }

  private handingOff(): boolean {
    return this.deps.handOffWhileWaiting?.() ?? false;
  }

  /** Offers the held signalled answers to an interrupt that is asked again. */
  private offerHeld(interruptId: string): void {
    const held = this.heldOffers.filter((response) => response.interruptId === interruptId);
    this.heldOffers = this.heldOffers.filter((response) => response.interruptId !== interruptId);
    for (const response of held) this.offer(response);
  }

  private settle(interrupt: Interrupt, response: InterruptResponse, answeredBy?: CodeAnswerer): void {
    this.pendingById.delete(interrupt.id);
    this.validators.delete(interrupt.id);
    this.accepted.delete(interrupt.id);
    this.keysById.delete(interrupt.id);
    const byDeadline = response.respondedBy === DEADLINE_RESPONDER && response.proof === undefined;
    this.record({
      interruptId: interrupt.id,
      interrupt,
      response: response.response,
      answeredAt: this.now().toISOString(),
      // Verified: the proof was checked against the responder's configured key. Unverified: a claim.
      ...(byDeadline ? {} : { verified: interrupt.proofRequired === true }),
      ...(response.respondedBy !== undefined ? { respondedBy: response.respondedBy } : {}),
      ...(response.reason !== undefined ? { reason: response.reason } : {}),
      ...(answeredBy ? { answeredBy } : {}),
    });
    this.onChange();
  }

  private record(answer: AnsweredInterrupt): AnsweredInterrupt {
    this.answeredById.set(answer.interrupt.id, answer);
    return answer;
  }
}

function describeCall(interrupt: Interrupt): string {
  const call = callOf(interrupt);
  const text = 'tool' in call ? `${call.tool} ${JSON.stringify(call.input)}` : call.tools.map((one) => `${one.tool} ${JSON.stringify(one.input)}`).join(', ') || 'no tool calls';
  return oneLine(text, 300);
}
