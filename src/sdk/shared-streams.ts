/**
 * One reader per run, shared by everyone in this process who watches it. A run holds only a few
 * watchers' polls at once (src/workflows/parked-limit.ts): a web server with twenty tabs open on a
 * run must take one of those places, not twenty. The shared reader starts where its first watcher
 * does and keeps the run's latest events; a watcher that starts from an older offset reads those
 * directly from the run, then joins.
 */

export interface StreamItem<T> {
  offset: number;
  event: T;
}

/**
 * Reads a run's stream from an offset (see AgentClient.stream): each item once, in order. `signal`
 * aborts once nobody watches: a poll the run holds until its next event is cancelled then, rather
 * than keep one of the run's few watcher places (and a connection) for nobody.
 */
export type OpenStream<T> = (runId: string, from: number, signal: AbortSignal) => AsyncGenerator<StreamItem<T>, void, undefined>;

/** Events a shared reader keeps for watchers that join late. */
const KEPT_EVENTS = 2000;

export class SharedStreams<T> {
  private readonly readers = new Map<string, SharedReader<T>>();

  constructor(private readonly open: OpenStream<T>) {}

  /** The run's events from `from`, as `open` gives them. */
  async *subscribe(runId: string, from: number): AsyncGenerator<StreamItem<T>, void, undefined> {
    let reader = this.readers.get(runId);
    if (!reader || reader.finished) {
      const stop = new AbortController();
      const fresh = new SharedReader(this.open(runId, from, stop.signal), from, stop, () => {
        if (this.readers.get(runId) === fresh) this.readers.delete(runId);
      });
      this.readers.set(runId, fresh);
      reader = fresh;
    }
    reader.watchers += 1;
    try {
      let next = from;
      if (!reader.holds(next)) {
        // Older than what the shared reader keeps: from the run itself until the two meet.
        const own = this.open(runId, next, reader.signal);
        try {
          for await (const item of own) {
            yield item;
            next = item.offset + 1;
            if (reader.holds(next)) break;
          }
        } finally {
          await own.return(undefined);
        }
      }
      for (;;) {
        const item = await reader.at(next);
        if (!item) return;
        yield item;
        next = item.offset + 1;
      }
    } finally {
      reader.watchers -= 1;
      if (reader.watchers === 0) reader.stop();
    }
  }
}

class SharedReader<T> {
  watchers = 0;
  private readonly kept: Array<StreamItem<T>> = [];
  /** Offsets below this are not here: before the first watcher's, or let go (more than KEPT_EVENTS since). */
  private forgotten: number;
  private ended = false;
  /** Stopped reading (the stream ended, failed, or nobody watched): a new watcher needs a new reader. */
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private wake: Array<() => void> = [];
  constructor(
    source: AsyncGenerator<StreamItem<T>, void, undefined>,
    from: number,
    private readonly stopping: AbortController,
    done: () => void,
  ) {
    this.forgotten = from;
    void this.pump(source).finally(done);
  }

  get finished(): boolean {
    return this.stopped;
  }

  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Nobody watches any more: stop reading now (the poll under way is cancelled). */
  stop(): void {
    this.stopped = true;
    this.stopping.abort();
  }

  /** Whether the watcher at `next` can read on from here (nothing it needs was let go). */
  holds(next: number): boolean {
    return next >= this.forgotten;
  }

  /** The first item at or after `next`, waiting for it; undefined once the stream ended without one. */
  async at(next: number): Promise<StreamItem<T> | undefined> {
    for (;;) {
      const item = this.kept.find((candidate) => candidate.offset >= next);
      if (item) return item;
      if (this.failure) throw this.failure.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  private async pump(source: AsyncGenerator<StreamItem<T>, void, undefined>): Promise<void> {
    try {
      for await (const item of source) {
        this.kept.push(item);
        if (this.kept.length > KEPT_EVENTS) this.forgotten = this.kept.splice(0, this.kept.length - KEPT_EVENTS).at(-1)!.offset + 1;
        this.tell();
        if (this.stopped) break;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.stopped = true;
      this.ended = true;
      this.tell();
    }
  }

  private tell(): void {
    for (const wake of this.wake.splice(0)) wake();
  }
}
