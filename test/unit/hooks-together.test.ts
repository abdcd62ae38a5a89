/**
 * The callbacks of one hook event ask together, as Strands asks: two callbacks that both interrupt
 * (distinct names) wait at once, in registration order, and the call runs once both said yes; a
 * name used by two callbacks is refused before anyone is asked; a callback that cancels before the
 * questions go out means nobody is asked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defineAgent } from '../../src/agent/definition.js';
import { LocalAgentRunner } from '../../src/sdk/local-runner.js';
import { ScriptedModel } from '../support/scripted-model.js';
import { recordAction } from '../support/test-agents.js';
import { createTestTools, readLedger } from '../support/test-tools.js';

function run(hooks: Parameters<typeof defineAgent>[0]['hooks']) {
  const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'hooks-')), 'ledger.jsonl');
  const agent = defineAgent({ name: 'together', description: 'two reviewers', systemPrompt: 's', tools: [recordAction], hooks });
  const model = new ScriptedModel([{ tools: [{ name: 'record_action', input: { label: 'x' }, id: 'tu1' }] }, { text: 'ok' }]);
  const local = new LocalAgentRunner(agent, model, createTestTools(ledger), { prompt: 'go', model: { provider: 's', modelId: 's' }, runId: 'r' });
  return { local, ledger, done: local.run() };
}

describe('hook callbacks of one event', () => {
  test('two callbacks that interrupt are asked together, in registration order; the call runs once both approve', async () => {
    const order: string[] = [];
    const { local, ledger, done } = run((hooks) => {
      hooks.on('beforeToolCall', async (event) => {
        order.push('first starts');
        if ((await event.interrupt({ name: 'security', reason: 'security review' })) !== 'y') event.cancel = 'security said no';
        order.push('first answered');
      });
      hooks.on('beforeToolCall', async (event) => {
        order.push('second starts');
        if ((await event.interrupt({ name: 'budget', reason: 'budget review' })) !== 'y') event.cancel = 'budget said no';
      });
    });
    await local.untilWaiting();
    assert.deepEqual(local.loop.book.pending.map((question) => question.name), ['security', 'budget'], 'both wait at once, first registered first');
    assert.deepEqual(order, ['first starts', 'second starts']);
    local.respond({ interruptId: local.loop.book.pending[1]!.id, response: 'y' });
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'y' });
    const result = await done;
    assert.equal(result.stopReason, 'end_turn');
    assert.equal(readLedger(ledger).filter((entry) => entry.label === 'x').length, 1);
  });

  test('a name used by two callbacks is refused before anyone is asked', async () => {
    const { local, done } = run((hooks) => {
      hooks.on('beforeToolCall', async (event) => void (await event.interrupt({ name: 'approval', reason: 'one' })));
      hooks.on('beforeToolCall', async (event) => void (await event.interrupt({ name: 'approval', reason: 'two' })));
    });
    await assert.rejects(done, /interrupt name "approval" is used more than once/);
    assert.equal(local.loop.book.pending.length, 0);
    assert.equal(local.loop.book.answered.length, 0, 'nobody was asked');
  });

  test('a callback that cancels before the questions go out means nobody is asked', async () => {
    const { local, ledger, done } = run((hooks) => {
      hooks.on('beforeToolCall', async (event) => void (await event.interrupt({ name: 'approval', reason: 'asked?' })));
      hooks.on('beforeToolCall', (event) => {
        event.cancel = 'blocked by rule';
      });
    });
    const result = await done;
    assert.equal(local.loop.book.answered.length, 0);
    assert.equal(readLedger(ledger).length, 0);
    assert.equal(result.stopReason, 'end_turn');
  });
});
