/**
 * What you see is what you sign, as properties (fast-check): an answer bound to a question counts
 * only with that exact binding. Any change to any bound part (namespace, workflow id, execution,
 * question id, call, question), alone or together, is refused and the message names the part; an
 * untouched answer is accepted. A signature covers the binding: moving a signed answer to another
 * binding breaks it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bindingFor, digestOf, type AnswerBinding, type RunScope } from '../../src/agent/binding.js';
import { InterruptBook, type RaisedInterrupt } from '../../src/agent/interrupt-book.js';
import type { InterruptResponse } from '../../src/agent/interrupts.js';
import { approverDirectory, signedBy } from '../support/approvers.js';

const SCOPE: RunScope = { namespace: 'default', workflowId: 'run-1', execution: 'exec-1' };
const QUESTION: RaisedInterrupt = {
  id: 'hook:beforeToolCall:tu1:approval',
  name: 'approval',
  reason: { message: 'Approve delete_files?', input: { paths: ['a.txt'] } },
  source: 'hook',
  scope: 'beforeToolCall',
  toolName: 'delete_files',
  toolUseId: 'tu1',
  toolInput: { paths: ['a.txt'] },
};

/** A book of a run since bindings that asks QUESTION (named approvers when `signed`). */
async function askingBook(signed: boolean): Promise<InterruptBook> {
  const book = new InterruptBook({
    runId: SCOPE.workflowId,
    waitUntil: async () => new Promise<boolean>(() => {}),
    now: () => new Date(),
    checksProofs: () => true,
    approverKeys: async () => approverDirectory,
    bindsTo: () => SCOPE,
  });
  void book.raise(QUESTION, signed ? { allowedResponders: ['alice'] } : {});
  // The keys come from an (immediate) promise: the question is pending a microtask later.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(book.pending.length, 1);
  return book;
}

const PARTS = ['namespace', 'workflowId', 'execution', 'interruptId', 'call', 'question'] as const;
const MESSAGES: Record<(typeof PARTS)[number], RegExp> = {
  namespace: /namespace/,
  workflowId: /another run/,
  execution: /another execution/,
  interruptId: /names question/,
  call: /the call changed since you saw it: it now runs delete_files \{"paths":\["a\.txt"\]\}/,
  question: /question .* changed since you saw it/,
};

/** A set of parts to change, each to a different string. */
const changes = fc
  .uniqueArray(fc.constantFrom(...PARTS), { minLength: 1, maxLength: PARTS.length })
  .chain((parts) => fc.tuple(fc.constant(parts), fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: parts.length, maxLength: parts.length })));

function changed(binding: AnswerBinding, parts: readonly (typeof PARTS)[number][], values: readonly string[]): AnswerBinding {
  const copy = { ...binding };
  parts.forEach((part, index) => (copy[part] = `${binding[part]}~${values[index]}`));
  return copy;
}

test('the binding a question carries is the one its parts give', async () => {
  const book = await askingBook(false);
  const expected = bindingFor(SCOPE, QUESTION, { tool: 'delete_files', input: { paths: ['a.txt'] } });
  assert.deepEqual(book.pending[0]!.binding, expected);
  assert.equal(expected.call, digestOf({ tool: 'delete_files', input: { paths: ['a.txt'] } }));
  // Key order does not matter; values do.
  assert.equal(digestOf({ tool: 'delete_files', input: { b: 1, a: 2 } }), digestOf({ input: { a: 2, b: 1 }, tool: 'delete_files' }));
  assert.notEqual(digestOf({ tool: 'delete_files', input: { paths: ['a.txt'] } }), digestOf({ tool: 'delete_files', input: { paths: ['b.txt'] } }));
});

test('an unsigned answer: any change to any bound part is refused, naming the first part that differs; the untouched binding is accepted', async () => {
  const book = await askingBook(false);
  const binding = book.pending[0]!.binding!;
  const answer = (bound: AnswerBinding | undefined): InterruptResponse => ({ interruptId: QUESTION.id, response: 'y', ...(bound ? { binding: bound } : {}) });
  assert.equal(book.check(answer(binding)), undefined);
  assert.match(book.check(answer(undefined))!, /takes only answers bound to the call they approve/);
  fc.assert(
    fc.property(changes, ([parts, values]) => {
      const problem = book.check(answer(changed(binding, parts, values)));
      const first = PARTS.find((part) => parts.includes(part))!;
      assert.ok(problem, `a change of ${parts.join(', ')} was accepted`);
      assert.match(problem, MESSAGES[first]);
    }),
    { numRuns: 300 },
  );
});

test('a signed answer: any change to its binding, before or after signing, is refused; the signed untouched answer is accepted', async () => {
  const book = await askingBook(true);
  const binding = book.pending[0]!.binding!;
  const sign = (bound: AnswerBinding) => signedBy('alice', SCOPE.workflowId, { interruptId: QUESTION.id, response: 'y', binding: bound });
  assert.equal(book.check(sign(binding)), undefined);
  fc.assert(
    fc.property(changes, ([parts, values]) => {
      // Signed over a changed binding: the binding check refuses it.
      assert.ok(book.check(sign(changed(binding, parts, values))));
      // Signed over the right binding, then moved to another: refused (by the binding or the signature).
      assert.ok(book.check({ ...sign(binding), binding: changed(binding, parts, values) }));
    }),
    { numRuns: 200 },
  );
  // The answer itself is covered too: the same binding with another answer does not verify.
  assert.match(book.check({ ...sign(binding), response: 'n' })!, /signature does not verify/);
});

test('a binding of the wrong shape is refused with what is wrong, never accepted', async () => {
  const book = await askingBook(false);
  const binding = book.pending[0]!.binding!;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.constantFrom<unknown>(null, 'binding', 42, [], [binding], true),
        fc.record({ namespace: fc.anything(), workflowId: fc.anything(), execution: fc.anything(), interruptId: fc.anything(), call: fc.anything(), question: fc.anything() }),
        fc.constantFrom(...PARTS).map((part) => {
          const { [part]: _dropped, ...rest } = binding;
          return rest;
        }),
      ),
      (given) => {
        assert.ok(book.check({ interruptId: QUESTION.id, response: 'y', binding: given as never }));
      },
    ),
    { numRuns: 300 },
  );
});

test('digests cover what JSON carries: dates by their text, undefined left out', () => {
  const day = (ms: number) => ({ tool: 't', input: { when: new Date(ms) } }) as unknown as Parameters<typeof digestOf>[0];
  assert.notEqual(digestOf(day(0)), digestOf(day(86_400_000)));
  assert.equal(digestOf({ a: 1, b: undefined } as never), digestOf({ a: 1 }));
});

test('a person cannot answer as the deadline', async () => {
  const book = await askingBook(false);
  const binding = book.pending[0]!.binding!;
  assert.match(book.check({ interruptId: QUESTION.id, response: 'y', respondedBy: 'deadline', binding })!, /answers only when a question's time is up/);
});
