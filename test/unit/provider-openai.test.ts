/** OpenAIProvider through the official `openai` client against the fake Chat Completions service. */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { ApplicationFailure } from '@temporalio/common';
import { UNPARSEABLE_ARGUMENTS, type Message, type ModelRequest } from '../../src/agent/types.js';
import { OpenAIProvider } from '../../src/models/openai.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import type { ScriptedTurn } from '../support/model-script.js';
import type { ScriptedModelServer, ServerTurn } from '../support/scripted-model-server.js';

const TOOLS: ModelRequest['tools'] = [
  { name: 'inspect_files', description: 'Inspect files', inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } } } },
  { name: 'delete_files', description: 'Delete files', inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } }, required: ['paths'] } },
];
const hello: Message[] = [{ role: 'user', content: [{ text: 'Delete a.txt' }] }];

describe('OpenAIProvider', () => {
  let fake: ScriptedModelServer;
  let provider: OpenAIProvider;
  let calls = 0;

  /** Scripts the turns for a fresh model id and calls the provider once per turn. */
  async function invoke(turn: ScriptedTurn, messages: Message[] = hello, extra: Partial<ModelRequest> = {}) {
    const modelId = `gpt-test-${++calls}`;
    fake.scriptFor(modelId, turn);
    const response = await provider.invoke({ model: { provider: 'openai', modelId }, system: 'Be careful.', messages, tools: TOOLS, ...extra });
    return { response, sent: fake.requests.at(-1)!.body };
  }

  async function failure(turn: ScriptedTurn, p: OpenAIProvider = provider): Promise<ApplicationFailure> {
    const modelId = `gpt-test-${++calls}`;
    fake.scriptFor(modelId, turn);
    return p.invoke({ model: { provider: 'openai', modelId }, system: '', messages: hello, tools: [] }).then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );
  }

  before(async () => {
    fake = await startFakeOpenAI();
    provider = new OpenAIProvider({ baseURL: fake.baseURL, apiKey: 'sk-test' });
  });
  afterEach(() => assert.deepEqual(fake.violations, []));
  after(async () => {
    assert.equal(fake.remaining(), 0);
    await fake.close();
  });

  it('sends the system prompt, the tools as functions and the key; no token limit unless asked', async () => {
    const { sent } = await invoke({ kind: 'text', text: 'ok' });
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Be careful.' },
      { role: 'user', content: 'Delete a.txt' },
    ]);
    assert.deepEqual(sent.tools[1], { type: 'function', function: { name: 'delete_files', description: 'Delete files', parameters: TOOLS[1]!.inputSchema } });
    assert.equal(sent.stream, undefined);
    assert.equal('max_tokens' in sent || 'max_completion_tokens' in sent, false);
    assert.equal(fake.requests.at(-1)!.headers.authorization, 'Bearer sk-test');
    const limited = await invoke({ kind: 'text', text: 'ok' }, hello, { maxTokens: 300 });
    assert.equal(limited.sent.max_completion_tokens, 300);
  });

  it('maps a conversation with tool calls and results, errors marked, text after the results', async () => {
    const messages: Message[] = [
      ...hello,
      {
        role: 'assistant',
        content: [
          { text: 'Checking first.' },
          { toolUse: { toolUseId: 'call_a', name: 'inspect_files', input: { paths: ['a.txt'] } } },
          { toolUse: { toolUseId: 'call_b', name: 'delete_files', input: { paths: ['a.txt'] } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_a', status: 'success', content: [{ json: { size: 1 } }, { text: 'exists' }] } },
          { toolResult: { toolUseId: 'call_b', status: 'error', content: [{ text: 'denied by alice: keep it' }] } },
          { text: 'Also, hurry.' },
        ],
      },
    ];
    const { sent } = await invoke({ kind: 'text', text: 'The delete was denied.' }, messages);
    assert.deepEqual(sent.messages.slice(2), [
      {
        role: 'assistant',
        content: 'Checking first.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'inspect_files', arguments: '{"paths":["a.txt"]}' } },
          { id: 'call_b', type: 'function', function: { name: 'delete_files', arguments: '{"paths":["a.txt"]}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"size":1}\nexists' },
      { role: 'tool', tool_call_id: 'call_b', content: 'Error: denied by alice: keep it' },
      { role: 'user', content: 'Also, hurry.' },
    ]);
  });

  it('an assistant turn with only tool calls has null content; unparseable arguments go back verbatim', async () => {
    const messages: Message[] = [
      ...hello,
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_0', name: 'delete_files', input: { [UNPARSEABLE_ARGUMENTS]: '{"paths": [a.txt' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'call_0', status: 'error', content: [{ text: 'arguments are not JSON' }] } }] },
    ];
    const { sent } = await invoke({ kind: 'text', text: 'sorry' }, messages);
    assert.deepEqual(sent.messages[2], {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'delete_files', arguments: '{"paths": [a.txt' } }],
    });
  });

  it('several tool calls in one turn; missing and empty ids get call_<index>', async () => {
    const { response } = await invoke({
      kind: 'toolUse',
      uses: [
        { name: 'inspect_files', input: { paths: ['a.txt'] }, id: null },
        { name: 'delete_files', input: { paths: ['a.txt'] }, id: '' },
        { name: 'delete_files', input: { paths: ['b.txt'] }, id: 'call_xyz' },
      ],
    });
    assert.equal(response.stopReason, 'tool_use');
    assert.deepEqual(
      response.message.content.map((block) => ('toolUse' in block ? block.toolUse.toolUseId : 'text')),
      ['call_0', 'call_1', 'call_xyz'],
    );
  });

  it('arguments that are not JSON become the unparseable marker; empty arguments mean none', async () => {
    const { response } = await invoke({
      kind: 'toolUse',
      uses: [
        { name: 'delete_files', input: null, rawArguments: '{"paths": ["a.txt"' },
        { name: 'inspect_files', input: null, rawArguments: '' },
      ],
    });
    assert.deepEqual(
      response.message.content.map((block) => ('toolUse' in block ? [block.toolUse.name, block.toolUse.input] : block)),
      [
        ['delete_files', { [UNPARSEABLE_ARGUMENTS]: '{"paths": ["a.txt"' }],
        ['inspect_files', {}],
      ],
    );
  });

  it('finish reasons: stop with tool calls is tool_use (local servers), unknown ones pass through', async () => {
    const stopWithCalls = await invoke({
      kind: 'raw',
      status: 200,
      body: completion({ content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'delete_files', arguments: '{"paths":["a.txt"]}' } }] }, 'stop'),
    });
    assert.equal(stopWithCalls.response.stopReason, 'tool_use');
    assert.deepEqual(stopWithCalls.response.message.content, [{ toolUse: { toolUseId: 'call_0', name: 'delete_files', input: { paths: ['a.txt'] } } }]);
    const other = await invoke({ kind: 'text', text: 'hm', stopReason: 'function_call' });
    assert.equal(other.response.stopReason, 'function_call');
  });

  it('a refusal is the text; usage counts prompt and completion tokens, and is zero when a server omits it', async () => {
    const refused = await invoke({ kind: 'raw', status: 200, body: completion({ content: null, refusal: 'I cannot help with that.' }, 'stop') });
    assert.deepEqual(refused.response.message.content, [{ text: 'I cannot help with that.' }]);
    assert.deepEqual(refused.response.usage, { inputTokens: 12, outputTokens: 5, totalTokens: 17 });
    const noUsage = await invoke({ kind: 'raw', status: 200, body: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }) });
    assert.deepEqual(noUsage.response.usage, { inputTokens: 0, outputTokens: 0, totalTokens: 0 });
  });

  it('an empty message or no choices is a malformed response', async () => {
    for (const body of [completion({ content: '' }, 'stop'), JSON.stringify({ choices: [], usage: null })]) {
      const error = await failure({ kind: 'raw', status: 200, body });
      assert.equal(error.type, 'MalformedModelResponse');
      assert.equal(error.nonRetryable, true);
      assert.match(error.message, /^OpenAI returned a malformed response: .*(empty message|no choices)/);
    }
  });

  it('HTTP errors read like the service said them', async () => {
    const unauthorized = await failure({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-test.' });
    assert.equal(unauthorized.type, 'ModelAuthenticationFailed');
    assert.equal(unauthorized.message, 'OpenAI rejected the request (HTTP 401 invalid_api_key: Incorrect API key provided: sk-test.); check OPENAI_API_KEY');
    const unprocessable = await failure({ kind: 'error', status: 422, message: 'bad tool schema' });
    assert.deepEqual([unprocessable.type, unprocessable.nonRetryable], ['ModelUnprocessableRequest', true]);
    const tooLarge = await failure({ kind: 'error', status: 413, message: 'too large' });
    assert.deepEqual([tooLarge.type, tooLarge.nonRetryable], ['ModelRequestRejected', true]);
    const limited = await failure({ kind: 'error', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '7' } });
    assert.deepEqual([limited.type, limited.nonRetryable, limited.nextRetryDelay], ['ModelRateLimited', false, 7000]);
    assert.equal(limited.message, 'OpenAI rate limited the request (HTTP 429 rate_limit_exceeded: Rate limit reached)');
  });

  it('a timeout and a server that is not there are retried, naming the base URL', async () => {
    const impatient = new OpenAIProvider({ baseURL: fake.baseURL, apiKey: 'sk-test', timeoutMs: 100 });
    const timedOut = await failure({ kind: 'delay', ms: 2000, then: { kind: 'text', text: 'late' } }, impatient);
    assert.deepEqual([timedOut.type, timedOut.nonRetryable, timedOut.message], ['ModelTimeout', false, 'OpenAI did not answer within 100 ms']);

    const closedPort = await unusedPort();
    const nowhere = new OpenAIProvider({ baseURL: `http://127.0.0.1:${closedPort}/v1`, apiKey: 'sk-test' });
    const refused = await nowhere.invoke({ model: { provider: 'openai', modelId: 'x' }, system: '', messages: hello, tools: [] }).then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );
    assert.equal(refused.type, 'ModelConnectionFailed');
    assert.equal(refused.nonRetryable, false);
    assert.match(refused.message, new RegExp(`^could not reach OpenAI at http://127.0.0.1:${closedPort}/v1: .*ECONNREFUSED`));
  });

  it('reads OPENAI_BASE_URL and OPENAI_API_KEY; constructor options win', async () => {
    const fromEnv = new OpenAIProvider({}, { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-env' });
    const { response } = await invokeWith(fromEnv, { kind: 'text', text: 'env' });
    assert.deepEqual(response.message.content, [{ text: 'env' }]);
    assert.equal(fake.requests.at(-1)!.headers.authorization, 'Bearer sk-env');
    const overridden = new OpenAIProvider({ apiKey: 'sk-option' }, { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-env' });
    await invokeWith(overridden, { kind: 'text', text: 'option' });
    assert.equal(fake.requests.at(-1)!.headers.authorization, 'Bearer sk-option');
  });

  it('without a key the call fails at once, non-retryable, naming OPENAI_API_KEY, and sends nothing', async () => {
    const keyless = new OpenAIProvider({}, { OPENAI_BASE_URL: fake.baseURL });
    const before = fake.requests.length;
    const error = await keyless.invoke({ model: { provider: 'openai', modelId: 'x' }, system: '', messages: hello, tools: [] }).then(
      () => assert.fail('expected a failure'),
      (e: ApplicationFailure) => e,
    );
    assert.deepEqual([error.type, error.nonRetryable], ['ModelCredentialsMissing', true]);
    assert.match(error.message, /^OPENAI_API_KEY is not set on the worker/);
    assert.equal(fake.requests.length, before);
  });

  /** A streamed call: the response, the text pieces, and what was sent. */
  async function streamed(turn: ServerTurn, extra: Partial<ModelRequest> = {}) {
    const modelId = `gpt-test-${++calls}`;
    fake.scriptFor(modelId, turn);
    const pieces: string[] = [];
    const response = await provider.invoke({ model: { provider: 'openai', modelId }, system: 'Be careful.', messages: hello, tools: TOOLS, ...extra }, { onText: (delta) => pieces.push(delta) });
    return { response, pieces, sent: fake.requests.at(-1)!.body };
  }

  const streamFailure = (turn: ServerTurn): Promise<ApplicationFailure> =>
    streamed(turn).then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );

  it('streams when given onText: stream with the usage chunk asked for, the request otherwise the same', async () => {
    const plain = await invoke({ kind: 'text', text: 'ok' }, hello, { maxTokens: 300 });
    const { sent } = await streamed({ kind: 'text', text: 'ok' }, { maxTokens: 300 });
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.stream_options, { include_usage: true });
    const { stream, stream_options, ...rest } = sent;
    assert.deepEqual(rest, { ...plain.sent, model: sent.model });
    assert.equal(fake.requests.at(-1)!.streamed, true);
  });

  it('streamed: tool-call deltas by index; missing and empty ids get call_<index>; unparseable arguments are marked, empty ones mean none', async () => {
    const { response, pieces } = await streamed({
      kind: 'toolUse',
      text: 'Looking.',
      uses: [
        { name: 'inspect_files', input: { paths: ['a.txt'] }, id: null },
        { name: 'delete_files', input: null, rawArguments: '{"paths": ["a.txt"', id: '' },
        { name: 'inspect_files', input: null, rawArguments: '', id: 'call_xyz' },
      ],
    });
    assert.deepEqual(pieces, ['Looking.']);
    assert.equal(response.stopReason, 'tool_use');
    assert.deepEqual(response.message.content, [
      { text: 'Looking.' },
      { toolUse: { toolUseId: 'call_0', name: 'inspect_files', input: { paths: ['a.txt'] } } },
      { toolUse: { toolUseId: 'call_1', name: 'delete_files', input: { [UNPARSEABLE_ARGUMENTS]: '{"paths": ["a.txt"' } } },
      { toolUse: { toolUseId: 'call_xyz', name: 'inspect_files', input: {} } },
    ]);
  });

  it('streamed: a local server that says stop although it called tools; calls interleaved by index; no usage chunk means zero usage', async () => {
    const { response, pieces } = await streamed({
      kind: 'raw',
      status: 200,
      contentType: 'text/event-stream',
      body: sse(
        chunk({ role: 'assistant', content: 'Two ' }),
        chunk({ content: 'calls.' }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'delete_files', arguments: '{"paths":' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'inspect_files', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '["b.txt"]}' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"paths":["a.txt"]}' } }] }),
        chunk({}, 'stop'),
      ),
    });
    assert.deepEqual(pieces, ['Two ', 'calls.']);
    assert.equal(response.stopReason, 'tool_use');
    assert.deepEqual(response.message.content, [
      { text: 'Two calls.' },
      { toolUse: { toolUseId: 'call_a', name: 'inspect_files', input: { paths: ['a.txt'] } } },
      { toolUse: { toolUseId: 'call_b', name: 'delete_files', input: { paths: ['b.txt'] } } },
    ]);
    assert.deepEqual(response.usage, { inputTokens: 0, outputTokens: 0, totalTokens: 0 });
  });

  it('streamed: tool-call deltas without an index (some local servers): a new id opens the next call', async () => {
    const { response } = await streamed({
      kind: 'raw',
      status: 200,
      contentType: 'text/event-stream',
      body: sse(
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'inspect_files', arguments: '{"paths":' } }] }),
        chunk({ tool_calls: [{ function: { arguments: '["a.txt"]}' } }] }),
        chunk({ tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'delete_files', arguments: '{"paths":["a.txt"]}' } }] }),
        chunk({}, 'tool_calls'),
      ),
    });
    assert.deepEqual(response.message.content, [
      { toolUse: { toolUseId: 'call_1', name: 'inspect_files', input: { paths: ['a.txt'] } } },
      { toolUse: { toolUseId: 'call_2', name: 'delete_files', input: { paths: ['a.txt'] } } },
    ]);
  });

  it('streamed: a refusal is the text; the usage chunk counts', async () => {
    const { response, pieces } = await streamed({
      kind: 'raw',
      status: 200,
      contentType: 'text/event-stream',
      body: sse(chunk({ role: 'assistant', content: null, refusal: 'I cannot ' }), chunk({ refusal: 'help with that.' }), chunk({}, 'stop'), { choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } }),
    });
    assert.deepEqual(pieces, ['I cannot ', 'help with that.']);
    assert.deepEqual(response, { message: { role: 'assistant', content: [{ text: 'I cannot help with that.' }] }, stopReason: 'end_turn', usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 } });
  });

  it('streamed: a stream that ends before its finish reason, one without chunks, an empty message: malformed, as without streaming', async () => {
    const short = await streamFailure({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: sse(chunk({ role: 'assistant', content: 'Half an ans' })) });
    assert.deepEqual([short.type, short.nonRetryable, short.message], ['MalformedModelResponse', true, 'OpenAI returned a malformed response: the stream ended before a finish_reason']);
    for (const body of [': keep-alive\n\n', sse(chunk({ role: 'assistant', content: '' }), chunk({}, 'stop'))]) {
      const error = await streamFailure({ kind: 'raw', status: 200, contentType: 'text/event-stream', body });
      assert.deepEqual([error.type, error.nonRetryable], ['MalformedModelResponse', true]);
      assert.match(error.message, /^OpenAI returned a malformed response: .*(choices|empty message)/);
    }
  });

  it('streamed: a completion written by hand (raw JSON) is streamed as the same completion', async () => {
    const body = completion({ content: 'Written by hand.', tool_calls: [{ id: 'call_h', type: 'function', function: { name: 'delete_files', arguments: '{"paths":["a.txt"]}' } }] }, 'stop');
    const plain = await invoke({ kind: 'raw', status: 200, body });
    const { response, pieces } = await streamed({ kind: 'raw', status: 200, body });
    assert.deepEqual(response, plain.response);
    assert.deepEqual(response.usage, { inputTokens: 12, outputTokens: 5, totalTokens: 17 });
    assert.deepEqual(pieces, ['Written ', 'by ', 'hand.']);
  });

  it('streamed errors read like the service said them: HTTP before the stream, error chunks inside it', async () => {
    const unauthorized = await streamFailure({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-test.' });
    assert.deepEqual([unauthorized.type, unauthorized.message], ['ModelAuthenticationFailed', 'OpenAI rejected the request (HTTP 401 invalid_api_key: Incorrect API key provided: sk-test.); check OPENAI_API_KEY']);
    const serverError = await streamFailure({ kind: 'streamError', status: 500, message: 'The server had an error while processing your request.' });
    assert.deepEqual([serverError.type, serverError.nonRetryable], ['ModelServiceUnavailable', false]);
    assert.equal(serverError.message, 'OpenAI failed (stream error server_error: The server had an error while processing your request.)');
    const limited = await streamFailure({ kind: 'streamError', status: 429, message: 'Rate limit reached' });
    assert.deepEqual([limited.type, limited.nonRetryable, limited.message], ['ModelRateLimited', false, 'OpenAI rate limited the request (stream error rate_limit_exceeded: Rate limit reached)']);
    const invalid = await streamFailure({ kind: 'streamError', status: 400, code: 'invalid_prompt', message: 'Invalid prompt' });
    assert.deepEqual([invalid.type, invalid.nonRetryable], ['ModelBadRequest', true]);
  });

  it('streamed: a timeout before the first chunk is retried', async () => {
    const impatient = new OpenAIProvider({ baseURL: fake.baseURL, apiKey: 'sk-test', timeoutMs: 100 });
    const modelId = `gpt-test-${++calls}`;
    fake.scriptFor(modelId, { kind: 'delay', ms: 2000, then: { kind: 'text', text: 'late' } });
    const timedOut = await impatient.invoke({ model: { provider: 'openai', modelId }, system: '', messages: hello, tools: [] }, { onText: () => assert.fail('no text expected') }).then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );
    assert.deepEqual([timedOut.type, timedOut.nonRetryable, timedOut.message], ['ModelTimeout', false, 'OpenAI did not answer within 100 ms']);
  });

  async function invokeWith(p: OpenAIProvider, turn: ScriptedTurn) {
    const modelId = `gpt-test-${++calls}`;
    fake.scriptFor(modelId, turn);
    return { response: await p.invoke({ model: { provider: 'openai', modelId }, system: '', messages: hello, tools: [] }) };
  }
});

/** A `chat.completion.chunk` with one choice. */
function chunk(delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> {
  return { id: 'chatcmpl-raw', object: 'chat.completion.chunk', created: 1, model: 'raw', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

/** Chunks as the body of a streamed response, `data: [DONE]` last. */
function sse(...chunks: Array<Record<string, unknown>>): string {
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}

function completion(message: Record<string, unknown>, finishReason: string): string {
  return JSON.stringify({
    id: 'chatcmpl-raw',
    object: 'chat.completion',
    created: 1,
    model: 'raw',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }],
    usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
  });
}

/** A port nothing listens on: bound, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
