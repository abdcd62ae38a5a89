/**
 * The web inbox's own logic, without a server: questions in web words (no terminal hints), where
 * "Trust always" is offered, a run's prompt from its summary, and its timeline (questions placed
 * before the calls they are about, answers after them, tool calls with how they ended).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANSWER_HELP, ANSWER_HELP_NO_TRUST } from '../../src/agent/approval/answers.js';
import type { AnsweredInterrupt, Interrupt } from '../../src/agent/interrupts.js';
import type { Message } from '../../src/agent/types.js';
import { promptFromSummary } from '../../src/server/run-prompt.js';
import { buildTimeline, ownPart, type TimelineEntry } from '../../src/server/timeline.js';
import { forWeb, offersTrust, webQuestion, webWording } from '../../src/server/web-question.js';

test('web words: the terminal hint at the end of a question is left out; anything else stays as written', () => {
  assert.equal(webWording('Approve record_action? (t/y/N)'), 'Approve record_action?');
  assert.equal(webWording('Approve deleting these files? (y/N)'), 'Approve deleting these files?');
  assert.equal(webWording('Delete them (y/N)?'), 'Delete them?');
  assert.equal(webWording('Approve delete_files (as edited)? (y/N)  '), 'Approve delete_files (as edited)?');
  // Not a hint: prose in brackets, brackets mid-sentence, a bracket with spaces, nothing but a hint.
  for (const text of ['Delete the files (all of them)', 'Run (y/N) now?', 'Pick (a / b)', '(y/N)', 'Plain question?', '']) assert.equal(webWording(text), text);
  assert.equal(webQuestion({ message: 'Approve x? (t/y/N)', tool: 'x' }), 'Approve x?');
  assert.deepEqual(webQuestion({ label: '<b>(y/N)</b>' }), { label: '<b>(y/N)</b>' }, 'a reason without words is shown whole, as it is');
  assert.equal(webQuestion(null), null);
});

test('trust is offered only in a run of a session, and only for questions that take t', () => {
  const question = (accepts: Interrupt['accepts'], reason: Interrupt['reason'] = 'Approve? (t/y/N)') => ({ accepts, reason });
  assert.equal(offersTrust(question({ description: ANSWER_HELP }), undefined), false, 'no session: nothing would remember it');
  assert.equal(offersTrust(question({ description: ANSWER_HELP }), 'ops'), true);
  assert.equal(offersTrust(question({ description: ANSWER_HELP_NO_TRUST }, 'Approve? (y/N)'), 'ops'), false, "the policy's never-trusted calls");
  assert.equal(offersTrust(question({ description: 'one of: y, n', choices: ['y', 'n'] }), 'ops'), false, 'words that leave t out');
  assert.equal(offersTrust(question({ description: 'one of: T, y, n', choices: ['T', 'y', 'n'] }, 'Delete?'), 'ops'), true);
  assert.equal(offersTrust(question(undefined, 'Delete these files? (y/N)'), 'ops'), false, 'a hint that offers no t');
  assert.equal(offersTrust(question(undefined, { label: 'x' }), 'ops'), true, 'a question that says nothing against it');
  const web = forWeb({ id: 'q', name: 'approval', reason: { message: 'Approve x? (t/y/N)' }, source: 'hook', scope: 'beforeToolCall', raisedAt: '2030-01-01T00:00:00.000Z', accepts: { description: ANSWER_HELP } }, undefined);
  assert.deepEqual([web.question, web.offersTrust, web.id], ['Approve x?', false, 'q']);
});

test("a run's prompt from its static summary; a session run's summary holds none", () => {
  assert.equal(promptFromSummary('refunds: Refund order \\*42\\* &lt;now&gt;', 'refunds'), 'Refund order *42* <now>');
  assert.equal(promptFromSummary('refunds in session shop', 'refunds'), undefined);
});

const AT = (second: number) => `2030-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

function asked(id: string, toolUseId: string | undefined, second: number, extra: Partial<Interrupt> = {}): Interrupt {
  return { id, name: id, reason: { message: `${id}? (t/y/N)` }, source: 'hook', scope: 'beforeToolCall', ...(toolUseId ? { toolUseId, toolName: 'record_action' } : {}), raisedAt: AT(second), ...extra };
}

function answered(interrupt: Interrupt, second: number, extra: Partial<AnsweredInterrupt> = {}): AnsweredInterrupt {
  return { interruptId: interrupt.id, interrupt, response: 'y', respondedBy: 'alice', verified: true, answeredAt: AT(second), ...extra };
}

const use = (toolUseId: string, label: string) => ({ toolUse: { toolUseId, name: 'record_action', input: { label } } });
const result = (toolUseId: string, status: 'success' | 'error', text: string) => ({ toolResult: { toolUseId, status, content: [{ text }] } });

/** One line per entry, to compare whole timelines at a glance. */
function lines(entries: TimelineEntry[]): string[] {
  return entries.map((entry) => {
    if (entry.kind === 'question') return `asked ${entry.interruptId}${entry.waiting ? ' (waiting)' : ''}: ${String(entry.question)}`;
    if (entry.kind === 'answer') return `answered ${entry.interruptId} ${JSON.stringify(entry.response)} by ${entry.respondedBy} ${entry.verified ? 'verified' : 'unverified'}`;
    return `tool ${entry.tool} ${JSON.stringify(entry.input)} ${entry.status}${entry.result ? `: ${entry.result}` : ''} [${entry.questions.join(',')}]`;
  });
}

test('the timeline: each question before the call it is about and its answer right after; calls with how they ended; the waiting turn from the status', () => {
  const earlier: Message[] = [
    { role: 'user', content: [{ text: 'an earlier prompt of the session' }] },
    { role: 'assistant', content: [use('old', 'earlier')] },
    { role: 'user', content: [result('old', 'success', 'done before')] },
    { role: 'assistant', content: [{ text: 'ok' }] },
  ];
  const first = asked('q1', 'tu1', 1);
  const second = asked('q2', 'tu2', 3);
  const third = asked('q3', 'tu3', 5);
  const conversation: Message[] = [
    ...earlier,
    { role: 'user', content: [{ text: 'record a and b' }] },
    { role: 'assistant', content: [{ text: 'recording' }, use('tu1', 'a'), use('tu2', 'b')] },
    { role: 'user', content: [result('tu1', 'success', 'recorded a'), result('tu2', 'error', 'denied: b')] },
  ];
  const waitingTurn: Message = { role: 'assistant', content: [use('tu3', 'c')] };
  const timeline = buildTimeline(
    { status: 'waiting', pending: [third], answered: [answered(second, 4, { response: { decision: 'deny', reason: 'no' }, verified: false }), answered(first, 2)], lastMessage: waitingTurn },
    conversation,
    'record a and b',
  );
  assert.deepEqual(lines(timeline), [
    'asked q1: q1?',
    'answered q1 "y" by alice verified',
    'tool record_action {"label":"a"} success: recorded a [q1]',
    'asked q2: q2?',
    'answered q2 {"decision":"deny","reason":"no"} by alice unverified',
    'tool record_action {"label":"b"} error: denied: b [q2]',
    'asked q3 (waiting): q3?',
    'tool record_action {"label":"c"} waiting [q3]',
  ]);
  assert.equal(ownPart(conversation, 'record a and b').length, 3, "the session's earlier conversation is not this run's");
  assert.equal(ownPart(conversation, 'a prompt it does not hold').length, conversation.length);
});

test("the timeline: a batch question comes before the batch; a sub-agent's question, and presets, are placed by time or left out", () => {
  const batch = asked('batch', undefined, 1, { scope: 'beforeTools', calls: [{ tool: 'record_action', input: { label: 'a' } }, { tool: 'record_action', input: { label: 'b' } }] });
  const preset = asked('policy', undefined, 1);
  const child = asked('sub:tu9:approve', 'child-tu', 7, { runId: 'child-run', ownId: 'hook:beforeToolCall:child-tu:approve' });
  const conversation: Message[] = [
    { role: 'user', content: [{ text: 'go' }] },
    { role: 'assistant', content: [use('tu1', 'a'), use('tu2', 'b')] },
    { role: 'user', content: [result('tu1', 'success', 'a'), result('tu2', 'success', 'b')] },
  ];
  const timeline = buildTimeline(
    { status: 'completed', pending: [child], answered: [answered(preset, 1, { preset: true, respondedBy: undefined }), answered(batch, 2)], lastMessage: { role: 'assistant', content: [{ text: 'done' }] } },
    conversation,
    'go',
  );
  assert.deepEqual(lines(timeline), [
    'asked batch: batch?',
    'answered batch "y" by alice verified',
    'tool record_action {"label":"a"} success: a [batch]',
    'tool record_action {"label":"b"} success: b [batch]',
    'asked sub:tu9:approve (waiting): sub:tu9:approve?',
  ]);
  const sub = timeline.at(-1)!;
  assert.deepEqual(sub.kind === 'question' && [sub.runId, sub.ownId], ['child-run', 'hook:beforeToolCall:child-tu:approve'], "its page is in the run that asks it");
  // Without a conversation (no worker answered): the questions and answers only.
  assert.deepEqual(lines(buildTimeline({ status: 'failed', pending: [], answered: [answered(batch, 2)], lastMessage: null }, [])), ['asked batch: batch?', 'answered batch "y" by alice verified']);
});

test('the timeline: a call that never got a result says so by how the run stands; long results are cut', () => {
  const conversation: Message[] = [
    { role: 'user', content: [{ text: 'go' }] },
    { role: 'assistant', content: [use('tu1', 'a')] },
  ];
  const status = (phase: 'running' | 'cancelled') => buildTimeline({ status: phase, pending: [], answered: [], lastMessage: null }, conversation, 'go');
  assert.deepEqual(lines(status('running')), ['tool record_action {"label":"a"} running []']);
  assert.deepEqual(lines(status('cancelled')), ['tool record_action {"label":"a"} no result []']);
  const long = buildTimeline({ status: 'completed', pending: [], answered: [], lastMessage: null }, [...conversation, { role: 'user', content: [result('tu1', 'success', 'x'.repeat(5000))] }], 'go');
  const entry = long[0]!;
  assert.ok(entry.kind === 'tool' && entry.result!.length === 2000 && entry.result!.endsWith('…'));
});
