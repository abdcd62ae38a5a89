/** AnthropicProvider through the official `@anthropic-ai/sdk` client against the fake Messages service. */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplicationFailure } from '@temporalio/common';
import type { Message, ModelRequest } from '../../src/agent/types.js';
import { AnthropicProvider } from '../../src/models/anthropic.js';
import { startFakeAnthropic } from '../support/fake-anthropic.js';
import type { ScriptedTurn } from '../support/model-script.js';
import type { ScriptedModelServer, ServerTurn } from '../support/scripted-model-server.js';

const TOOLS: ModelRequest['tools'] = [
  { name: 'delete_files', description: 'Delete files', inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } }, required: ['paths'] } },
];
const hello: Message[] = [{ role: 'user', content: [{ text: 'Delete a.txt' }] }];

describe('AnthropicProvider', () => {
  let fake: ScriptedModelServer;
  let provider: AnthropicProvider;
  let calls = 0;

  async function invoke(turn: ScriptedTurn, messages: Message[] = hello, extra: Partial<ModelRequest> = {}, p: AnthropicProvider = provider) {
    const modelId = `claude-test-${++calls}`;
    fake.scriptFor(modelId, turn);
    const response = await p.invoke({ model: { provider: 'anthropic', modelId }, system: 'Be careful.', messages, tools: TOOLS, ...extra });
    return { response, sent: fake.requests.at(-1)!.body, headers: fake.requests.at(-1)!.headers };
  }

  const failure = (turn: ScriptedTurn, p: AnthropicProvider = provider): Promise<ApplicationFailure> =>
    invoke(turn, hello, {}, p).then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );

  before(async () => {
    fake = await startFakeAnthropic();
    provider = new AnthropicProvider({ baseURL: fake.baseURL, apiKey: 'sk-ant-test' });
  });
  afterEach(() => assert.deepEqual(fake.violations, []));
  after(async () => {
    assert.equal(fake.remaining(), 0);
    await fake.close();
  });

  it('sends system, tools with input_schema, max_tokens 4096 unless the request sets one, and the key', async () => {
    const { sent, headers } = await invoke({ kind: 'text', text: 'ok' });
    assert.equal(sent.system, 'Be careful.');
    assert.equal(sent.max_tokens, 4096);
    assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'Delete a.txt' }] }]);
    assert.deepEqual(sent.tools, [{ name: 'delete_files', description: 'Delete files', input_schema: TOOLS[0]!.inputSchema }]);
    assert.equal(sent.stream, undefined);
    assert.ok(headers['x-api-key'] === 'sk-ant-test' || headers.authorization === 'Bearer sk-ant-test', JSON.stringify(headers));
    assert.ok(headers['anthropic-version']);
    const limited = await invoke({ kind: 'text', text: 'ok' }, hello, { maxTokens: 123, system: '' });
    assert.equal(limited.sent.max_tokens, 123);
    assert.equal('system' in limited.sent, false);
  });

  it('maps tool_use and tool_result blocks, is_error for a failed or denied call', async () => {
    const messages: Message[] = [
      ...hello,
      {
        role: 'assistant',
        content: [
          { text: 'Deleting.' },
          { toolUse: { toolUseId: 'toolu_a', name: 'delete_files', input: { paths: ['a.txt'] } } },
          { toolUse: { toolUseId: 'toolu_b', name: 'delete_files', input: { paths: ['b.txt'] } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'toolu_a', status: 'success', content: [{ json: { deleted: ['a.txt'] } }] } },
          { toolResult: { toolUseId: 'toolu_b', status: 'error', content: [{ text: 'denied by alice' }] } },
        ],
      },
    ];
    const { sent } = await invoke({ kind: 'text', text: 'Deleted a.txt; b.txt was denied.' }, messages);
    assert.deepEqual(sent.messages.slice(1), [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Deleting.' },
          { type: 'tool_use', id: 'toolu_a', name: 'delete_files', input: { paths: ['a.txt'] } },
          { type: 'tool_use', id: 'toolu_b', name: 'delete_files', input: { paths: ['b.txt'] } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: '{"deleted":["a.txt"]}' },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: 'denied by alice', is_error: true },
        ],
      },
    ]);
  });

  it('merges consecutive turns of one role, tool results first', async () => {
    const messages: Message[] = [
      ...hello,
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'toolu_a', name: 'delete_files', input: { paths: ['a.txt'] } } }] },
      { role: 'user', content: [{ text: 'Note: a.txt is important.' }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_a', status: 'error', content: [{ text: 'cancelled' }] } }] },
    ];
    const { sent } = await invoke({ kind: 'text', text: 'ok' }, messages);
    assert.equal(sent.messages.length, 3);
    assert.deepEqual(sent.messages[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: 'cancelled', is_error: true },
        { type: 'text', text: 'Note: a.txt is important.' },
      ],
    });
  });

  it('repeated and foreign tool ids are made valid and unique on the wire, results following their calls', async () => {
    const use = (id: string, path: string): Message => ({ role: 'assistant', content: [{ toolUse: { toolUseId: id, name: 'delete_files', input: { paths: [path] } } }] });
    const result = (id: string, text: string): Message => ({ role: 'user', content: [{ toolResult: { toolUseId: id, status: 'success', content: [{ text }] } }] });
    const messages: Message[] = [
      ...hello,
      use('call_0', 'a.txt'),
      result('call_0', 'deleted a.txt'),
      use('call_0', 'b.txt'),
      result('call_0', 'deleted b.txt'),
      use('run:7#2', 'c.txt'),
      result('run:7#2', 'deleted c.txt'),
    ];
    const { sent } = await invoke({ kind: 'text', text: 'done' }, messages);
    const pairs = sent.messages.slice(1).map((turn: { content: Array<Record<string, string>> }) => turn.content.map((block) => block.id ?? `${block.tool_use_id}<-${block.content}`));
    assert.deepEqual(pairs, [['call_0'], ['call_0<-deleted a.txt'], ['call_0_2'], ['call_0_2<-deleted b.txt'], ['run_7_2'], ['run_7_2<-deleted c.txt']]);
  });

  it('several tool uses per turn; a missing id gets call_<position among the calls>', async () => {
    const { response } = await invoke({
      kind: 'toolUse',
      text: 'Both.',
      uses: [
        { name: 'delete_files', input: { paths: ['a.txt'] }, id: null },
        { name: 'delete_files', input: { paths: ['b.txt'] }, id: 'toolu_kept' },
      ],
    });
    assert.equal(response.stopReason, 'tool_use');
    assert.deepEqual(response.message.content, [
      { text: 'Both.' },
      { toolUse: { toolUseId: 'call_0', name: 'delete_files', input: { paths: ['a.txt'] } } },
      { toolUse: { toolUseId: 'toolu_kept', name: 'delete_files', input: { paths: ['b.txt'] } } },
    ]);
  });

  it('stop reasons: refusal is content_filtered, others pass through', async () => {
    assert.equal((await invoke({ kind: 'text', text: 'No.', stopReason: 'content_filtered' })).response.stopReason, 'content_filtered');
    assert.equal((await invoke({ kind: 'text', text: 'Cut', stopReason: 'max_tokens' })).response.stopReason, 'max_tokens');
    assert.equal((await invoke({ kind: 'text', text: 'Paused', stopReason: 'pause_turn' })).response.stopReason, 'pause_turn');
  });

  it('usage counts cached prompt tokens as input; thinking blocks are left out', async () => {
    const { response } = await invoke({
      kind: 'raw',
      status: 200,
      body: JSON.stringify({
        id: 'msg_raw',
        type: 'message',
        role: 'assistant',
        model: 'raw',
        content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Done.' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 4, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 },
      }),
    });
    assert.deepEqual(response.message.content, [{ text: 'Done.' }]);
    assert.deepEqual(response.usage, { inputTokens: 1110, outputTokens: 4, totalTokens: 1114 });
  });

  it('a malformed block or an empty message is a malformed response', async () => {
    const base = { id: 'm', type: 'message', role: 'assistant', model: 'raw', stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } };
    for (const content of [[{ type: 'tool_use', name: 'delete_files' }], [{ type: 'text', text: '' }], []]) {
      const error = await failure({ kind: 'raw', status: 200, body: JSON.stringify({ ...base, content }) });
      assert.deepEqual([error.type, error.nonRetryable], ['MalformedModelResponse', true]);
      assert.match(error.message, /^Anthropic returned a malformed response: /);
    }
  });

  it('HTTP errors read like the service said them', async () => {
    const unauthorized = await failure({ kind: 'error', status: 401, message: 'invalid x-api-key' });
    assert.equal(unauthorized.message, 'Anthropic rejected the request (HTTP 401 authentication_error: invalid x-api-key); check ANTHROPIC_API_KEY');
    assert.equal(unauthorized.type, 'ModelAuthenticationFailed');
    const overloaded = await failure({ kind: 'error', status: 529, message: 'Overloaded' });
    assert.deepEqual([overloaded.type, overloaded.nonRetryable, overloaded.message], ['ModelServiceUnavailable', false, 'Anthropic failed (HTTP 529 overloaded_error: Overloaded)']);
    const tooLarge = await failure({ kind: 'error', status: 413, message: 'Request exceeds the maximum size' });
    assert.deepEqual([tooLarge.type, tooLarge.nonRetryable], ['ModelRequestRejected', true]);
  });

  it('a timeout is retried', async () => {
    const impatient = new AnthropicProvider({ baseURL: fake.baseURL, apiKey: 'sk-ant-test', timeoutMs: 100 });
    const timedOut = await failure({ kind: 'delay', ms: 2000, then: { kind: 'text', text: 'late' } }, impatient);
    assert.deepEqual([timedOut.type, timedOut.nonRetryable, timedOut.message], ['ModelTimeout', false, 'Anthropic did not answer within 100 ms']);
  });

  /** A streamed call: the response, the text pieces, and what was sent. */
  async function streamed(turn: ServerTurn, extra: Partial<ModelRequest> = {}) {
    const modelId = `claude-test-${++calls}`;
    fake.scriptFor(modelId, turn);
    const pieces: string[] = [];
    const response = await provider.invoke({ model: { provider: 'anthropic', modelId }, system: 'Be careful.', messages: hello, tools: TOOLS, ...extra }, { onText: (delta) => pieces.push(delta) });
    return { response, pieces, sent: fake.requests.at(-1)!.body };
  }

  const streamFailure = (turn: ServerTurn): Promise<ApplicationFailure> =>
    streamed(turn).then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );

  const events = (...list: Array<[string, Record<string, unknown>]>): ServerTurn => ({
    kind: 'raw',
    status: 200,
    contentType: 'text/event-stream',
    body: list.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`).join(''),
  });
  const start = (usage: Record<string, number>): [string, Record<string, unknown>] => [
    'message_start',
    { message: { id: 'msg_raw', type: 'message', role: 'assistant', model: 'raw', content: [], stop_reason: null, stop_sequence: null, usage } },
  ];

  it('streams when given onText: stream: true, the request otherwise the same', async () => {
    const plain = await invoke({ kind: 'text', text: 'ok' });
    const { sent } = await streamed({ kind: 'text', text: 'ok' });
    const { stream, ...rest } = sent;
    assert.equal(stream, true);
    assert.deepEqual(rest, { ...plain.sent, model: sent.model });
    assert.equal(fake.requests.at(-1)!.streamed, true);
  });

  it('streamed: tool input from its JSON fragments; a missing id gets call_<position>; message_delta gives the stop reason and output tokens', async () => {
    const { response, pieces } = await streamed(
      events(
        start({ input_tokens: 10, output_tokens: 1 }),
        ['ping', {}],
        ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Deleting ' } }],
        ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'both.' } }],
        ['content_block_stop', { index: 0 }],
        ['content_block_start', { index: 1, content_block: { type: 'tool_use', name: 'delete_files', input: {} } }],
        ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }],
        ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"paths": ["a' } }],
        ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '.txt"]}' } }],
        ['content_block_stop', { index: 1 }],
        ['content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_kept', name: 'delete_files', input: {} } }],
        ['content_block_stop', { index: 2 }],
        ['message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }],
        ['message_stop', {}],
      ),
    );
    assert.deepEqual(pieces, ['Deleting ', 'both.']);
    assert.deepEqual(response, {
      message: {
        role: 'assistant',
        content: [
          { text: 'Deleting both.' },
          { toolUse: { toolUseId: 'call_0', name: 'delete_files', input: { paths: ['a.txt'] } } },
          { toolUse: { toolUseId: 'toolu_kept', name: 'delete_files', input: {} } },
        ],
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 10, outputTokens: 42, totalTokens: 52 },
    });
  });

  it('streamed: cached prompt tokens count as input; thinking blocks and their deltas are left out', async () => {
    const { response, pieces } = await streamed(
      events(
        start({ input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 }),
        ['content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
        ['content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } }],
        ['content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 's' } }],
        ['content_block_stop', { index: 0 }],
        ['content_block_start', { index: 1, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Done.' } }],
        ['content_block_stop', { index: 1 }],
        ['message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } }],
        ['message_stop', {}],
      ),
    );
    assert.deepEqual(pieces, ['Done.']);
    assert.deepEqual(response.message.content, [{ text: 'Done.' }]);
    assert.deepEqual(response.usage, { inputTokens: 1110, outputTokens: 4, totalTokens: 1114 });
  });

  it('streamed: a stream that ends before message_stop, one without events, an empty message: malformed, as without streaming', async () => {
    const short = await streamFailure(events(start({ input_tokens: 1, output_tokens: 1 }), ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }], ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Half' } }]));
    assert.deepEqual([short.type, short.nonRetryable, short.message], ['MalformedModelResponse', true, 'Anthropic returned a malformed response: the stream ended before message_stop']);
    const empty = await streamFailure(events(start({ input_tokens: 1, output_tokens: 1 }), ['message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }], ['message_stop', {}]));
    assert.deepEqual([empty.type, empty.nonRetryable], ['MalformedModelResponse', true]);
    assert.match(empty.message, /empty message/);
    const nothing = await streamFailure({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: '\n' });
    assert.deepEqual([nothing.type, nothing.nonRetryable], ['MalformedModelResponse', true]);
    assert.match(nothing.message, /^Anthropic returned a malformed response: role: /);
  });

  it('streamed: a message written by hand (raw JSON) is streamed as the same message, thinking and all', async () => {
    const body = JSON.stringify({
      id: 'msg_raw',
      type: 'message',
      role: 'assistant',
      model: 'raw',
      content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Done with both.' }, { type: 'tool_use', id: 'toolu_h', name: 'delete_files', input: { paths: ['a.txt'] } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 4, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 },
    });
    const plain = await invoke({ kind: 'raw', status: 200, body });
    const { response, pieces } = await streamed({ kind: 'raw', status: 200, body });
    assert.deepEqual(response, plain.response);
    assert.deepEqual(response.usage, { inputTokens: 1110, outputTokens: 4, totalTokens: 1114 });
    assert.deepEqual(pieces, ['Done ', 'with ', 'both.']);
  });

  it('streamed errors read like the service said them: HTTP before the stream, error events inside it', async () => {
    const unauthorized = await streamFailure({ kind: 'error', status: 401, message: 'invalid x-api-key' });
    assert.equal(unauthorized.message, 'Anthropic rejected the request (HTTP 401 authentication_error: invalid x-api-key); check ANTHROPIC_API_KEY');
    const overloaded = await streamFailure({ kind: 'streamError', status: 529, message: 'Overloaded' });
    assert.deepEqual([overloaded.type, overloaded.nonRetryable, overloaded.message], ['ModelServiceUnavailable', false, 'Anthropic failed (stream error overloaded_error: Overloaded)']);
    const limited = await streamFailure({ kind: 'streamError', status: 429, message: 'Number of request tokens has exceeded your rate limit' });
    assert.deepEqual([limited.type, limited.nonRetryable], ['ModelRateLimited', false]);
    const invalid = await streamFailure({ kind: 'streamError', status: 400, message: 'prompt is too long' });
    assert.deepEqual([invalid.type, invalid.nonRetryable, invalid.message], ['ModelBadRequest', true, 'Anthropic rejected the request (stream error invalid_request_error: prompt is too long)']);
  });

  it('reads ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY; without a key it fails at once and sends nothing', async () => {
    const fromEnv = new AnthropicProvider({}, { ANTHROPIC_BASE_URL: fake.baseURL, ANTHROPIC_API_KEY: 'sk-ant-env' });
    const { headers } = await invoke({ kind: 'text', text: 'env' }, hello, {}, fromEnv);
    assert.ok(headers['x-api-key'] === 'sk-ant-env' || headers.authorization === 'Bearer sk-ant-env');

    const keyless = new AnthropicProvider({}, { ANTHROPIC_BASE_URL: fake.baseURL });
    const before = fake.requests.length;
    const error = await keyless.invoke({ model: { provider: 'anthropic', modelId: 'x' }, system: '', messages: hello, tools: [] }).then(
      () => assert.fail('expected a failure'),
      (e: ApplicationFailure) => e,
    );
    assert.deepEqual([error.type, error.nonRetryable], ['ModelCredentialsMissing', true]);
    assert.match(error.message, /^ANTHROPIC_API_KEY is not set on the worker/);
    assert.equal(fake.requests.length, before);
  });
});
