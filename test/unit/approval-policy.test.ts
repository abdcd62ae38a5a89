/** The approval policy: precedence rule by rule, answers, edit, quorum, classifier, deadlines (plain Node). */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseApprovalAnswer } from '../../src/agent/approval/answers.js';
import { decide, matchesTool, trustKey, type ApprovalPolicy } from '../../src/agent/approval/policy.js';
import { AgentState } from '../../src/agent/state.js';
import { LocalAgentRunner } from '../../src/sdk/local-runner.js';
import { policyAgent } from '../support/test-agents.js';
import { createTestTools, readLedger } from '../support/test-tools.js';
import { ScriptedModel, type Turn } from '../support/scripted-model.js';
import { approverDirectory, signedBy } from '../support/approvers.js';

const trusted = (tool: string) => new AgentState({ [trustKey(tool)]: true });
const none = new AgentState();

describe('precedence', () => {
  const policy: ApprovalPolicy = {
    allow: ['read_*', 'delete_tmp'],
    ask: ['*', '!drop_database'],
    rules: [
      { tool: 'delete_*', when: (input) => (input as { paths: string[] }).paths.length > 2, action: 'ask', quorum: 2, description: 'bulk' },
      { tool: 'delete_tmp', action: 'ask', description: 'tmp is still a delete' },
      { tool: 'read_secrets', action: 'ask' },
      { tool: 'drop_database', action: 'allow' },
    ],
  };

  test('1. "!tool" always asks, beats a rule that allows, and ignores trust', () => {
    assert.deepEqual(decide(policy, 'drop_database', {}, trusted('drop_database')), { action: 'ask', because: '"!drop_database" always asks', trustable: false, quorum: 1 });
  });
  test('2. the first matching rule wins over allow and ask patterns, and its condition reads the input', () => {
    const bulk = decide(policy, 'delete_files', { paths: ['a', 'b', 'c'] }, none);
    assert.equal(bulk.action === 'ask' && bulk.quorum, 2);
    assert.equal(bulk.because, 'rule 1 (bulk)');
    assert.equal(decide(policy, 'delete_tmp', { paths: ['a'] }, none).action, 'ask', 'a rule beats "delete_tmp" in allow');
    assert.equal(decide(policy, 'read_secrets', {}, none).action, 'ask', 'a rule beats the "read_*" allow pattern');
  });
  test('3. an allow pattern beats the ask wildcard', () => {
    assert.deepEqual(decide(policy, 'read_file', {}, none), { action: 'allow', because: '"read_*" is allowed' });
  });
  test('4. the ask wildcard catches the rest', () => {
    assert.deepEqual(decide(policy, 'send_email', {}, none), { action: 'ask', because: '"*" asks', trustable: true, quorum: 1 });
  });
  test('5. a tool no pattern covers runs freely', () => {
    assert.deepEqual(decide({ ask: ['delete_files'] }, 'inspect_files', {}, none), { action: 'allow', because: 'not covered by the policy' });
  });
  test('trust skips a trustable ask, never a quorum or "!tool"', () => {
    assert.equal(decide(policy, 'send_email', {}, trusted('send_email')).action, 'allow');
    assert.match(decide(policy, 'send_email', {}, trusted('send_email')).because, /^trusted in this session \(trust.send_email\)/);
    assert.equal(decide(policy, 'delete_files', { paths: ['a', 'b', 'c'] }, trusted('delete_files')).action, 'ask');
    assert.equal(decide(policy, 'delete_files', { paths: ['a'] }, trusted('delete_files')).action, 'allow');
  });
  test('patterns: * matches any run of characters, everything else literally', () => {
    assert.ok(matchesTool('delete_*', 'delete_files'));
    assert.ok(!matchesTool('delete_*', 'undelete_files'));
    assert.ok(matchesTool('a.b', 'a.b') && !matchesTool('a.b', 'axb'));
  });
  test('unknown groups are a configuration error', () => {
    assert.throws(() => decide({ rules: [{ tool: '*', action: 'ask', approvers: ['group:nope'] }] }, 't', {}, none), /unknown group "group:nope"/);
  });
});

describe('answers', () => {
  test('words, booleans and objects; custom evaluators decide approve and trust, anything else denies', () => {
    assert.deepEqual(parseApprovalAnswer({}, 'Y'), { decision: 'approve' });
    assert.deepEqual(parseApprovalAnswer({}, 't'), { decision: 'trust' });
    assert.deepEqual(parseApprovalAnswer({}, false), { decision: 'deny' });
    assert.deepEqual(parseApprovalAnswer({}, { decision: 'deny', reason: 'r' }), { decision: 'deny', reason: 'r' });
    assert.deepEqual(parseApprovalAnswer({}, { decision: 'edit', input: { a: 1 } }), { decision: 'edit', input: { a: 1 } });
    assert.equal(parseApprovalAnswer({}, 'maybe'), undefined);
    const custom: ApprovalPolicy = { isApproval: (a) => a === 'ok', isTrust: (a) => a === 'always' };
    assert.deepEqual(parseApprovalAnswer(custom, 'ok'), { decision: 'approve' });
    assert.deepEqual(parseApprovalAnswer(custom, 'always'), { decision: 'trust' });
    assert.deepEqual(parseApprovalAnswer(custom, 'y'), { decision: 'deny' });
  });
});

function policyRun(turns: Turn[]) {
  const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'policy-')), 'ledger.jsonl');
  const model = new ScriptedModel(turns);
  const local = new LocalAgentRunner(policyAgent, model, createTestTools(ledger), { prompt: 'go', model: { provider: 's', modelId: 's' }, runId: 'r' }, { approverKeys: approverDirectory });
  return { local, model, ledger, done: local.run() };
}
const recordTurn = (label: string): Turn => ({ tools: [{ name: 'record_action', input: { label }, id: 'tu1' }] });
const toolResultSeen = (model: ScriptedModel) => {
  const block = model.requests.at(-1)!.messages.at(-1)!.content[0]!;
  return 'toolResult' in block ? block.toolResult : undefined;
};

describe('asking', () => {
  test('trust is refused for "!tool"; y runs it', async () => {
    const { local, ledger, done } = policyRun([{ tools: [{ name: 'duplicate_ask', input: { label: 'x' }, id: 'tu1' }] }, { text: 'ok' }]);
    await local.untilWaiting();
    const id = local.loop.book.pending[0]!.id;
    assert.equal(id, 'hook:beforeToolCall:tu1:approval');
    assert.throws(() => local.respond({ interruptId: id, response: 't' }), /duplicate_ask cannot be trusted under this policy \("!duplicate_ask" always asks\); answer y or n/);
    assert.throws(() => local.respond({ interruptId: id, response: 'perhaps' }), /unrecognised answer "perhaps"/);
    local.respond({ interruptId: id, response: 'y' });
    const result = await done;
    assert.equal(result.state[trustKey('duplicate_ask')], undefined);
    assert.equal(readLedger(ledger).length, 0, 'duplicate_ask records nothing; it ran (its own error is the result)');
  });

  test('a deny reason reaches the model', async () => {
    const { local, model, done } = policyRun([recordTurn('plain'), { text: 'ok' }]);
    await local.untilWaiting();
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'n', respondedBy: 'ann', reason: 'not on a Friday' });
    const result = await done;
    assert.deepEqual(toolResultSeen(model), {
      toolUseId: 'tu1',
      status: 'error',
      content: [{ text: 'The user (ann) denied this record_action call: not on a Friday. Do not request the same call again.' }],
    });
    assert.deepEqual(result.decisions.map((d) => d.kind), ['denied']);
  });

  test('edit-and-approve: an invalid edit is refused and nothing runs; a valid one runs with the edited input, both inputs audited', async () => {
    const { local, ledger, done } = policyRun([recordTurn('original'), { text: 'ok' }]);
    await local.untilWaiting();
    const id = local.loop.book.pending[0]!.id;
    assert.throws(() => local.respond({ interruptId: id, response: { decision: 'edit', input: { label: 5 } } }), /the edited input does not fit record_action's schema: label: Invalid input: expected string, received number/);
    assert.equal(readLedger(ledger).length, 0);
    local.respond({ interruptId: id, response: { decision: 'edit', input: { label: 'edited' } }, respondedBy: 'ed' });
    const result = await done;
    assert.deepEqual(readLedger(ledger).map((e) => e.label), ['edited']);
    assert.deepEqual(result.decisions.find((note) => note.kind === 'edited'), { kind: 'edited', toolUseId: 'tu1', tool: 'record_action', detail: { by: 'ed', proposed: { label: 'original' }, effective: { label: 'edited' } } });
    // The edited call went through the policy again; the editor's answer approved it.
    assert.deepEqual(result.decisions.map((note) => note.kind), ['edited', 'rechecked', 'approved']);
    assert.deepEqual(result.interrupts[0]!.interrupt.toolInput, { label: 'original' });
  });

  test('quorum: the same approver counts once, outsiders are refused, a second approver completes it', async () => {
    const { local, ledger, done } = policyRun([recordTurn('quorum-1'), { text: 'ok' }]);
    await local.untilWaiting();
    const first = local.loop.book.pending[0]!;
    assert.deepEqual(first.allowedResponders, ['alice', 'bob', 'carol']);
    assert.equal(first.proofRequired, true);
    const refusal = /needs a signed answer from one of its approvers; this answer's responder is not one of them/;
    assert.throws(() => local.respond(signedBy('mallory', 'r', { interruptId: first.id, response: 'y' })), refusal);
    // A claim is not an answer: neither alice's name without her signature, nor the refusal, lists whom to claim.
    assert.throws(() => local.respond({ interruptId: first.id, response: 'y', respondedBy: 'alice' }), (error: Error) => /carries no proof/.test(error.message) && !/bob|carol/.test(error.message));
    assert.throws(() => local.respond({ ...signedBy('mallory', 'r', { interruptId: first.id, response: 'y' }), respondedBy: 'alice' }), /the signature does not verify/);
    local.respond(signedBy('alice', 'r', { interruptId: first.id, response: 'y' }));
    await local.untilWaiting();
    const second = local.loop.book.pending[0]!;
    assert.equal(second.id, 'hook:beforeToolCall:tu1:approval-2');
    assert.deepEqual((second.reason as { approval: string; approvedBy: string[] }).approvedBy, ['alice']);
    assert.throws(() => local.respond(signedBy('alice', 'r', { interruptId: second.id, response: 'y' })), /alice has already approved this record_action call/);
    // A proof is bound to its interrupt, run and answer: bob's signature for another interrupt, run or answer does not count.
    const bobs = signedBy('bob', 'r', { interruptId: second.id, response: 'y' });
    assert.throws(() => local.respond({ ...bobs, interruptId: first.id }), /already answered/);
    assert.throws(() => local.respond({ ...signedBy('bob', 'other-run', { interruptId: second.id, response: 'y' }) }), /does not verify/);
    assert.throws(() => local.respond({ ...bobs, response: 'n' }), /does not verify/);
    assert.throws(() => local.respond(signedBy('bob', 'r', { interruptId: second.id, response: 'y' }, new Date(Date.now() - 3_600_000))), /more than 15 minutes/);
    assert.equal(readLedger(ledger).length, 0);
    local.respond(bobs);
    const result = await done;
    assert.equal(readLedger(ledger).length, 1);
    assert.deepEqual(result.decisions.at(-1)!.detail, { by: ['alice', 'bob'], because: 'rule 1 (record_action)' });
    assert.deepEqual(result.interrupts.map((answer) => [answer.respondedBy, answer.verified]), [['alice', true], ['bob', true]]);
  });

  test('an edit goes through the policy again: an edit into a quorum rule asks a second approver for the edited call', async () => {
    const { local, ledger, done } = policyRun([recordTurn('small'), { text: 'ok' }]);
    await local.untilWaiting();
    const first = local.loop.book.pending[0]!;
    assert.equal(first.proofRequired, undefined, 'a plain "*" ask names no approvers');
    local.respond({ interruptId: first.id, response: { decision: 'edit', input: { label: 'quorum-edited' } }, respondedBy: 'ed' });
    await local.untilWaiting();
    const again = local.loop.book.pending[0]!;
    assert.equal(again.id, 'hook:beforeToolCall:tu1:approval-2');
    assert.deepEqual((again.reason as { input: unknown; proposedInput: unknown }).input, { label: 'quorum-edited' });
    assert.deepEqual((again.reason as { proposedInput: unknown }).proposedInput, { label: 'small' });
    assert.deepEqual(again.allowedResponders, ['alice', 'bob', 'carol']);
    assert.equal(readLedger(ledger).length, 0, 'nothing runs on the edit alone');
    local.respond(signedBy('alice', 'r', { interruptId: again.id, response: 'y' }));
    await local.untilWaiting();
    assert.equal(readLedger(ledger).length, 0, 'the quorum rule needs two approvers of the edited call');
    local.respond(signedBy('bob', 'r', { interruptId: local.loop.book.pending[0]!.id, response: 'y' }));
    const result = await done;
    assert.deepEqual(readLedger(ledger).map((entry) => entry.label), ['quorum-edited']);
    const edited = result.decisions.find((note) => note.kind === 'edited')!;
    assert.deepEqual(edited.detail, { by: 'ed', proposed: { label: 'small' }, effective: { label: 'quorum-edited' } });
    assert.deepEqual(result.decisions.at(-1)!.detail, { by: ['alice', 'bob'], because: 'rule 1 (record_action)' });
    assert.deepEqual(result.interrupts.map((answer) => [answer.respondedBy, answer.verified]), [['ed', false], ['alice', true], ['bob', true]]);
  });

  test('an edit that the policy allows outright runs without asking again', async () => {
    const { local, ledger, done } = policyRun([recordTurn('small'), { text: 'ok' }]);
    await local.untilWaiting();
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: { decision: 'edit', input: { label: 'free-edited' } } });
    const result = await done;
    assert.deepEqual(readLedger(ledger).map((entry) => entry.label), ['free-edited']);
    assert.equal(result.interrupts.length, 1);
  });

  test('quorum: one denial ends it', async () => {
    const { local, ledger, done } = policyRun([recordTurn('quorum-2'), { text: 'ok' }]);
    await local.untilWaiting();
    local.respond(signedBy('alice', 'r', { interruptId: local.loop.book.pending[0]!.id, response: 'y' }));
    await local.untilWaiting();
    local.respond(signedBy('carol', 'r', { interruptId: local.loop.book.pending[0]!.id, response: 'n' }));
    await done;
    assert.equal(readLedger(ledger).length, 0);
  });

  test('classifier: "not risky" runs without asking, "risky" asks with the verdict, a bad reply asks too', async () => {
    const safe = policyRun([recordTurn('classify-ls'), { text: '{"risky": false, "reason": "read only"}' }, { text: 'ok' }]);
    const safeResult = await safe.done;
    assert.equal(readLedger(safe.ledger).length, 1);
    assert.deepEqual(safeResult.decisions[0]!.detail, { risky: false, reason: 'read only' });
    assert.equal(safeResult.interrupts.length, 0);
    assert.match(safe.model.requests[1]!.system, /assess the risk/);
    assert.match(JSON.stringify(safe.model.requests[1]!.messages), /Tool: record_action.*classify-ls.*labels with \\"rm\\" are risky/);

    const risky = policyRun([recordTurn('classify-rm'), { text: 'Sure! {"risky": true, "reason": "deletes"}' }, { text: 'ok' }]);
    await risky.local.untilWaiting();
    assert.deepEqual((risky.local.loop.book.pending[0]!.reason as { risk: unknown }).risk, { risky: true, reason: 'deletes' });
    risky.local.respond({ interruptId: risky.local.loop.book.pending[0]!.id, response: 'n' });
    await risky.done;
    assert.equal(readLedger(risky.ledger).length, 0);

    const broken = policyRun([recordTurn('classify-x'), { text: 'I cannot help with that' }, { text: 'ok' }]);
    await broken.local.untilWaiting();
    assert.match((broken.local.loop.book.pending[0]!.reason as { risk: { reason: string } }).risk.reason, /not the JSON asked for, asking a person/);
    broken.local.respond({ interruptId: broken.local.loop.book.pending[0]!.id, response: 'y' });
    await broken.done;
    assert.equal(readLedger(broken.ledger).length, 1);
  });

  test('a classifier whose model call fails asks a person, never runs the tool', async () => {
    const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'policy-')), 'ledger.jsonl');
    const model = new ScriptedModel([recordTurn('classify-y'), { text: 'ok' }]);
    let calls = 0;
    const failing = { invoke: async (request: Parameters<ScriptedModel['invoke']>[0]) => (++calls === 2 ? Promise.reject(new Error('throttled')) : model.invoke(request)) };
    const local = new LocalAgentRunner(policyAgent, failing, createTestTools(ledger), { prompt: 'go', model: { provider: 's', modelId: 's' }, runId: 'r' });
    const done = local.run();
    await local.untilWaiting();
    assert.match((local.loop.book.pending[0]!.reason as { risk: { reason: string } }).risk.reason, /classifier failed, asking a person: throttled/);
    assert.equal(readLedger(ledger).length, 0);
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'n' });
    await done;
    assert.equal(readLedger(ledger).length, 0);
  });

  test('"t" trusts the tool for the session; allowed tools and allow rules never ask', async () => {
    const { local, ledger, done } = policyRun([
      { tools: [{ name: 'record_action', input: { label: 'plain' }, id: 'tu1' }, { name: 'explode', input: { label: 'e' }, id: 'tu2' }, { name: 'record_action', input: { label: 'free-1' }, id: 'tu3' }] },
      { tools: [{ name: 'record_action', input: { label: 'plain-again' }, id: 'tu4' }] },
      { text: 'ok' },
    ]);
    await local.untilWaiting();
    assert.deepEqual(local.loop.book.pending.map((i) => i.toolUseId), ['tu1']);
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 't', respondedBy: 'tess' });
    const result = await done;
    assert.deepEqual(readLedger(ledger).map((e) => e.label).sort(), ['free-1', 'plain', 'plain-again']);
    assert.equal(result.state[trustKey('record_action')], true);
    assert.deepEqual(result.decisions.map((d) => [d.toolUseId, d.kind]), [['tu2', 'allowed'], ['tu3', 'allowed'], ['tu1', 'trusted'], ['tu4', 'allowed']]);
  });
});

describe('tool patterns', () => {
  test('match globs in one linear pass, also on hostile names', () => {
    const cases: Array<[string, string, boolean]> = [
      ['delete_*', 'delete_files', true], ['*_files', 'delete_files', true], ['*', 'x', true], ['a*b*c', 'abc', true],
      ['a*b*c', 'axxbyyc', true], ['a*b*c', 'acb', false], ['ab*ba', 'aba', false], ['exact', 'exact', true], ['exact', 'exactly', false],
    ];
    for (const [pattern, tool, expected] of cases) assert.equal(matchesTool(pattern, tool), expected, `${pattern} ~ ${tool}`);
    const hostile = `${'a'.repeat(200_000)}!`;
    assert.equal(matchesTool('*a*a*a*a*a*b', hostile), false);
  });
});
