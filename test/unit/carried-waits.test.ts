/**
 * Questions carried across a hand-off (continue as new while waiting) take answers before the new
 * run asks them again: an update's answer waits for the question and gets every check then; a
 * signalled one is held; nothing is lost in the window between the two runs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InterruptBook, type CarriedInterrupts, type CarriedWait } from '../../src/agent/interrupt-book.js';
import type { Interrupt } from '../../src/agent/interrupts.js';
import { validateAnswers } from '../../src/workflows/answer-checks.js';
import { approverDirectory, signedBy } from '../support/approvers.js';

const question: Interrupt = {
  id: 'tool:tu1:second',
  name: 'second',
  reason: 'second question',
  source: 'tool',
  scope: 'tool',
  toolName: 'ask_twice',
  toolUseId: 'tu1',
  raisedAt: '2026-01-01T00:00:00.000Z',
};
const carried: CarriedWait = { id: question.id, raisedAt: question.raisedAt, interrupt: question };
const { raisedAt: _raisedAt, ...asked } = question;

const RUN = 'run-carried';

/** A book as a new run builds it from its carry, with a wait that re-checks on every change. */
function carriedBook(waits: CarriedWait[] = [carried], more: Omit<CarriedInterrupts, 'pending'> = {}) {
  const watchers = new Set<() => void>();
  const changed = () => queueMicrotask(() => watchers.forEach((watch) => watch()));
  const book = new InterruptBook(
    {
      runId: RUN,
      checksProofs: () => true,
      approverKeys: async () => approverDirectory,
      now: () => new Date(),
      waitUntil: (predicate) =>
        new Promise<boolean>((resolve) => {
          const watch = () => {
            if (!predicate()) return;
            watchers.delete(watch);
            resolve(true);
          };
          watchers.add(watch);
          watch();
        }),
    },
    { pending: waits, ...more },
    changed,
  );
  return { book, changed };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('a question carried across a hand-off', () => {
  test('shows as pending with its age until it is asked again, and is then the same question', async () => {
    const { book } = carriedBook();
    assert.equal(book.isWaiting, true);
    assert.deepEqual(book.pending, [question]);
    assert.deepEqual(book.waits, [carried], 'handing off again carries it on');
    const raised = book.raise(asked);
    assert.deepEqual(book.pending.map(({ id, raisedAt }) => ({ id, raisedAt })), [{ id: question.id, raisedAt: question.raisedAt }]);
    book.accept({ interruptId: question.id, response: 'two' });
    assert.equal((await raised).response, 'two');
  });

  test('an answer sent before it is asked again is applied when it is, not lost and not early', async () => {
    const { book } = carriedBook();
    assert.equal(book.check({ interruptId: question.id, response: 'two', respondedBy: 'ann' }), undefined);
    const accepting = book.acceptWhenAsked({ interruptId: question.id, response: 'two', respondedBy: 'ann' });
    assert.equal(await settled(accepting), false, 'waits for the question');
    assert.equal(book.answered.length, 0);
    const answer = await book.raise(asked);
    await accepting;
    assert.deepEqual([answer.response, answer.respondedBy, answer.interrupt.raisedAt], ['two', 'ann', question.raisedAt]);
  });

  test("the checks that need the question asked again apply then, and refuse with the question's reason", async () => {
    const { book } = carriedBook();
    const accepting = book.acceptWhenAsked({ interruptId: question.id, response: 'maybe' });
    const raised = book.raise(asked, { accepts: { choices: ['yes', 'no'] } });
    await assert.rejects(accepting, /yes.*no/);
    assert.equal(book.answered.length, 0, 'the refused answer is not applied');
    book.accept({ interruptId: question.id, response: 'yes' });
    assert.equal((await raised).response, 'yes');
  });

  test('who may answer is checked at once from the carried question', () => {
    const { book } = carriedBook([{ ...carried, interrupt: { ...question, allowedResponders: ['ann'] } }]);
    assert.match(book.check({ interruptId: question.id, response: 'y', respondedBy: 'bob' }) ?? '', /"bob" may not answer/);
    assert.equal(book.check({ interruptId: question.id, response: 'y', respondedBy: 'ann' }), undefined);
  });

  test('a signalled answer is held until the question is asked again', async () => {
    const { book } = carriedBook();
    assert.equal(book.offer({ interruptId: question.id, response: 'held' }), undefined);
    assert.deepEqual(book.ignored, []);
    assert.equal(book.answered.length, 0);
    assert.equal((await book.raise(asked)).response, 'held');
  });

  test('a question the new run does not ask again ends: held answers are recorded as ignored, waiting ones refused', async () => {
    const { book, changed } = carriedBook();
    book.offer({ interruptId: question.id, response: 'held' });
    const accepting = book.acceptWhenAsked({ interruptId: question.id, response: 'two' });
    book.endCarriedWaits();
    changed();
    await assert.rejects(accepting, /not waiting for any answer/);
    assert.equal(book.isWaiting, false);
    assert.deepEqual(book.pending, []);
    assert.match(book.ignored[0]!.error, /not waiting for any answer/);
  });

  test('a signed question checks signatures at once, with the keys it carried', () => {
    const signed: Interrupt = { ...question, proofRequired: true, allowedResponders: ['alice', 'bob'] };
    const { book } = carriedBook([{ ...carried, interrupt: signed, keys: { alice: approverDirectory.alice!, bob: approverDirectory.bob! } }]);
    const forged = { ...signedBy('mallory', RUN, { interruptId: question.id, response: 'y' }), respondedBy: 'alice' };
    assert.match(book.check(forged) ?? '', /counts only answers signed with an approver's key/);
    assert.match(book.check(signedBy('alice', 'another-run', { interruptId: question.id, response: 'y' })) ?? '', /signature does not verify/);
    assert.equal(book.check(signedBy('alice', RUN, { interruptId: question.id, response: 'y' })), undefined);
    assert.deepEqual(book.waits[0]!.keys, { alice: approverDirectory.alice, bob: approverDirectory.bob }, 'handing off again carries the keys on');
  });

  test('held signalled answers are carried on when the run hands off again first, and applied when asked', async () => {
    const { book } = carriedBook();
    book.offer({ interruptId: question.id, response: 'held' });
    const next = carriedBook(book.waits, { held: book.held }).book;
    assert.equal((await next.raise(asked)).response, 'held');
  });

  test('signalled answers held past their budget are recorded as ignored, not held', () => {
    const { book } = carriedBook();
    const big = 'h'.repeat(60 * 1024);
    book.offer({ interruptId: question.id, response: big });
    book.offer({ interruptId: question.id, response: big });
    book.offer({ interruptId: question.id, response: big });
    assert.equal(book.held.length, 2);
    assert.match(book.ignored[0]!.error, /too many signalled answers wait for it; answer with an update/);
  });

  test('an update answers a carried question alone, not in a list with others', () => {
    const { book } = carriedBook();
    const other = { interruptId: question.id, response: 'x' };
    assert.throws(() => validateAnswers(book, [other, { interruptId: 'tool:tu2:other', response: 'y' }], 'running', () => undefined), /answer it in an update of its own/);
    assert.throws(() => validateAnswers(book, [other, other], 'running', () => undefined), /answer it in an update of its own/);
    assert.doesNotThrow(() => validateAnswers(book, other, 'running', () => undefined));
  });

  test('a wait carried by an older run (no question with it) keeps only its age, as before', () => {
    const { book } = carriedBook([{ id: question.id, raisedAt: question.raisedAt }]);
    assert.equal(book.isWaiting, false);
    assert.match(book.check({ interruptId: question.id, response: 'y' }) ?? '', /not waiting/);
  });
});
