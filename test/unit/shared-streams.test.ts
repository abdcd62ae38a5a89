/**
 * SharedStreams over a log in memory: watchers of one run share one reader; a watcher from an older
 * offset reads those from the run itself, then joins; a reader nobody watches stops; a failure
 * reaches every watcher, and the next watcher starts a new reader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedStreams, type StreamItem } from '../../src/sdk/shared-streams.js';

/** A run's log that grows on `add`; `opened` records each read of it (its start offset). */
class Log {
  readonly items: string[] = [];
  readonly opened: number[] = [];
  failure: Error | undefined;
  private wake: Array<() => void> = [];

  add(...events: string[]): void {
    this.items.push(...events);
    for (const wake of this.wake.splice(0)) wake();
  }

  fail(error: Error): void {
    this.failure = error;
    for (const wake of this.wake.splice(0)) wake();
  }

  readonly open = async function* (this: Log, _runId: string, from: number): AsyncGenerator<StreamItem<string>, void, undefined> {
    this.opened.push(from);
    for (let offset = from; ; offset += 1) {
      while (offset >= this.items.length) {
        if (this.failure) throw this.failure;
        await new Promise<void>((resolve) => this.wake.push(resolve));
      }
      const event = this.items[offset]!;
      yield { offset, event };
      if (event === 'finish') return;
    }
  };
}

async function take(stream: AsyncGenerator<StreamItem<string>>, count?: number): Promise<string[]> {
  const seen: string[] = [];
  for await (const { offset, event } of stream) {
    seen.push(`${offset}:${event}`);
    if (seen.length === count) break;
  }
  return seen;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('watchers of one run share one reader, each gets every event from its offset, in order', async () => {
  const log = new Log();
  const streams = new SharedStreams<string>(log.open.bind(log));
  log.add('start', 'a');
  const first = take(streams.subscribe('run', 0));
  await tick();
  const second = take(streams.subscribe('run', 1));
  await tick();
  log.add('b', 'finish');
  assert.deepEqual(await first, ['0:start', '1:a', '2:b', '3:finish']);
  assert.deepEqual(await second, ['1:a', '2:b', '3:finish']);
  assert.deepEqual(log.opened, [0], 'one read of the run');
});

test('a watcher from before the shared reader reads those events from the run, then joins it', async () => {
  const log = new Log();
  const streams = new SharedStreams<string>(log.open.bind(log));
  log.add('start', 'a', 'b', 'c');
  const late = take(streams.subscribe('run', 3));
  await tick();
  const early = take(streams.subscribe('run', 1));
  await tick();
  log.add('finish');
  assert.deepEqual(await early, ['1:a', '2:b', '3:c', '4:finish']);
  assert.deepEqual(await late, ['3:c', '4:finish']);
  assert.deepEqual(log.opened, [3, 1]);
});

test('a reader nobody watches stops at its next event; the next watcher starts another', async () => {
  const log = new Log();
  const streams = new SharedStreams<string>(log.open.bind(log));
  log.add('start');
  assert.deepEqual(await take(streams.subscribe('run', 0), 1), ['0:start']);
  log.add('a');
  await tick();
  assert.deepEqual(await take(streams.subscribe('run', 1), 1), ['1:a']);
  assert.deepEqual(log.opened, [0, 1]);
});

test("a failure reaches every watcher; another run's reader is not touched", async () => {
  const log = new Log();
  const other = new Log();
  const streams = new SharedStreams<string>((runId, from) => (runId === 'run' ? log : other).open(runId, from));
  log.add('start');
  other.add('start', 'finish');
  const watchers = [take(streams.subscribe('run', 0)), take(streams.subscribe('run', 0))];
  await tick();
  log.fail(new Error('the server went away'));
  for (const watcher of watchers) await assert.rejects(watcher, /the server went away/);
  assert.deepEqual(await take(streams.subscribe('other', 0)), ['0:start', '1:finish']);
});

test('a reader keeps the latest 2,000 events: a watcher that needs older ones reads them from the run, then joins', async () => {
  const log = new Log();
  const streams = new SharedStreams<string>(log.open.bind(log));
  log.add('start');
  const reader = take(streams.subscribe('run', 0));
  await tick();
  log.add(...Array.from({ length: 2500 }, (_, index) => `e${index}`));
  await tick();
  const old = take(streams.subscribe('run', 100));
  await tick();
  log.add('finish');
  const seen = await old;
  assert.equal(seen.length, 2402);
  assert.deepEqual([seen[0], seen.at(-1)], ['100:e99', '2501:finish']);
  assert.equal((await reader).length, 2502);
  assert.deepEqual(log.opened, [0, 100]);
});
