/**
 * A limit on the updates a run holds open at once. Temporal takes at most ten updates in flight per
 * workflow (the server's `history.maxInFlightUpdates`), and refuses the eleventh, an answer as
 * readily as anything else. Watchers (stream polls) and waiters (`wait`) hold theirs open until
 * the run moves, so each kind gets a few places and is refused beyond them while an answer still
 * gets in: a refused watcher tries again a little later, a refused waiter asks the status query.
 *
 * Refusing happens in the update's validator, which writes nothing to the history (and does not
 * run on replay), so the limit changes no run's history.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { BUSY_FAILURE_TYPE } from './messages.js';

export class ParkedLimit {
  private held = 0;

  constructor(
    private readonly what: string,
    private readonly most: number,
  ) {}

  /** The validator: refuses one more while `most` are held. */
  readonly admit = (): void => {
    if (this.held >= this.most) {
      throw ApplicationFailure.create({ type: BUSY_FAILURE_TYPE, nonRetryable: true, message: `this run holds ${this.most} ${this.what} already; try again shortly` });
    }
  };

  /** Runs a handler as one of the held; its place frees when it returns. */
  async hold<T>(handler: () => Promise<T>): Promise<T> {
    this.held += 1;
    try {
      return await handler();
    } finally {
      this.held -= 1;
    }
  }
}
