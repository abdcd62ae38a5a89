/**
 * `needsApproval` (the AI SDK's convention) on the approval policy, and AI SDK `tool()` definitions
 * given to an agent as they are (plain Node: the agent loop, hooks and interrupts without Temporal;
 * test/integration/ai-sdk.test.ts runs the same agents on a dev server).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { tool } from 'ai';
import { z } from 'zod';
import { toolSpecOf, type AgentDefinition } from '../../src/agent/definition.js';
import { fromAiSdkTools } from '../../src/ai-sdk/tools.js';
import type { JsonValue } from '../../src/agent/types.js';
import { LocalAgentRunner } from '../../src/sdk/local-runner.js';
import { ScriptedModel, type Turn } from '../support/scripted-model.js';
import { approverDirectory, signedBy } from '../support/approvers.js';
import { aiSdkToolBodies, aiSdkToolsAgent, needsApprovalAgent, policyAndNeedsApprovalAgent, sdkTools, toolCalls } from '../support/ai-sdk-agents.js';

beforeEach(() => toolCalls.splice(0));

function run(agent: AgentDefinition, turns: Turn[]) {
  const model = new ScriptedModel(turns);
  const local = new LocalAgentRunner(agent, model, aiSdkToolBodies, { prompt: 'go', model: { provider: 's', modelId: 's' }, runId: 'r' }, { approverKeys: approverDirectory });
  return { local, model, done: local.run() };
}

const call = (name: string, input: JsonValue, id = 'tu1'): Turn => ({ tools: [{ name, input, id }] });
const lastToolResult = (model: ScriptedModel) => {
  const block = model.requests.at(-1)!.messages.at(-1)!.content[0]!;
  return 'toolResult' in block ? block.toolResult : undefined;
};

describe('needsApproval', () => {
  test('true: the call waits for a person with the approval question; trust is not offered; y runs it once', async () => {
    const { local, done } = run(needsApprovalAgent, [call('transfer', { to: 'acct-9', amount: 25 }), { text: 'sent' }]);
    await local.untilWaiting();
    const [question] = local.loop.book.pending;
    assert.equal(question!.id, 'hook:beforeToolCall:tu1:approval');
    assert.deepEqual(question!.reason, { message: 'Approve transfer? (y/N)', tool: 'transfer', input: { to: 'acct-9', amount: 25 }, rule: 'transfer needs approval (needsApproval)' });
    assert.equal(toolCalls.length, 0, 'nothing ran before the answer');
    assert.throws(() => local.respond({ interruptId: question!.id, response: 't' }), /transfer cannot be trusted under this policy \(transfer needs approval \(needsApproval\)\); answer y or n/);
    local.respond({ interruptId: question!.id, response: 'y', respondedBy: 'pat' });
    const result = await done;
    assert.deepEqual(toolCalls.map((c) => c.tool), ['transfer']);
    assert.deepEqual(
      result.decisions.map((note) => [note.kind, note.detail]),
      [['approved', { by: ['pat'], because: 'transfer needs approval (needsApproval)' }]],
    );
  });

  test('false: the call runs without a question, and nothing is noted', async () => {
    const { local, done } = run(needsApprovalAgent, [call('lookup', { account: 'a-1' }), { text: 'ok' }]);
    const result = await done;
    assert.equal(local.loop.book.answered.length, 0);
    assert.deepEqual(toolCalls.map((c) => c.tool), ['lookup']);
    assert.deepEqual(result.decisions, []);
  });

  test('a function asks for the inputs it returns true for; a denial reaches the model and the tool never runs', async () => {
    const small = run(needsApprovalAgent, [call('refund', { order: 'o-1', amount: 40 }), { text: 'ok' }]);
    await small.done;
    assert.deepEqual(toolCalls.map((c) => c.input), [{ order: 'o-1', amount: 40 }], 'a small refund runs freely');

    const large = run(needsApprovalAgent, [call('refund', { order: 'o-2', amount: 400 }), { text: 'ok' }]);
    await large.local.untilWaiting();
    const [question] = large.local.loop.book.pending;
    large.local.respond({ interruptId: question!.id, response: { decision: 'deny', reason: 'over the limit' }, respondedBy: 'kim' });
    const result = await large.done;
    assert.equal(toolCalls.length, 1, 'the large refund did not run');
    assert.deepEqual(lastToolResult(large.model), {
      toolUseId: 'tu1',
      status: 'error',
      content: [{ text: 'The user (kim) denied this refund call: over the limit. Do not request the same call again.' }],
    });
    assert.deepEqual(result.decisions.map((note) => note.kind), ['denied']);
  });

  test('an async function is awaited: it asks when it resolves true', async () => {
    const quiet = run(needsApprovalAgent, [call('flagged', { note: 'a', flagged: false }), { text: 'ok' }]);
    await quiet.done;
    assert.equal(toolCalls.length, 1);
    const loud = run(needsApprovalAgent, [call('flagged', { note: 'b', flagged: true }), { text: 'ok' }]);
    await loud.local.untilWaiting();
    assert.equal(loud.local.loop.book.pending[0]!.name, 'approval');
    loud.local.respond({ interruptId: loud.local.loop.book.pending[0]!.id, response: 'y' });
    await loud.done;
    assert.deepEqual(toolCalls.map((c) => c.input), [{ note: 'a', flagged: false }, { note: 'b', flagged: true }]);
  });

  test("under the agent's own policy: its rules come first, needsApproval next, and a call is asked about once", async () => {
    // needsApproval says refunds over 100 ask; the policy's rule lets VIP orders through before it.
    const vip = run(policyAndNeedsApprovalAgent, [call('refund', { order: 'vip-7', amount: 900 }), { text: 'ok' }]);
    const vipResult = await vip.done;
    assert.deepEqual(vipResult.decisions.map((note) => [note.kind, note.detail]), [['allowed', { because: 'rule 1 (VIP refunds)' }]]);

    // transfer: both needsApproval and the policy's `ask` cover it: one question, from the implicit rule (not trustable).
    const both = run(policyAndNeedsApprovalAgent, [call('transfer', { to: 'x', amount: 5 }), { text: 'ok' }]);
    await both.local.untilWaiting();
    assert.deepEqual(both.local.loop.book.pending.map((q) => [q.name, (q.reason as { rule: string }).rule]), [['approval', 'transfer needs approval (needsApproval)']]);
    both.local.respond({ interruptId: both.local.loop.book.pending[0]!.id, response: 'y' });
    await both.done;

    // A rule that names approvers is more specific than needsApproval: only alice may answer.
    const large = run(policyAndNeedsApprovalAgent, [call('transfer', { to: 'x', amount: 50_000 }), { text: 'ok' }]);
    await large.local.untilWaiting();
    const [question] = large.local.loop.book.pending;
    assert.deepEqual([question!.allowedResponders, (question!.reason as { rule: string }).rule], [['alice'], 'rule 2 (large transfers: alice)']);
    assert.throws(() => large.local.respond(signedBy('bob', 'r', { interruptId: question!.id, response: 'y' })), /needs a signed answer from one of its approvers; this answer's responder is not one of them/);
    large.local.respond(signedBy('alice', 'r', { interruptId: question!.id, response: 'n' }));
    await large.done;

    // lookup says needsApproval: false; the policy's `ask` still asks (false leaves the call to the policy).
    const asked = run(policyAndNeedsApprovalAgent, [call('lookup', { account: 'a' }), { text: 'ok' }]);
    await asked.local.untilWaiting();
    assert.equal((asked.local.loop.book.pending[0]!.reason as { rule: string }).rule, '"lookup" asks');
    asked.local.respond({ interruptId: asked.local.loop.book.pending[0]!.id, response: 'y' });
    await asked.done;
    assert.deepEqual(toolCalls.map((c) => c.tool), ['refund', 'transfer', 'lookup']);
  });
});

describe('AI SDK tool() given as it is', () => {
  test('the workflow half: name from the key, description, the schema the model sees, needsApproval; the activity half: execute', () => {
    assert.deepEqual(sdkTools.definitions.map((d) => d.name), ['get_weather', 'convert']);
    assert.deepEqual(sdkTools.implementations.map((i) => i.name), ['get_weather', 'convert']);
    assert.deepEqual(sdkTools.definitions.map(toolSpecOf), [
      {
        name: 'get_weather',
        description: 'The weather in a city.',
        inputSchema: { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'], additionalProperties: false },
      },
      {
        name: 'convert',
        description: 'Convert an amount between currencies.',
        inputSchema: { type: 'object', properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount', 'from', 'to'], additionalProperties: false },
      },
    ]);
  });

  test('a zod-schema tool with needsApproval: true waits, then its execute runs with the call id and its result reaches the model', async () => {
    const { local, model, done } = run(aiSdkToolsAgent, [call('get_weather', { city: 'Lyon' }, 'w-1'), { text: 'clear' }]);
    await local.untilWaiting();
    assert.equal(local.loop.book.pending[0]!.toolName, 'get_weather');
    assert.equal(toolCalls.length, 0);
    local.respond({ interruptId: local.loop.book.pending[0]!.id, response: 'y' });
    await done;
    assert.deepEqual(toolCalls, [{ tool: 'get_weather', input: { city: 'Lyon' }, toolCallId: 'w-1' }]);
    assert.deepEqual(lastToolResult(model), { toolUseId: 'w-1', status: 'success', content: [{ json: { city: 'Lyon', sky: 'clear', celsius: 21 } }] });
  });

  test("a jsonSchema() tool: its validate checks (and shapes) the input, its needsApproval function gets the input and the call's id, a generator's last value is the result", async () => {
    const small = run(aiSdkToolsAgent, [call('convert', { amount: 5, from: 'eur', to: 'usd' }, 'c-1'), { text: 'ok' }]);
    await small.done;
    assert.deepEqual(toolCalls, [{ tool: 'convert', input: { amount: 5, from: 'EUR', to: 'USD' }, toolCallId: 'c-1' }], 'ran without asking, with the validated input');
    assert.deepEqual(lastToolResult(small.model)!.content, [{ json: { amount: 10, currency: 'USD' } }]);

    const invalid = run(aiSdkToolsAgent, [call('convert', { amount: 'lots' }, 'c-2'), { text: 'ok' }]);
    await invalid.done;
    assert.match(JSON.stringify(lastToolResult(invalid.model)), /Invalid input for tool \\"convert\\": \(input\): convert needs a number amount and from\/to currency codes/);

    const large = run(aiSdkToolsAgent, [call('convert', { amount: 5000, from: 'eur', to: 'chf' }, 'c-3'), { text: 'ok' }]);
    await large.local.untilWaiting();
    assert.equal(large.local.loop.book.pending[0]!.toolInput && (large.local.loop.book.pending[0]!.toolInput as { to: string }).to, 'CHF', 'the question shows the call as it will run');
    large.local.respond({ interruptId: large.local.loop.book.pending[0]!.id, response: 'n' });
    await large.done;
    assert.equal(toolCalls.length, 1, 'the denied conversion never ran');
  });

  test('tools it cannot take are refused when the agent is defined, saying why', () => {
    assert.throws(() => fromAiSdkTools({ search: { type: 'provider', inputSchema: z.object({}) } }), /AI SDK tool "search" is a provider tool \(the model's service runs it\)/);
    assert.throws(() => fromAiSdkTools({ old: { inputSchema: { _def: { typeName: 'ZodObject' } }, execute: async () => 1 } }), /zod 3 schema; use zod 4/);
    assert.throws(() => fromAiSdkTools({ odd: { inputSchema: 42 } }), /must be a zod 4 schema or jsonSchema/);
    // A tool without execute has a definition (the model may call it) and no body: the worker then says the tool is not registered.
    const split = fromAiSdkTools({ ask_user: tool({ description: 'ask', inputSchema: z.object({ q: z.string() }) }) });
    assert.deepEqual([split.definitions.length, split.implementations.length], [1, 0]);
  });
});
