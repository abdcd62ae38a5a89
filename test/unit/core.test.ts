/** The pure agent core, in plain Node: loop, hooks, interrupts, state, message shapes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineAgent, defineTool, toolSpecOf, type AgentDefinition } from '../../src/agent/definition.js';
import { HookRegistry } from '../../src/agent/hooks.js';
import { InterruptBook } from '../../src/agent/interrupt-book.js';
import { beforeToolCallInterruptId, beforeToolsInterruptId, toolInterruptId } from '../../src/agent/interrupts.js';
import { AgentState, copyJson } from '../../src/agent/state.js';
import type { Message } from '../../src/agent/types.js';
import { LocalAgentRunner } from '../../src/sdk/local-runner.js';
import { batchAgent, guardedAgent, toolsAgent } from '../support/test-agents.js';
import { createTestTools, readLedger } from '../support/test-tools.js';
import { ScriptedModel, type Turn } from '../support/scripted-model.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withUniqueToolUseIds } from '../../src/agent/tool-use-ids.js';

const MODEL = { provider: 'scripted', modelId: 'scripted' };

function runner(agent: AgentDefinition, turns: Turn[]) {
  const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'core-')), 'ledger.jsonl');
  const model = new ScriptedModel(turns);
  const local = new LocalAgentRunner(agent, model, createTestTools(ledger), { prompt: 'go', model: MODEL, runId: 'run-1' });
  return { local, model, ledger, done: local.run() };
}

/** Resolves once `condition` holds (checked every 5 ms, for at most 5 s). */
async function eventually(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 1000 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition never held');
}

/** Every toolUse is followed by a toolResult with the same id in the next message. */
function assertPaired(messages: Message[]) {
  messages.forEach((message, index) => {
    const uses = message.content.flatMap((block) => ('toolUse' in block ? [block.toolUse.toolUseId] : []));
    if (uses.length === 0) return;
    const next = messages[index + 1];
    const results = next?.content.flatMap((block) => ('toolResult' in block ? [block.toolResult.toolUseId] : [])) ?? [];
    assert.deepEqual([...results].sort(), [...uses].sort(), `toolUse at message ${index} is answered`);
  });
}

describe('interrupt ids', () => {
  test('are derived from the tool use id (or batch scope) and the name', () => {
    assert.equal(beforeToolCallInterruptId('tu1', 'approve'), 'hook:beforeToolCall:tu1:approve');
    assert.equal(beforeToolsInterruptId('turn1', 'batch'), 'hook:beforeTools:turn1:batch');
    assert.equal(toolInterruptId('tu1', 'ask'), 'tool:tu1:ask');
  });
});

describe('tool-use ids from the model are not trusted', () => {
  test('a reused id in a later turn is asked again: the first answer never carries over to another call', async () => {
    const { local, ledger, model, done } = runner(guardedAgent, [
      { tools: [{ name: 'record_action', input: { label: 'seen' }, id: 'call_0' }] },
      { tools: [{ name: 'record_action', input: { label: 'never-seen' }, id: 'call_0' }] },
      { text: 'done' },
    ]);
    await local.untilWaiting();
    assert.equal(local.loop.book.pending[0]!.id, 'hook:beforeToolCall:call_0:approve');
    local.respond({ interruptId: 'hook:beforeToolCall:call_0:approve', response: 'y' });
    await eventually(() => local.loop.book.pending.length === 1 && local.loop.book.answered.length === 1);
    const second = local.loop.book.pending[0]!;
    assert.equal(second.id, 'hook:beforeToolCall:call_0_t2_0:approve');
    assert.deepEqual(second.toolInput, { label: 'never-seen' });
    assert.deepEqual(readLedger(ledger).map((entry) => entry.label), ['seen'], 'the second call waits for its own answer');
    local.respond({ interruptId: second.id, response: 'n' });
    const result = await done;
    assert.deepEqual(readLedger(ledger).map((entry) => entry.label), ['seen']);
    assert.deepEqual(result.interrupts.map((answer) => [answer.interruptId, answer.response]), [
      ['hook:beforeToolCall:call_0:approve', 'y'],
      ['hook:beforeToolCall:call_0_t2_0:approve', 'n'],
    ]);
    assertPaired(result.messages);
    // The model sees the id it will be answered under.
    assert.match(JSON.stringify(model.requests.at(-1)!.messages), /call_0_t2_0/);
  });

  test('ids repeated within one turn, or missing, become unique per call', async () => {
    const { local, done } = runner(guardedAgent, [
      { tools: [{ name: 'record_action', input: { label: 'a' }, id: 'same' }, { name: 'record_action', input: { label: 'b' }, id: 'same' }, { name: 'record_action', input: { label: 'c' }, id: '' }] },
      { text: 'done' },
    ]);
    await eventually(() => local.loop.book.pending.length === 3);
    assert.deepEqual(local.loop.book.pending.map((interrupt) => interrupt.toolUseId), ['same', 'same_t1_1', 'tooluse_t1_2']);
    for (const interrupt of local.loop.book.pending) local.respond({ interruptId: interrupt.id, response: 'y' });
    const result = await done;
    assertPaired(result.messages);
  });
});

describe('hook approval (before tool call)', () => {
  test('waits, then runs the tool once on "y"; the hook body before interrupt() ran once', async () => {
    const { local, model, ledger, done } = runner(guardedAgent, [
      { tools: [{ name: 'record_action', input: { label: 'a' }, id: 'tu1' }] },
      { text: 'finished' },
    ]);
    await local.untilWaiting();
    const [pending] = local.loop.book.pending;
    assert.equal(pending!.id, 'hook:beforeToolCall:tu1:approve');
    assert.deepEqual(pending!.reason, { label: 'a' });
    assert.equal(readLedger(ledger).length, 0, 'the tool has not run yet');
    assert.equal(local.loop.messages.length, 1, 'the toolUse turn is not in the conversation while it waits');
    local.respond({ interruptId: pending!.id, response: 'y' });
    const result = await done;
    assert.equal(result.text, 'finished');
    assert.equal(readLedger(ledger).length, 1);
    assert.equal(result.state['hookEntered:tu1'], 1);
    assert.equal(result.state['recorded:a'], true, 'state set by the tool came back');
    assertPaired(result.messages);
    assert.equal(model.unconsumed, 0);
  });

  test('a denial cancels the call with the hook reason and the model sees an error result', async () => {
    const { local, model, ledger, done } = runner(guardedAgent, [
      { tools: [{ name: 'record_action', input: { label: 'b' }, id: 'tu1' }] },
      { text: 'ok' },
    ]);
    await local.untilWaiting();
    local.respond({ interruptId: 'hook:beforeToolCall:tu1:approve', response: 'n' });
    await done;
    assert.equal(readLedger(ledger).length, 0);
    const sent = model.requests[1]!.messages.at(-1)!.content[0]!;
    assert.deepEqual(sent, { toolResult: { toolUseId: 'tu1', status: 'error', content: [{ text: 'denied: b' }] } });
  });

  test('parallel calls interrupt independently; the run continues only when all are answered', async () => {
    const { local, ledger, done } = runner(guardedAgent, [
      { tools: [{ name: 'record_action', input: { label: 'x' }, id: 'tu1' }, { name: 'record_action', input: { label: 'y' }, id: 'tu2' }] },
      { text: 'both handled' },
    ]);
    await local.untilWaiting();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(local.loop.book.pending.map((i) => i.id).sort(), ['hook:beforeToolCall:tu1:approve', 'hook:beforeToolCall:tu2:approve']);
    local.respond({ interruptId: 'hook:beforeToolCall:tu2:approve', response: 'y' });
    await eventually(() => readLedger(ledger).length === 1);
    assert.deepEqual(readLedger(ledger).map((e) => e.label), ['y'], 'the answered sibling ran');
    assert.equal(local.loop.modelCalls, 1, 'no model call while one answer is missing');
    assert.deepEqual(local.loop.book.pending.map((i) => i.id), ['hook:beforeToolCall:tu1:approve']);
    local.respond({ interruptId: 'hook:beforeToolCall:tu1:approve', response: 'n' });
    const result = await done;
    assert.equal(result.modelCalls, 2);
    assert.deepEqual(readLedger(ledger).map((e) => e.label), ['y']);
    assertPaired(result.messages);
  });
});

describe('answers', () => {
  test('unknown ids, duplicates, missing responses and a run that is not waiting are refused with a reason', async () => {
    const { local, done } = runner(guardedAgent, [{ tools: [{ name: 'record_action', input: { label: 'a' }, id: 'tu1' }] }, { text: 'done' }]);
    assert.match(local.loop.book.check({ interruptId: 'x', response: 'y' })!, /not waiting/);
    await local.untilWaiting();
    assert.match(local.loop.book.check({ interruptId: 'nope', response: 'y' })!, /unknown interrupt id "nope"; pending: hook:beforeToolCall:tu1:approve/);
    assert.match(local.loop.book.check({ interruptId: 'hook:beforeToolCall:tu1:approve' } as never)!, /missing \(send null/);
    local.respond({ interruptId: 'hook:beforeToolCall:tu1:approve', response: 'y', respondedBy: 'ann' });
    assert.match(local.loop.book.check({ interruptId: 'hook:beforeToolCall:tu1:approve', response: 'n' })!, /already answered by ann/);
    await done;
  });

  test('the signal path records what it ignores and never throws', () => {
    const book = new InterruptBook({ waitUntil: async () => true, now: () => new Date(0) });
    assert.doesNotThrow(() => book.offer({ interruptId: 'ghost', response: 1 }));
    assert.equal(book.ignored.length, 1);
    assert.match(book.ignored[0]!.error, /not waiting/);
  });

  test('null is an answer; a preset response returns without waiting and is audited as preset', async () => {
    const { local, ledger, done } = runner(batchAgent, [
      { tools: [{ name: 'record_action', input: { label: 'p' }, id: 'tu1' }] },
      { text: 'ok' },
    ]);
    await local.untilWaiting();
    assert.deepEqual(local.loop.book.pending.map((i) => i.id), ['hook:beforeTools:turn1:batch']);
    local.respond({ interruptId: 'hook:beforeTools:turn1:batch', response: null });
    const result = await done;
    assert.equal(result.state.nullAnswer, true);
    assert.equal(result.state.preset, 'auto');
    assert.deepEqual(result.interrupts.map((a) => [a.interrupt.id, a.preset ?? false]), [
      ['hook:beforeTools:turn1:policy', true],
      ['hook:beforeTools:turn1:batch', false],
    ]);
    assert.equal(readLedger(ledger).length, 1, 'null did not cancel the batch');
  });
});

describe('tool interrupts', () => {
  test('a tool asks twice in a row and runs again with both answers', async () => {
    const { local, ledger, done } = runner(toolsAgent, [{ tools: [{ name: 'ask_twice', input: { label: 'q' }, id: 'tu1' }] }, { text: 'ok' }]);
    await local.untilWaiting();
    assert.deepEqual(local.loop.book.pending.map((i) => [i.id, i.source]), [['tool:tu1:first', 'tool']]);
    local.respond({ interruptId: 'tool:tu1:first', response: 'one' });
    await local.untilWaiting();
    assert.deepEqual(local.loop.book.pending.map((i) => i.id), ['tool:tu1:second']);
    assert.deepEqual((local.loop.book.pending[0]!.reason as { first: string }).first, 'one');
    local.respond({ interruptId: 'tool:tu1:second', response: false });
    await done;
    assert.deepEqual(readLedger(ledger).map((e) => e.answers), [['one', false]]);
  });

  test('a thrown error, an invalid input, an unknown tool and a duplicate interrupt name become error results', async () => {
    const { model, done } = runner(toolsAgent, [
      {
        tools: [
          { name: 'explode', input: { label: 'e' }, id: 'tu1' },
          { name: 'record_action', input: { label: 42 }, id: 'tu2' },
          { name: 'no_such_tool', input: {}, id: 'tu3' },
          { name: 'duplicate_ask', input: { label: 'd' }, id: 'tu4' },
        ],
      },
      { text: 'recovered' },
    ]);
    const result = await done;
    assert.equal(result.text, 'recovered');
    const results = model.requests[1]!.messages.at(-1)!.content.map((block) => ('toolResult' in block ? block.toolResult : undefined));
    const text = (i: number) => (results[i]!.content[0] as { text: string }).text;
    assert.ok(results.every((r) => r?.status === 'error'));
    assert.equal(text(0), 'Tool "explode" failed: boom e');
    assert.match(text(1), /Invalid input for tool "record_action": label: .*string/);
    assert.match(text(2), /Unknown tool "no_such_tool". Available tools: record_action, ask_twice, explode, duplicate_ask/);
    assert.match(text(3), /interrupt name "dup" is used more than once in tool duplicate_ask/);
  });
});

describe('loop', () => {
  test('stops at the model-call limit with a consistent conversation', async () => {
    const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'core-')), 'l.jsonl');
    const model = new ScriptedModel([
      { tools: [{ name: 'explode', input: { label: '1' } }] },
      { tools: [{ name: 'explode', input: { label: '2' } }] },
    ]);
    const local = new LocalAgentRunner(toolsAgent, model, createTestTools(ledger), { prompt: 'go', model: MODEL, runId: 'r', maxModelCalls: 2 });
    const result = await local.run();
    assert.equal(result.stopReason, 'max_model_calls');
    assert.equal(result.modelCalls, 2);
    assertPaired(result.messages);
    assert.equal(result.messages.length, 5);
  });

  test('hooks fire in order; after-hooks in reverse registration order', async () => {
    const seen: string[] = [];
    const agent = defineAgent({
      name: 'order',
      description: '',
      systemPrompt: 's',
      tools: [defineTool({ name: 'explode', description: '', input: z.object({ label: z.string() }) })],
      hooks(hooks) {
        for (const tag of ['A', 'B']) {
          hooks.on('beforeInvocation', () => void seen.push(`beforeInvocation${tag}`));
          hooks.on('beforeModelCall', () => void seen.push(`beforeModelCall${tag}`));
          hooks.on('afterModelCall', () => void seen.push(`afterModelCall${tag}`));
          hooks.on('beforeTools', () => void seen.push(`beforeTools${tag}`));
          hooks.on('beforeToolCall', () => void seen.push(`beforeToolCall${tag}`));
          hooks.on('afterToolCall', () => void seen.push(`afterToolCall${tag}`));
          hooks.on('afterInvocation', () => void seen.push(`afterInvocation${tag}`));
        }
        hooks.on('messageAdded', (event) => void seen.push(`messageAdded:${event.message.role}`));
      },
    });
    const { done } = runner(agent, [{ tools: [{ name: 'explode', input: { label: 'x' } }] }, { text: 'end' }]);
    await done;
    assert.deepEqual(seen, [
      'beforeInvocationA', 'beforeInvocationB', 'messageAdded:user',
      'beforeModelCallA', 'beforeModelCallB', 'afterModelCallB', 'afterModelCallA',
      'beforeToolsA', 'beforeToolsB', 'beforeToolCallA', 'beforeToolCallB', 'afterToolCallB', 'afterToolCallA',
      'messageAdded:assistant', 'messageAdded:user',
      'beforeModelCallA', 'beforeModelCallB', 'afterModelCallB', 'afterModelCallA', 'messageAdded:assistant',
      'afterInvocationB', 'afterInvocationA',
    ]);
  });

  test('a cancelling hook stops later hooks of the same event', async () => {
    const registry = new HookRegistry();
    const calls: string[] = [];
    registry.on('beforeTools', (event) => {
      calls.push('first');
      event.cancel = 'no';
    });
    registry.on('beforeTools', () => void calls.push('second'));
    const { BeforeToolsEvent } = await import('../../src/agent/hooks.js');
    const services = { interrupt: async () => { throw new Error('unused'); }, note() {}, askModel: async () => '', patched: () => true };
    await registry.emit(new BeforeToolsEvent('a', new AgentState(), [], 's', services));
    assert.deepEqual(calls, ['first']);
  });

  test('lean events: an event nobody listens to makes no promise; a heard one runs its hooks; before the patch every event is a promise', async () => {
    const registry = new HookRegistry();
    const message: Message = { role: 'user', content: [{ text: 'hi' }] };
    const event = { type: 'messageAdded' as const, agentName: 'a', state: new AgentState(), message };
    assert.ok(registry.emit(event) instanceof Promise, 'runs from before lean events await every event');
    registry.skipsUnheardEvents = true;
    assert.equal(registry.emit(event), undefined);
    const heard: Message[] = [];
    registry.on('messageAdded', (added) => void heard.push(added.message));
    const emitted = registry.emit(event);
    assert.ok(emitted instanceof Promise);
    await emitted;
    assert.deepEqual(heard, [message]);
    assert.equal(registry.emit({ type: 'afterInvocation', agentName: 'a', state: new AgentState(), stopReason: 'end_turn', lastMessage: null }), undefined);
  });

  test('a hook that reuses an interrupt name fails with a message naming it', async () => {
    const { badHookAgent } = await import('../support/test-agents.js');
    const { done } = runner(badHookAgent, [{ tools: [{ name: 'record_action', input: { label: 'a' }, id: 'tu9' }] }]);
    await assert.rejects(done, /interrupt name "same" is used more than once in hook beforeToolCall of tool use tu9/);
  });
});

describe('state and specs', () => {
  test('state copies values in and out and refuses non-JSON', () => {
    const state = new AgentState({ a: { n: 1 } }, { journal: true });
    const value = state.get<{ n: number }>('a')!;
    value.n = 2;
    assert.deepEqual(state.get('a'), { n: 1 });
    assert.throws(() => state.set('f', (() => 1) as never), /not JSON/);
    assert.throws(() => copyJson({ x: Number.NaN }, 'v'), /not a finite number/);
    state.set('b', null);
    state.delete('a');
    assert.deepEqual(state.snapshot(), { b: null });
    assert.deepEqual(state.changes(), [{ op: 'set', key: 'b', value: null }, { op: 'delete', key: 'a' }]);
  });

  test('tool specs carry the zod schema as JSON Schema', () => {
    const spec = toolSpecOf(defineTool({ name: 't', description: 'd', input: z.object({ paths: z.array(z.string()).min(1) }) }));
    assert.deepEqual(spec.inputSchema, {
      type: 'object',
      properties: { paths: { type: 'array', items: { type: 'string' }, minItems: 1 } },
      required: ['paths'],
      additionalProperties: false,
    });
  });
});

describe('agent definitions', () => {
  test('refuse names that are not one plain word, and models that are not provider:id', () => {
    const base = { description: 'd', systemPrompt: 's', tools: [] };
    assert.throws(() => defineAgent({ ...base, name: 'two\nlines' }), /agent name .* contains a control character/);
    assert.throws(() => defineAgent({ ...base, name: '-rf' }), /starts with "-"/);
    assert.throws(() => defineAgent({ ...base, name: 'ok', model: 'gpt-5' }), /use provider:id/);
    assert.equal(defineAgent({ ...base, name: 'ok', model: 'openai:gpt-5-mini' }).model, 'openai:gpt-5-mini');
  });
});

describe('answers mean what they say', () => {
  const choose = defineTool({ name: 'choose', description: 'd', input: z.object({ label: z.string() }) });
  const picky = defineAgent({
    name: 'picky',
    description: 'declares the answers its questions take',
    systemPrompt: 's',
    tools: [choose],
    hooks(hooks) {
      hooks.on('beforeToolCall', async (event) => {
        const word = await event.interrupt({ name: 'word', reason: 'y or n?', accepts: { choices: ['y', 'n'] } });
        const amount = await event.interrupt({ name: 'amount', reason: 'how much?', accepts: { schema: z.number().int().positive(), description: 'a whole number above 0' } });
        if (word !== 'y' || amount === 0) event.cancel = 'no';
      });
    },
  });

  test('an answer outside the declared forms is refused, naming them; the question shows them', async () => {
    const { local, done } = runner(picky, [{ tools: [{ name: 'choose', input: { label: 'x' }, id: 'c1' }] }, { text: 'ok' }]);
    await local.untilWaiting();
    const word = local.loop.book.pending[0]!;
    assert.deepEqual(word.accepts, { description: 'one of: y, n', choices: ['y', 'n'] });
    assert.throws(() => local.respond({ interruptId: word.id, response: { decision: 'edit', input: {} } }), /this question accepts one of: y, n \(got \{"decision":"edit","input":\{\}\}\)/);
    assert.throws(() => local.respond({ interruptId: word.id, response: 'maybe' }), /accepts one of: y, n/);
    local.respond({ interruptId: word.id, response: ' Y ' });
    await eventually(() => local.loop.book.pending.length === 1 && local.loop.book.pending[0]!.name === 'amount');
    const amount = local.loop.book.pending[0]!;
    assert.equal(amount.accepts?.description, 'a whole number above 0');
    assert.throws(() => local.respond({ interruptId: amount.id, response: -2 }), /this question accepts a whole number above 0 \(\(answer\): Too small/);
    local.respond({ interruptId: amount.id, response: 3 });
    await done;
  });

  test('a name used twice by questions asked together is refused before anyone is asked', async () => {
    const twice = defineAgent({
      name: 'twice',
      description: 'd',
      systemPrompt: 's',
      tools: [choose],
      hooks(hooks) {
        hooks.on('beforeToolCall', async (event) => {
          await Promise.all([event.interrupt({ name: 'same' }), event.interrupt({ name: 'same' })]);
        });
      },
    });
    const { local, done } = runner(twice, [{ tools: [{ name: 'choose', input: { label: 'x' }, id: 'c1' }] }]);
    await assert.rejects(done, /interrupt name "same" is used more than once/);
    // Asked first and refused later, the first question would still be pending here.
    assert.deepEqual(local.loop.book.pending, [], 'nobody was asked');
    assert.equal(local.loop.book.answered.length, 0);
  });
});

test('tool-use ids that could name another run (`--`) or break a provider are replaced in runs since safe ids', () => {
  const message = { role: 'assistant' as const, content: [{ toolUse: { toolUseId: 'a--b', name: 't', input: {} } }, { toolUse: { toolUseId: 'ok-id_1', name: 't', input: {} } }, { toolUse: { toolUseId: 'x:y/z', name: 't', input: {} } }] };
  const strict = withUniqueToolUseIds(message, new Set(), 3, true).content.map((block) => ('toolUse' in block ? block.toolUse.toolUseId : ''));
  assert.deepEqual(strict, ['a-b_t3_0', 'ok-id_1', 'xyz_t3_2']);
  // Runs from before keep ids that were unique, as they did.
  const lax = withUniqueToolUseIds(message, new Set(), 3, false).content.map((block) => ('toolUse' in block ? block.toolUse.toolUseId : ''));
  assert.deepEqual(lax, ['a--b', 'ok-id_1', 'x:y/z']);
});
