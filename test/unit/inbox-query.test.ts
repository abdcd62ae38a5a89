/**
 * The inbox's visibility query (every filter a quoted, checked clause; hostile values refused) and
 * the inbox's search attributes a run computes from its questions (issue 26, item 3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Interrupt } from '../../src/agent/interrupts.js';
import { inboxQuery, passes, WAITING_QUERY } from '../../src/sdk/inbox.js';
import { indexingOf } from '../../src/sdk/search-attributes-setup.js';
import { inboxAttributes } from '../../src/workflows/run-visibility.js';
import { INBOX_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');

test('filters are visibility clauses: agent, session, mine (my names or anyone), overdue (deadline before now)', () => {
  assert.equal(inboxQuery({}, NOW), WAITING_QUERY);
  assert.equal(
    inboxQuery({ agent: 'ops-bot', sessionId: 's-1', mine: ['bob', 'group:ops'], overdue: true }, NOW),
    `${WAITING_QUERY} AND AgentName = "ops-bot" AND SessionId = "s-1" AND AgentApprovers IN ("*", "bob", "group:ops") AND AgentDeadline < "2026-12-07T12:00:00.000Z"`,
  );
  assert.equal(inboxQuery({ mine: 'alice' }, NOW), `${WAITING_QUERY} AND AgentApprovers IN ("*", "alice")`);
});

test('hostile filter values are refused, naming why, before any query is built', () => {
  const hostile: Array<[Parameters<typeof inboxQuery>[0], RegExp]> = [
    [{ agent: 'x" OR AgentName != "' }, /agent name may not contain quotes/],
    [{ mine: 'bob") OR ("1" = "1' }, /approver name may not contain quotes/],
    [{ mine: ['bob', "it's"] }, /approver name may not contain quotes/],
    [{ sessionId: 'a\\"b' }, /session id may not contain quotes, backquotes or backslashes/],
    [{ mine: 'bob`' }, /backquotes/],
    [{ agent: 'a\nb' }, /control character/],
    [{ mine: '-rf' }, /starts with "-"/],
    [{ mine: [] }, /1 to 50 names, not 0/],
    [{ mine: Array.from({ length: 51 }, (_, i) => `p${i}`) }, /not 51/],
  ];
  for (const [filter, message] of hostile) assert.throws(() => inboxQuery(filter, NOW), (error: unknown) => error instanceof TypeError && message.test(error.message), JSON.stringify(filter));
});

test('with details, mine keeps the questions naming me or one of my groups, or nobody', () => {
  assert.equal(passes({ allowedResponders: ['ops'] }, { mine: ['bob', 'ops'] }), true);
  assert.equal(passes({ allowedResponders: ['alice'] }, { mine: ['bob', 'ops'] }), false);
  assert.equal(passes({}, { mine: 'bob' }), true);
  assert.equal(passes({ deadline: '2026-12-07T11:00:00.000Z' }, { overdue: true }, NOW), true);
  assert.equal(passes({ deadline: '2026-12-07T13:00:00.000Z' }, { overdue: true }, NOW), false);
});

function question(id: string, fields: Partial<Interrupt>): Interrupt {
  return { id, name: 'approval', reason: { message: `question ${id}` }, source: 'tool', scope: 'call', raisedAt: '2026-12-07T10:00:00.000Z', ...fields } as Interrupt;
}

test("a run's inbox attributes: approvers of its own questions, earliest deadline, oldest question; removed when none", () => {
  const values = (pending: Interrupt[]) => Object.fromEntries(inboxAttributes(pending).map(({ key, value }) => [key.name, value]));
  const long = 'x'.repeat(500);
  const attributes = values([
    question('a', { toolName: 'deploy', raisedAt: '2026-12-07T10:05:00.000Z', allowedResponders: ['bob', 'ops'], deadline: '2026-12-08T10:00:00.000Z' }),
    question('b', { toolName: 'delete_files', reason: { message: long }, deadline: '2026-12-07T18:00:00.000Z' }),
    // A sub-agent's question, mirrored: listed in the sub-agent's own run.
    question('sub:c', { runId: 'child', allowedResponders: ['mallory'], raisedAt: '2026-12-07T09:00:00.000Z', deadline: '2026-12-07T09:30:00.000Z' }),
  ]);
  assert.deepEqual(attributes.AgentApprovers, ['*', 'bob', 'ops']);
  assert.deepEqual(attributes.AgentDeadline, new Date('2026-12-07T18:00:00.000Z'));
  assert.deepEqual(attributes.AgentWaitingSince, new Date('2026-12-07T10:00:00.000Z'));
  assert.equal(attributes.AgentTool, 'delete_files');
  assert.equal((attributes.AgentQuestion as string).length, 200, 'bounded');
  assert.equal(values([question('a', {})]).AgentDeadline, null, 'no deadline: removed');

  const none = values([question('sub:c', { runId: 'child' })]);
  assert.deepEqual(Object.keys(none).sort(), INBOX_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
  assert.ok(Object.values(none).every((value) => value === null), 'no own question: every inbox attribute removed');

  const crowd = values([question('a', { allowedResponders: Array.from({ length: 40 }, (_, i) => `p${i}`) })]);
  assert.deepEqual(crowd.AgentApprovers, ['*'], 'too many names to index: listed as anyone\'s (the run still checks who answers)');
});

test('what runs may upsert follows what the namespace has', () => {
  assert.equal(indexingOf([]), 'inbox');
  assert.equal(indexingOf(['AgentApprovers', 'AgentQuestion']), true, 'set up by an older setup: the base attributes only');
  assert.equal(indexingOf(['AgentStatus', 'AgentApprovers']), false);
});
