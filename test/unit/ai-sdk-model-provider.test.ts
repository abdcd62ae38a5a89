/**
 * AI SDK models as providers (src/ai-sdk/model-provider.ts), through the official
 * `@ai-sdk/openai-compatible` client against the fake OpenAI service (real HTTP, real SSE, the
 * service's own request checks): streamed text to onText, tool calls, the Converse conversation
 * as the AI SDK's prompt, usage and stop reasons, the errors Temporal retries and the ones it must
 * not; and models of the older specifications (v3 from `ai/test`, a v2 model by hand).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { MockLanguageModelV3 } from 'ai/test';
import { ApplicationFailure } from '@temporalio/common';
import { aiSdkProvider } from '../../src/ai-sdk/model-provider.js';
import { UNPARSEABLE_ARGUMENTS, type Message, type ModelRequest } from '../../src/agent/types.js';
import { PERMANENT_MODEL_ERRORS } from '../../src/models/errors.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import type { ScriptedModelServer } from '../support/scripted-model-server.js';

let fake: ScriptedModelServer;
before(async () => {
  fake = await startFakeOpenAI({ pieceDelayMs: 1 });
});
after(async () => {
  assert.deepEqual(fake.violations, [], 'every request the adapter sent is one the real service accepts');
  await fake.close();
});

let models = 0;
/** A model id of its own, scripted with `turns`, and the provider that serves it through @ai-sdk/openai-compatible. */
function scripted(...turns: Parameters<ScriptedModelServer['scriptFor']>[1][]) {
  const modelId = `ai-sdk-${models++}`;
  fake.scriptFor(modelId, ...turns);
  const compatible = createOpenAICompatible({ name: 'fake-openai', baseURL: fake.baseURL, apiKey: 'test-key', includeUsage: true });
  return { provider: aiSdkProvider(compatible), modelId, requests: () => fake.requests.filter((request) => request.model === modelId) };
}

const ask = (modelId: string, messages: Message[] = [{ role: 'user', content: [{ text: 'hello' }] }], more: Partial<ModelRequest> = {}): ModelRequest => ({
  model: { provider: 'compatible', modelId },
  system: 'You are terse.',
  messages,
  tools: [],
  ...more,
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => assert.fail('the call succeeded'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, not ${String(error)}`);
  return error;
}

describe('answers', () => {
  test("the model's text reaches onText piece by piece as it streams, and the whole answer comes back with usage", async () => {
    const text = 'The weather in Paris is mild today, with light wind.';
    const { provider, modelId, requests } = scripted({ kind: 'text', text, usage: { inputTokens: 12, outputTokens: 9 } });
    const pieces: string[] = [];
    const response = await provider.invoke(ask(modelId), { onText: (delta) => pieces.push(delta) });
    assert.ok(pieces.length > 1, `streamed in pieces, got ${JSON.stringify(pieces)}`);
    assert.equal(pieces.join(''), text);
    assert.deepEqual(response, { message: { role: 'assistant', content: [{ text }] }, stopReason: 'end_turn', usage: { inputTokens: 12, outputTokens: 9, totalTokens: 21 } });
    const [sent] = requests();
    assert.equal(sent!.body.stream, true);
    assert.deepEqual(sent!.body.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'hello' },
    ]);
  });

  test('parallel tool calls come back as toolUse blocks after the text; arguments that are not JSON are marked for the loop to refuse', async () => {
    const { provider, modelId, requests } = scripted({
      kind: 'toolUse',
      text: 'Checking both.',
      uses: [
        { name: 'weather', input: { city: 'Paris' }, id: 'call_a' },
        { name: 'weather', input: null, id: 'call_b', rawArguments: '{"city": "Ber' },
      ],
    });
    const tools = [{ name: 'weather', description: 'The weather in a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const response = await provider.invoke(ask(modelId, undefined, { tools, maxTokens: 300 }));
    assert.deepEqual(response.message.content, [
      { text: 'Checking both.' },
      { toolUse: { toolUseId: 'call_a', name: 'weather', input: { city: 'Paris' } } },
      { toolUse: { toolUseId: 'call_b', name: 'weather', input: { [UNPARSEABLE_ARGUMENTS]: '{"city": "Ber' } } },
    ]);
    assert.equal(response.stopReason, 'tool_use');
    const [sent] = requests();
    assert.deepEqual(sent!.body.tools, [{ type: 'function', function: { name: 'weather', description: 'The weather in a city', parameters: tools[0]!.inputSchema } }]);
    assert.equal(sent!.body.tool_choice, 'auto');
    assert.equal(sent!.body.max_tokens, 300);
  });

  test('a whole conversation goes out as the AI SDK prompt: tool calls, their results (right after them, named), errors, then the user text', async () => {
    const { provider, modelId, requests } = scripted({ kind: 'text', text: 'Done.', stopReason: 'max_tokens' });
    const messages: Message[] = [
      { role: 'user', content: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Looking.' },
          { toolUse: { toolUseId: 'tu-1', name: 'weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'tu-2', name: 'forecast', input: { city: 'Rome', days: 2 } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tu-1', status: 'success', content: [{ json: { sky: 'clear', celsius: 21 } }] } },
          { toolResult: { toolUseId: 'tu-2', status: 'error', content: [{ text: 'The user denied this forecast call.' }] } },
          { text: 'And be brief.' },
        ],
      },
    ];
    const response = await provider.invoke(ask(modelId, messages));
    assert.equal(response.stopReason, 'max_tokens');
    const [sent] = requests();
    const wire = sent!.body.messages as Array<Record<string, unknown>>;
    assert.deepEqual(wire.map((message) => message.role), ['system', 'user', 'assistant', 'tool', 'tool', 'user']);
    assert.deepEqual(wire[2], {
      role: 'assistant',
      content: 'Looking.',
      tool_calls: [
        { id: 'tu-1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'tu-2', type: 'function', function: { name: 'forecast', arguments: '{"city":"Rome","days":2}' } },
      ],
    });
    assert.deepEqual(wire[3], { role: 'tool', tool_call_id: 'tu-1', content: '{"sky":"clear","celsius":21}' });
    assert.deepEqual(wire[4], { role: 'tool', tool_call_id: 'tu-2', content: 'The user denied this forecast call.' });
    assert.deepEqual(wire[5], { role: 'user', content: 'And be brief.' });
  });

  test('what onText throws is passed on as it was, not taken for the service failing', async () => {
    const { provider, modelId } = scripted({ kind: 'text', text: 'Some text that streams.' });
    const mine = new Error('the watcher went away');
    await assert.rejects(
      provider.invoke(ask(modelId), {
        onText: () => {
          throw mine;
        },
      }),
      (error: unknown) => error === mine,
    );
  });
});

describe('errors', () => {
  test('rate limits and server errors are retried (with the retry-after hint); the failure names the service', async () => {
    const { provider, modelId } = scripted({ kind: 'error', status: 429, headers: { 'retry-after': '3' } }, { kind: 'error', status: 503 });
    const limited = await failureOf(provider.invoke(ask(modelId)));
    assert.deepEqual([limited.type, limited.nonRetryable, limited.nextRetryDelay], ['ModelRateLimited', false, 3000]);
    assert.match(limited.message, /^fake-openai\.chat rate limited the request \(HTTP 429 rate_limit_exceeded: /);
    const unavailable = await failureOf(provider.invoke(ask(modelId)));
    assert.deepEqual([unavailable.type, unavailable.nonRetryable], ['ModelServiceUnavailable', false]);
  });

  test('a bad request, a rejected key and an unknown model fail at once, as permanent model errors', async () => {
    const { provider, modelId } = scripted({ kind: 'error', status: 400, message: 'bad tool schema' }, { kind: 'error', status: 401 }, { kind: 'error', status: 404 });
    const expected = [
      ['ModelBadRequest', /rejected the request \(HTTP 400 .*bad tool schema\)$/],
      ['ModelAuthenticationFailed', /check the provider's API key$/],
      ['ModelNotFound', /check the model id and the base URL$/],
    ] as const;
    for (const [type, message] of expected) {
      const failure = await failureOf(provider.invoke(ask(modelId)));
      assert.equal(failure.type, type);
      assert.equal(failure.nonRetryable, true);
      assert.ok(PERMANENT_MODEL_ERRORS.includes(type), `${type} is permanent for the workflow's retry policy too`);
      assert.match(failure.message, message);
    }
  });

  test('an error inside the stream is classified by its type: a server error is retried, an invalid request is not', async () => {
    const { provider, modelId } = scripted({ kind: 'streamError', status: 500 }, { kind: 'streamError', status: 400 });
    const pieces: string[] = [];
    const retried = await failureOf(provider.invoke(ask(modelId), { onText: (delta) => pieces.push(delta) }));
    assert.deepEqual([retried.type, retried.nonRetryable], ['ModelServiceUnavailable', false]);
    assert.match(retried.message, /stream error server_error/);
    assert.ok(pieces.length > 0, 'the text before the error was streamed (the run says data-retry for it)');
    const refused = await failureOf(provider.invoke(ask(modelId)));
    assert.deepEqual([refused.type, refused.nonRetryable], ['ModelBadRequest', true]);
  });

  test('a connection cut mid-answer and a service that is not there are retried', async () => {
    const { provider, modelId } = scripted({ kind: 'cut' });
    const cut = await failureOf(provider.invoke(ask(modelId)));
    assert.equal(cut.nonRetryable, false, `${cut.type}: ${cut.message}`);
    const nowhere = aiSdkProvider(createOpenAICompatible({ name: 'nowhere', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' }));
    const refused = await failureOf(nowhere.invoke(ask('any')));
    assert.deepEqual([refused.type, refused.nonRetryable], ['ModelConnectionFailed', false]);
    assert.match(refused.message, /could not reach nowhere\.chat at http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions/);
  });

  test('a missing key fails at once, saying which variable to set', async () => {
    // What every AI SDK provider does when no key is configured: the shared loadApiKey helper.
    const { loadApiKey } = await import('@ai-sdk/provider-utils');
    const unkeyed = new MockLanguageModelV3({
      provider: 'keyless',
      doStream: async () => {
        loadApiKey({ apiKey: undefined, environmentVariableName: 'HITL_TEST_UNSET_API_KEY', description: 'Keyless' });
        throw new Error('not reached');
      },
    });
    const failure = await failureOf(aiSdkProvider(unkeyed).invoke(ask('x')));
    assert.deepEqual([failure.type, failure.nonRetryable], ['ModelCredentialsMissing', true]);
    assert.match(failure.message, /^keyless is not configured on the worker: .*HITL_TEST_UNSET_API_KEY/);
  });
});

describe('specifications', () => {
  test('a v3 model (the AI SDK mock of that specification) works the same: text, tool calls, usage', async () => {
    const model = new MockLanguageModelV3({
      provider: 'mock-v3',
      modelId: 'v3',
      doStream: async () => ({
        stream: new ReadableStream({
          start(controller) {
            for (const part of [
              { type: 'stream-start', warnings: [] },
              { type: 'text-start', id: 't1' },
              { type: 'text-delta', id: 't1', delta: 'One ' },
              { type: 'text-delta', id: 't1', delta: 'moment.' },
              { type: 'text-end', id: 't1' },
              { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: '{"city":"Oslo"}' },
              {
                type: 'finish',
                finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
                usage: { inputTokens: { total: 7, noCache: 7, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 4, text: 4, reasoning: 0 } },
              },
            ]) controller.enqueue(part as never);
            controller.close();
          },
        }),
      }),
    });
    const pieces: string[] = [];
    const response = await aiSdkProvider(model).invoke(ask('v3'), { onText: (delta) => pieces.push(delta) });
    assert.deepEqual(pieces, ['One ', 'moment.']);
    assert.deepEqual(response, {
      message: { role: 'assistant', content: [{ text: 'One moment.' }, { toolUse: { toolUseId: 'c1', name: 'weather', input: { city: 'Oslo' } } }] },
      stopReason: 'tool_use',
      usage: { inputTokens: 7, outputTokens: 4, totalTokens: 11 },
    });
    assert.equal(model.doStreamCalls[0]!.prompt[0]!.role, 'system');
  });

  test('a v2 model (numbers for usage, a string finish reason) works too; a stream without a finish is retried', async () => {
    const v2 = (parts: object[]) => ({
      specificationVersion: 'v2' as const,
      provider: 'hand-v2',
      modelId: 'v2',
      supportedUrls: {},
      doGenerate: () => Promise.reject(new Error('not used')),
      doStream: async () => ({
        stream: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      }),
    });
    const finished = v2([{ type: 'text-delta', id: 'a', delta: 'Hi.' }, { type: 'finish', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } }]);
    const response = await aiSdkProvider(finished as never).invoke(ask('v2'));
    assert.deepEqual(response, { message: { role: 'assistant', content: [{ text: 'Hi.' }] }, stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } });
    const cut = await failureOf(aiSdkProvider(v2([{ type: 'text-delta', id: 'a', delta: 'Hi' }]) as never).invoke(ask('v2')));
    assert.deepEqual([cut.type, cut.nonRetryable], ['ModelStreamIncomplete', false]);
  });

  test('an empty answer is a malformed response (permanent); a factory that throws for an unknown id says so', async () => {
    const empty = new MockLanguageModelV3({
      doStream: async () => ({
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 0, text: 0, reasoning: 0 } } } as never);
            controller.close();
          },
        }),
      }),
    });
    const malformed = await failureOf(aiSdkProvider(empty).invoke(ask('x')));
    assert.deepEqual([malformed.type, malformed.nonRetryable], ['MalformedModelResponse', true]);
    const { NoSuchModelError } = await import('@ai-sdk/provider');
    const unknown = await failureOf(
      aiSdkProvider(
        (modelId) => {
          throw new NoSuchModelError({ modelId, modelType: 'languageModel' });
        },
        { vendor: 'registry' },
      ).invoke(ask('gpt-nope')),
    );
    assert.deepEqual([unknown.type, unknown.nonRetryable], ['ModelNotFound', true]);
    assert.match(unknown.message, /registry has no model "gpt-nope"/);
  });
});
