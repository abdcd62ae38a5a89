/** Direct tool calls in the pure core (agent/direct-call.ts, AgentLoop.runDirect): no model, same hooks, carried across a hand-off. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { directCallProblem, directInputProblem, directToolUseId } from '../../src/agent/direct-call.js';
import type { AgentRunOptions } from '../../src/agent/loop.js';
import { TOOL_INPUT_MAX_BYTES } from '../../src/agent/payload-budget.js';
import type { Message } from '../../src/agent/types.js';
import { LocalAgentRunner } from '../../src/sdk/local-runner.js';
import { ScriptedModel } from '../support/scripted-model.js';
import { guardedAgent, toolsAgent } from '../support/test-agents.js';
import { createTestTools, readLedger } from '../support/test-tools.js';

const MODEL = { provider: 'scripted', modelId: 'scripted' };

function runner(agent: typeof guardedAgent, options: Partial<AgentRunOptions>, ledger = path.join(mkdtempSync(path.join(tmpdir(), 'direct-')), 'ledger.jsonl')) {
  // No turns: a model call fails the test.
  const model = new ScriptedModel([]);
  const local = new LocalAgentRunner(agent, model, createTestTools(ledger), { prompt: 'direct call of tool record_action', model: MODEL, runId: 'run-1', ...options });
  return { local, model, ledger };
}

describe('checks', () => {
  test('unknown tools name the agent\'s tools, escaped; inputs must be objects within the budget and fit the schema', () => {
    assert.equal(directCallProblem('a', toolsAgent.tools, { name: 'no\npe', input: {} }), 'agent "a" has no tool "no\\npe"; its tools: record_action, ask_twice, explode, duplicate_ask, big_output');
    assert.equal(directCallProblem('a', toolsAgent.tools, { name: 'nope', input: {} }, true), undefined, 'an MCP tool is looked for once the run has read them');
    assert.equal(directCallProblem('a', toolsAgent.tools, { name: 'record_action', input: [1] }), 'the tool input must be a JSON object, not an array (tool "record_action")');
    assert.equal(directCallProblem('a', toolsAgent.tools, { name: 'record_action', input: { label: 1 } }), 'invalid input for tool "record_action": label: Invalid input: expected string, received number');
    assert.equal(directCallProblem('a', toolsAgent.tools, { name: 'record_action', input: { label: 'x' }, record: 'yes' }), 'a direct tool call\'s "record" must be true or false');
    assert.equal(directCallProblem('a', toolsAgent.tools, { input: {} }), "a direct tool call needs the tool's name and its input");
    assert.equal(directCallProblem('a', toolsAgent.tools, { name: 'record_action', input: { label: 'x' } }), undefined);
    assert.match(directInputProblem({ label: 'x'.repeat(TOOL_INPUT_MAX_BYTES) }) ?? '', /^the tool input is \d+ bytes; tool inputs are limited to 524288 bytes$/);
    assert.equal(directInputProblem(null), 'the tool input must be a JSON object, not null');
  });

  test('the tool-use id is direct-1, or the first direct-N the conversation does not hold', () => {
    assert.equal(directToolUseId(new Set()), 'direct-1');
    assert.equal(directToolUseId(new Set(['direct-1', 'direct-2', 'direct-4'])), 'direct-3');
  });
});

describe('the loop', () => {
  test('runs the call through the hooks, calls no model, and records four messages after the conversation it was given', async () => {
    const earlier: Message[] = [
      { role: 'user', content: [{ text: 'hi' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'direct-1', name: 'record_action', input: { label: 'old' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'direct-1', status: 'success', content: [{ text: 'old' }] } }] },
      { role: 'assistant', content: [{ text: 'ok' }] },
    ];
    const { local, model, ledger } = runner(guardedAgent, { toolCall: { name: 'record_action', input: { label: 'unit' } }, messages: earlier });
    const done = local.run();
    await local.untilWaiting();
    const question = local.loop.book.pending[0]!;
    assert.equal(question.id, 'hook:beforeToolCall:direct-2:approve');
    assert.equal(readLedger(ledger).length, 0);
    assert.equal(local.loop.lastMessage?.content[0] && 'toolUse' in local.loop.lastMessage.content[0] ? local.loop.lastMessage.content[0].toolUse.toolUseId : undefined, 'direct-2');
    local.respond({ interruptId: question.id, response: 'y' });
    const result = await done;
    assert.equal(model.requests.length, 0);
    assert.deepEqual(readLedger(ledger).map((entry) => entry.label), ['unit']);
    assert.deepEqual(result.toolResult, { toolUseId: 'direct-2', status: 'success', content: [{ text: 'recorded unit' }] });
    assert.equal(result.text, 'recorded unit');
    assert.equal(result.messages.length, 8);
    assert.deepEqual(result.messages.slice(0, 4), earlier);
    assert.deepEqual(result.messages[4], { role: 'user', content: [{ text: 'agent.tool.record_action direct tool call.\nInput parameters: {"label":"unit"}\n' }] });
    assert.deepEqual(result.messages[7], { role: 'assistant', content: [{ text: 'agent.tool.record_action was called.' }] });
  });

  test('record: false leaves the conversation alone; an unknown tool throws (the run fails), before anything runs', async () => {
    const { local } = runner(toolsAgent, { toolCall: { name: 'record_action', input: { label: 'quiet' }, record: false } });
    const result = await local.run();
    assert.deepEqual(result.messages, []);
    assert.equal(result.toolResult?.status, 'success');
    assert.equal(result.lastMessage?.role, 'assistant');

    const unknown = runner(toolsAgent, { toolCall: { name: 'gone', input: {} } });
    await assert.rejects(unknown.local.run(), { name: 'DirectToolCallError', message: /agent "test-tools" has no tool "gone"/ });
    assert.equal(readLedger(unknown.ledger).length, 0);
  });

  test('a hand-off while waiting carries the call; the new run asks again, runs it once and ends with its result', async () => {
    const toolCall = { name: 'record_action', input: { label: 'carried' } };
    const first = runner(guardedAgent, { toolCall, shouldHandOffWhileWaiting: () => true });
    const outcome = await first.local.loop.run();
    assert.equal(outcome.type, 'handOff');
    if (outcome.type !== 'handOff') return;
    const carry = outcome.carry();
    assert.equal(carry.waits?.[0]?.id, 'hook:beforeToolCall:direct-1:approve');
    // The request is recorded once, before the hand-off; the call waits with its turn.
    assert.equal(outcome.messages.length, 1);
    const second = runner(guardedAgent, { toolCall, messages: outcome.messages, state: outcome.state, carried: carry }, first.ledger);
    const done = second.local.run();
    await second.local.untilWaiting();
    assert.equal(second.local.loop.book.pending[0]?.id, 'hook:beforeToolCall:direct-1:approve');
    second.local.respond({ interruptId: 'hook:beforeToolCall:direct-1:approve', response: 'y' });
    const result = await done;
    assert.deepEqual(readLedger(first.ledger).map((entry) => entry.label), ['carried']);
    assert.equal(result.toolResult?.toolUseId, 'direct-1');
    assert.equal(result.messages.length, 4);
    assert.equal(second.model.requests.length + first.model.requests.length, 0);
  });
});
