/**
 * The run's ledger of interrupts: what waits for a human, what was answered, and by whom.
 *
 * Pure and deterministic: the caller supplies `waitUntil` (Temporal's `condition` in a workflow,
 * an event-driven wait in plain Node) and `now` (workflow time).
 */
import type {
  AnsweredInterrupt,
  IgnoredResponse,
  Interrupt,
  InterruptResponse,
} from './interrupts.js';
import type { JsonValue } from './types.js';

export type WaitUntil = (predicate: () => boolean) => Promise<void>;

export class InterruptBook {
  private readonly pendingById = new Map<string, Interrupt>();
  private readonly answeredById = new Map<string, AnsweredInterrupt>();
  readonly ignored: IgnoredResponse[] = [];

  constructor(
    private readonly waitUntil: WaitUntil,
    private readonly now: () => Date,
    carried: { answered?: AnsweredInterrupt[] } = {},
  ) {
    for (const answer of carried.answered ?? []) this.answeredById.set(answer.interrupt.id, answer);
  }

  get pending(): Interrupt[] {
    return [...this.pendingById.values()];
  }
  get answered(): AnsweredInterrupt[] {
    return [...this.answeredById.values()];
  }
  get isWaiting(): boolean {
    return this.pendingById.size > 0;
  }

  /**
   * Waits until a human answers `interrupt`, and returns the answer. An interrupt answered before
   * (for example preset) returns at once.
   */
  async raise(interrupt: Omit<Interrupt, 'raisedAt'>, preset?: JsonValue): Promise<JsonValue> {
    const known = this.answeredById.get(interrupt.id);
    if (known) return known.response;
    const raised: Interrupt = { ...interrupt, raisedAt: this.now().toISOString() };
    if (preset !== undefined) {
      this.record({ interrupt: raised, response: preset, preset: true, answeredAt: raised.raisedAt });
      return preset;
    }
    this.pendingById.set(raised.id, raised);
    await this.waitUntil(() => this.answeredById.has(raised.id));
    return this.answeredById.get(raised.id)!.response;
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
    const answered = this.answeredById.get(interruptId);
    if (answered) {
      const by = answered.preset ? 'a preset response' : answered.respondedBy ?? 'someone';
      return `interrupt "${interruptId}" was already answered by ${by} at ${answered.answeredAt}`;
    }
    if (!this.isWaiting) return `the run is not waiting for any answer (no pending interrupt; "${interruptId}" is unknown)`;
    if (!this.pendingById.has(interruptId)) {
      return `unknown interrupt id "${interruptId}"; pending: ${[...this.pendingById.keys()].join(', ')}`;
    }
    return undefined;
  }

  /** Applies a response that `check` accepted. */
  accept(response: InterruptResponse): void {
    const interrupt = this.pendingById.get(response.interruptId);
    if (!interrupt) throw new Error(`no pending interrupt "${response.interruptId}"`);
    this.pendingById.delete(interrupt.id);
    this.record({
      interrupt,
      response: response.response,
      answeredAt: this.now().toISOString(),
      ...(response.respondedBy !== undefined ? { respondedBy: response.respondedBy } : {}),
      ...(response.reason !== undefined ? { reason: response.reason } : {}),
    });
  }

  /** The signal path: applies what it can, records what it cannot, never throws. */
  offer(response: InterruptResponse): string | undefined {
    const error = this.check(response);
    if (error) this.ignored.push({ response, error, at: this.now().toISOString() });
    else this.accept(response);
    return error;
  }

  private record(answer: AnsweredInterrupt): void {
    this.answeredById.set(answer.interrupt.id, answer);
  }
}
