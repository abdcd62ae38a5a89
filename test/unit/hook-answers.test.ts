/**
 * Answers from code (issue 25, item 3): `interruptsPending` hooks answer questions that are about
 * to wait — a rule, a lookup through a tool, a judge agent — and the audit says so; a question
 * that counts only signed answers is never answered from code; wrong answers fail the run, naming
 * the hook. Strands' `AfterInvocationEvent.resume` scenarios (test_agent_hooks) ported where they fit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineAgent, defineTool, implementTool } from '../../src/agent/definition.js';
import type { HookRegistry } from '../../src/agent/hooks.js';
import { successResult } from '../../src/agent/types.js';
import { LocalAgentRunner, type LocalServices } from '../../src/sdk/local-runner.js';
import { approverDirectory, signedBy } from '../support/approvers.js';
import { ScriptedModel } from '../support/scripted-model.js';
import { askTwice, recordAction } from '../support/test-agents.js';
import { createTestTools, readLedger } from '../support/test-tools.js';

const allowlist = defineTool({ name: 'allowlist', description: 'Says whether a label is on the allow list.', input: z.object({ label: z.string() }) });
const allowlistBody = implementTool(allowlist, ({ label }) => (label.startsWith('ok') ? 'allowed' : 'not listed'));

type Guard = { allowedResponders?: string[] };

/** An agent whose beforeToolCall hook asks y/n about every record_action call, plus the hooks under test. */
function run(labels: string[], hooks: (registry: HookRegistry) => void, options: { guard?: Guard; tool?: 'record_action' | 'ask_twice'; services?: LocalServices } = {}) {
  const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'hook-answers-')), 'ledger.jsonl');
  const tool = options.tool ?? 'record_action';
  const agent = defineAgent({
    name: 'answered',
    description: 'questions answered from code',
    systemPrompt: 's',
    tools: [recordAction, askTwice, allowlist],
    hooks(registry) {
      registry.on('beforeToolCall', async (event) => {
        if (event.toolUse.name !== 'record_action') return;
        const answer = await event.interrupt({
          name: 'approve',
          reason: { message: `record ${(event.toolUse.input as { label: string }).label}?` },
          accepts: { choices: ['y', 'n'] },
          ...(options.guard ?? {}),
        });
        if (answer !== 'y') event.cancel = 'refused';
      });
      hooks(registry);
    },
  });
  const model = new ScriptedModel([{ tools: labels.map((label, index) => ({ name: tool, input: { label }, id: `tu${index + 1}` })) }, { text: 'done' }]);
  const local = new LocalAgentRunner(agent, model, [...createTestTools(ledger), allowlistBody], { prompt: 'go', model: { provider: 's', modelId: 's' }, runId: 'r' }, options.services);
  return { local, ledger, done: local.run() };
}

const recorded = (ledger: string) => readLedger(ledger).map((entry) => entry.label);

describe('interruptsPending: answers from code', () => {
  test('a rule answers the safe call (it runs once, the audit names the hook); the unsafe one waits for a person', async () => {
    const seen: string[][] = [];
    const { local, ledger, done } = run(['ok-1', 'rm-1'], (hooks) =>
      hooks.on(
        'interruptsPending',
        (event) => {
          seen.push(event.interrupts.map((question) => question.toolUseId ?? ''));
          const safe = event.interrupts.filter((question) => (question.toolInput as { label: string }).label.startsWith('ok'));
          event.resume(safe.map((question) => ({ interruptId: question.id, response: 'y', reason: 'read-only label' })));
        },
        { name: 'safe-rule' },
      ),
    );
    await local.untilWaiting();
    assert.deepEqual(seen, [['tu1', 'tu2']], 'the two questions of one turn are offered together, once');
    assert.deepEqual(local.loop.book.pending.map((question) => question.toolUseId), ['tu2'], 'the unsafe call still waits');
    const auto = local.loop.book.answered.find((answer) => answer.interrupt.toolUseId === 'tu1');
    assert.equal(auto?.respondedBy, 'hook:safe-rule');
    assert.deepEqual(auto?.answeredBy, { hook: 'safe-rule' });
    assert.equal(auto?.reason, 'read-only label');
    assert.equal(auto?.verified, false);
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'n', respondedBy: 'alice' });
    const result = await done;
    assert.deepEqual(recorded(ledger), ['ok-1'], 'the safe call ran once, the refused one never');
    assert.ok(result.decisions.some((note) => note.kind === 'answeredByHook' && JSON.stringify(note.detail).includes('safe-rule')));
    const byPerson = result.interrupts.find((answer) => answer.interrupt.toolUseId === 'tu2');
    assert.equal(byPerson?.respondedBy, 'alice');
    assert.equal(byPerson?.answeredBy, undefined, 'a person is not recorded as code');
  });

  test('the default name is the function name; Strands-shaped { interruptResponse } answers are taken', async () => {
    const { local, done } = run(['ok-1'], (hooks) =>
      hooks.on('interruptsPending', function autoApprove(event) {
        event.resume(event.interrupts.map((question) => ({ interruptResponse: { interruptId: question.id, response: 'y' } })));
      }),
    );
    const result = await done;
    assert.equal(local.loop.book.pending.length, 0);
    assert.equal(result.interrupts[0]?.respondedBy, 'hook:autoApprove');
    assert.equal(result.stopReason, 'end_turn');
  });

  test('a lookup through a tool activity decides', async () => {
    const { local, ledger, done } = run(['ok-2', 'rm-2'], (hooks) =>
      hooks.on(
        'interruptsPending',
        async (event) => {
          for (const question of event.interrupts) {
            const label = (question.toolInput as { label: string }).label;
            const looked = await event.runTool('allowlist', { label });
            const text = looked.content.map((block) => ('text' in block ? block.text : '')).join('');
            if (text === 'allowed') event.resume([{ interruptId: question.id, response: 'y' }]);
            else event.note('lookup', { label, text });
          }
        },
        { name: 'allow-list' },
      ),
    );
    await local.untilWaiting();
    assert.deepEqual(local.loop.book.pending.map((question) => question.toolUseId), ['tu2']);
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'y', respondedBy: 'bob' });
    const result = await done;
    assert.deepEqual(recorded(ledger).sort(), ['ok-2', 'rm-2']);
    assert.equal(result.interrupts.find((answer) => answer.interrupt.toolUseId === 'tu1')?.respondedBy, 'hook:allow-list');
    assert.ok(result.decisions.some((note) => note.kind === 'lookup' && JSON.stringify(note.detail).includes('not listed')));
  });

  test('a judge agent decides; the audit names the agent and the hook', async () => {
    const prompts: string[] = [];
    const services: LocalServices = {
      runSubAgent: async (call) => {
        prompts.push(call.prompt);
        return { result: successResult(call.toolUseId, call.prompt.includes('ok-3') ? 'APPROVE' : 'DENY'), stateChanges: [] };
      },
    };
    const { ledger, done } = run(
      ['ok-3', 'rm-3'],
      (hooks) =>
        hooks.on(
          'interruptsPending',
          async (event) => {
            for (const question of event.interrupts) {
              const verdict = await event.runAgent('judge', `Approve ${JSON.stringify(question.toolInput)}? Say APPROVE or DENY.`);
              const text = verdict.content.map((block) => ('text' in block ? block.text : '')).join('');
              event.resume([{ interruptId: question.id, response: text === 'APPROVE' ? 'y' : 'n', reason: `judge said ${text}` }], { agent: 'judge' });
            }
          },
          { name: 'judge-hook' },
        ),
      { services },
    );
    const result = await done;
    assert.equal(prompts.length, 2);
    assert.deepEqual(recorded(ledger), ['ok-3']);
    for (const answer of result.interrupts) {
      assert.equal(answer.respondedBy, 'agent:judge');
      assert.deepEqual(answer.answeredBy, { hook: 'judge-hook', agent: 'judge' });
    }
  });

  test('a question that counts only a signed answer is not answered from code: it waits, noted; the signed answer then works', async () => {
    const { local, ledger, done } = run(
      ['ok-4'],
      (hooks) => hooks.on('interruptsPending', (event) => void event.resume(event.interrupts.map((question) => ({ interruptId: question.id, response: 'y' }))), { name: 'eager' }),
      { guard: { allowedResponders: ['alice'] }, services: { approverKeys: approverDirectory } },
    );
    await local.untilWaiting();
    const [question] = local.loop.book.pending;
    assert.ok(question, 'still waits for a person');
    assert.equal(local.loop.book.answered.length, 0);
    const refusal = local.loop.decisions.find((note) => note.kind === 'hookAnswerRefused');
    assert.match(JSON.stringify(refusal?.detail), /counts only a person's signed answer \(one of alice\)/);
    assert.deepEqual(recorded(ledger), [], 'nothing ran on the hook\'s say-so');
    local.respond(signedBy('alice', 'r', { interruptId: question!.id, response: 'y' }));
    const result = await done;
    assert.deepEqual(recorded(ledger), ['ok-4']);
    assert.equal(result.interrupts[0]?.respondedBy, 'alice');
    assert.equal(result.interrupts[0]?.verified, true);
  });

  test('a tool\'s own questions (context.interrupt) are answered from code too', async () => {
    const { ledger, done } = run(
      ['t-1'],
      (hooks) =>
        hooks.on('interruptsPending', (event) => void event.resume(event.interrupts.map((question) => ({ interruptId: question.id, response: `auto ${question.name}` }))), { name: 'tool-answers' }),
      { tool: 'ask_twice' },
    );
    const result = await done;
    assert.deepEqual(readLedger(ledger).map((entry) => entry.answers), [['auto first', 'auto second']]);
    assert.deepEqual(result.interrupts.map((answer) => answer.respondedBy), ['hook:tool-answers', 'hook:tool-answers']);
  });

  test('wrong types fail the run, naming the hook', async () => {
    const cases: Array<[string, (event: Parameters<Parameters<HookRegistry['on']>[1]>[0] & { type: 'interruptsPending' }) => void, RegExp]> = [
      ['a string', (event) => void event.resume('y' as never), /hook "bad" \(interruptsPending\) of agent answered answered wrongly: resume takes a list of \{ interruptId, response \}, not a string \("y"\)/],
      ['an unknown id', (event) => void event.resume([{ interruptId: 'hook:nope', response: 'y' }]), /hook "bad".*unknown interrupt id "hook:nope"; pending: hook:beforeToolCall:tu1:approve/],
      ['a refused answer', (event) => void event.resume([{ interruptId: event.interrupts[0]!.id, response: 'maybe' }]), /hook "bad".*refuses the answer "maybe": .*y, n/],
      ['no response', (event) => void event.resume([{ interruptId: event.interrupts[0]!.id } as never]), /hook "bad".*response for "hook:beforeToolCall:tu1:approve" is missing/],
      ['one id twice', (event) => void event.resume([{ interruptId: event.interrupts[0]!.id, response: 'y' }, { interruptId: event.interrupts[0]!.id, response: 'n' }]), /hook "bad".*answered twice in one resume/],
    ];
    for (const [what, hook, expected] of cases) {
      const { ledger, done } = run(['ok-5'], (hooks) => hooks.on('interruptsPending', (event) => hook(event as never), { name: 'bad' }));
      await assert.rejects(done, (error: Error) => {
        assert.equal(error.name, 'HookAnswerError', what);
        assert.match(error.message, expected, what);
        return true;
      });
      assert.deepEqual(recorded(ledger), [], `${what}: nothing ran`);
    }
  });

  test('an answer to a question a person answered meanwhile is noted, not taken', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { local, done } = run(['ok-6'], (hooks) =>
      hooks.on(
        'interruptsPending',
        async (event) => {
          const [question] = event.interrupts;
          await gate;
          event.resume([{ interruptId: question!.id, response: 'y' }]);
        },
        { name: 'slow' },
      ),
    );
    await local.untilWaiting();
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'n', respondedBy: 'carol' });
    release();
    const result = await done;
    assert.equal(result.interrupts[0]?.respondedBy, 'carol', 'the first answer wins');
    assert.match(JSON.stringify(result.decisions.find((note) => note.kind === 'hookAnswerRefused')?.detail), /already answered by carol/);
  });

  test('without an interruptsPending hook nothing is offered: questions wait as before', async () => {
    const { local, done } = run(['ok-7'], () => {});
    await local.untilWaiting();
    assert.equal(local.loop.book.pending.length, 1);
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'y' });
    const result = await done;
    assert.equal(result.interrupts[0]?.answeredBy, undefined);
    assert.ok(!result.decisions.some((note) => note.kind === 'answeredByHook' || note.kind === 'hookAnswerRefused'));
  });
});
