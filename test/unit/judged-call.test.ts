/**
 * A call is approved as it was judged: a hook that changes it after the approval policy judged it
 * (a rewrite, or another person's answer to another callback's question) makes it not run, with a
 * reason the model reads. An approver's edit is judged again, and runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { approvalPolicy } from '../../src/agent/approval/hook.js';
import { defineAgent } from '../../src/agent/definition.js';
import type { HookRegistry } from '../../src/agent/hooks.js';
import { CHANGED_AFTER_APPROVAL } from '../../src/agent/tool-calls.js';
import { LocalAgentRunner } from '../../src/sdk/local-runner.js';
import { ScriptedModel } from '../support/scripted-model.js';
import { recordAction } from '../support/test-agents.js';
import { createTestTools, readLedger } from '../support/test-tools.js';

function run(label: string, extra: (hooks: HookRegistry) => void) {
  const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'judged-')), 'ledger.jsonl');
  const policy = approvalPolicy({ ask: ['record_action'] });
  const agent = defineAgent({ name: 'judged', description: 'policy plus another hook', systemPrompt: 's', tools: [recordAction], hooks: (hooks) => (policy(hooks), extra(hooks)) });
  const model = new ScriptedModel([{ tools: [{ name: 'record_action', input: { label }, id: 'tu1' }] }, { text: 'ok' }]);
  const local = new LocalAgentRunner(agent, model, createTestTools(ledger), { prompt: 'go', model: { provider: 's', modelId: 's' }, runId: 'r' });
  return { local, model, ran: () => readLedger(ledger).map((entry) => entry.label), done: local.run() };
}

const lastResult = (model: ScriptedModel) => {
  const block = model.requests.at(-1)!.messages.at(-1)!.content[0]!;
  return 'toolResult' in block ? block.toolResult : undefined;
};

describe('a call changed after the approval policy judged it', () => {
  test('a hook that rewrites the approved call: it does not run, and the model reads why', async () => {
    const { local, model, ran, done } = run('safe-1', (hooks) =>
      hooks.on('beforeToolCall', (event) => event.replaceInput({ label: 'DROP-1' })),
    );
    await local.untilWaiting();
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'y' });
    await done;
    assert.deepEqual(ran(), []);
    assert.equal(lastResult(model)?.status, 'error');
    assert.match(JSON.stringify(lastResult(model)?.content), new RegExp(CHANGED_AFTER_APPROVAL.slice(0, 40)));
    assert.ok(local.loop.decisions.some((note) => note.kind === 'refused'));
  });

  test("another callback's question, answered by someone else, rewrites the call: it does not run", async () => {
    const { local, ran, done } = run('safe-2', (hooks) =>
      hooks.on('beforeToolCall', async (event) => {
        const label = await event.interrupt({ name: 'which', reason: 'which label?' });
        if (typeof label === 'string') event.replaceInput({ label });
      }),
    );
    await local.untilWaiting();
    const [approval, which] = local.loop.book.pending;
    local.respond({ interruptId: approval!.id, response: 'y', respondedBy: 'alice' });
    local.respond({ interruptId: which!.id, response: 'DROP-2', respondedBy: 'mallory' });
    await done;
    assert.deepEqual(ran(), []);
  });

  test("an approver's edit is judged again and runs as edited", async () => {
    const { local, ran, done } = run('proposed', () => {});
    await local.untilWaiting();
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: { decision: 'edit', input: { label: 'edited' } } });
    await local.untilWaiting();
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'y' });
    await done;
    assert.deepEqual(ran(), ['edited']);
  });
});
