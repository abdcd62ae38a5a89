/**
 * The fake OpenAI and Anthropic services refuse what the real ones refuse, so a mapping bug in a
 * provider shows up as a violation instead of passing silently. Driven by the official clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeAnthropic } from '../support/fake-anthropic.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import type { ScriptedModelServer } from '../support/scripted-model-server.js';

const schema = { type: 'object' as const, properties: {} };

describe('fake OpenAI service', () => {
  let fake: ScriptedModelServer;
  let client: OpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-test', maxRetries: 0 });
  });
  after(() => fake.close());

  it('answers a valid request from the script and records it', async () => {
    fake.scriptFor('m1', { kind: 'toolUse', uses: [{ name: 'f', input: { a: 1 }, id: 'call_0' }] });
    const completion = await client.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: schema } }] });
    assert.deepEqual(completion.choices[0]!.message.tool_calls, [{ id: 'call_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(fake.requests.at(-1)!.body.messages[0].content, 'hi');
    assert.deepEqual(fake.violations, []);
  });

  it('refuses tool calls left unanswered and tool messages answering nothing, without using a turn', async () => {
    fake.scriptFor('m2', { kind: 'text', text: 'never sent' });
    await assert.rejects(
      client.chat.completions.create({
        model: 'm2',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_9', content: 'x' },
        ],
      }),
      (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400,
    );
    assert.match(fake.violations.join('\n'), /did not have response messages: call_1/);
    assert.match(fake.violations.join('\n'), /must be a response to a preceeding message with 'tool_calls'/);
    assert.equal(fake.remaining(), 1);
    fake.violations.length = 0;
    await client.chat.completions.create({ model: 'm2', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('streams the same completion in chunks: the client\'s own stream helper puts it back together', async () => {
    const turn = { kind: 'toolUse' as const, text: 'Calling f twice, with care.', uses: [{ name: 'f', input: { a: [1, 2], b: 'x' }, id: 'call_s1' }, { name: 'f', input: {}, id: 'call_s2' }], usage: { inputTokens: 9, outputTokens: 4 } };
    fake.scriptFor('m3', turn, turn);
    const params = { model: 'm3', messages: [{ role: 'user' as const, content: 'hi' }], tools: [{ type: 'function' as const, function: { name: 'f', parameters: schema } }] };
    const plain = await client.chat.completions.create(params);
    const stream = client.chat.completions.stream({ ...params, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    stream.on('content', (delta) => deltas.push(delta));
    const final = await stream.finalChatCompletion();
    assert.deepEqual(final.choices[0]!.message.content, plain.choices[0]!.message.content);
    assert.deepEqual(
      final.choices[0]!.message.tool_calls?.map((call) => call.type === 'function' && [call.id, call.function.name, call.function.arguments]),
      plain.choices[0]!.message.tool_calls?.map((call) => call.type === 'function' && [call.id, call.function.name, call.function.arguments]),
    );
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(final.usage, plain.usage);
    assert.ok(deltas.length > 1);
    assert.deepEqual(fake.requests.slice(-2).map((r) => r.streamed), [false, true]);
    assert.deepEqual(fake.violations, []);
  });
});

describe('fake Anthropic service', () => {
  let fake: ScriptedModelServer;
  let client: Anthropic;
  before(async () => {
    fake = await startFakeAnthropic();
    client = new Anthropic({ baseURL: fake.baseURL, apiKey: 'sk-ant-test', maxRetries: 0 });
  });
  after(() => fake.close());

  it('refuses roles that do not alternate, tool results that are not first, and repeated tool_use ids', async () => {
    const refused = async (messages: Anthropic.MessageParam[], problem: RegExp) => {
      await assert.rejects(client.messages.create({ model: 'm', max_tokens: 10, messages }), (error: InstanceType<typeof Anthropic.APIError>) => error.status === 400);
      assert.match(fake.violations.join('\n'), problem);
      fake.violations.length = 0;
    };
    await refused([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }], /roles must alternate/);
    const use = (id: string) => ({ role: 'assistant' as const, content: [{ type: 'tool_use' as const, id, name: 'f', input: {} }] });
    const result = (id: string) => ({ type: 'tool_result' as const, tool_use_id: id, content: 'ok' });
    await refused([{ role: 'user', content: 'a' }, use('toolu_1'), { role: 'user', content: [{ type: 'text', text: 'b' }, result('toolu_1')] }], /tool_result blocks must come first/);
    await refused([{ role: 'user', content: 'a' }, use('call_0'), { role: 'user', content: [result('call_0')] }, use('call_0'), { role: 'user', content: [result('call_0')] }], /`tool_use` ids must be unique/);
    await refused([{ role: 'user', content: 'a' }, use('toolu_2'), { role: 'user', content: 'no result' }], /without `tool_result` blocks immediately after: toolu_2/);
  });

  it('streams the same message as events: the client\'s own MessageStream puts it back together', async () => {
    const turn = { kind: 'toolUse' as const, text: 'Calling f now, carefully.', uses: [{ name: 'f', input: { a: [1, 2], b: 'x' }, id: 'toolu_s1' }], usage: { inputTokens: 9, outputTokens: 4 } };
    fake.scriptFor('m-stream', turn, turn);
    const params = { model: 'm-stream', max_tokens: 10, messages: [{ role: 'user' as const, content: 'hi' }], tools: [{ name: 'f', input_schema: schema }] };
    const plain = await client.messages.create(params);
    const stream = client.messages.stream(params);
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    const fields = ({ type, role, model, content, stop_reason, stop_sequence, usage }: Anthropic.Message) => JSON.parse(JSON.stringify({ type, role, model, content, stop_reason, stop_sequence, usage }));
    assert.deepEqual(fields(final), fields(plain));
    assert.ok(deltas.length > 1);
    assert.deepEqual(fake.requests.slice(-2).map((r) => r.streamed), [false, true]);
    assert.deepEqual(fake.violations, []);
  });

  it('answers 401 without a key header', async () => {
    // The client always sends a key; this fetch drops it on the way out.
    const stripKey: typeof fetch = (url, init) => fetch(url, { ...init, headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' } });
    const keyless = new Anthropic({ baseURL: fake.baseURL, apiKey: 'dropped', maxRetries: 0, fetch: stripKey });
    await assert.rejects(keyless.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'a' }] }), (error: InstanceType<typeof Anthropic.APIError>) => error.status === 401);
    assert.match(fake.violations.join('\n'), /x-api-key header is required/);
    fake.violations.length = 0;
  });
});
