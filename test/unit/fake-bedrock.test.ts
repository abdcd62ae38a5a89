import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type ConverseCommandInput,
  type ConverseStreamOutput,
  type Message,
  type ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FakeBedrock } from '../support/fake-bedrock.js';

const MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

const toolConfig: ToolConfiguration = {
  tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } } }],
};
const hello: Message[] = [{ role: 'user', content: [{ text: 'Hello' }] }];

describe('FakeBedrock', () => {
  let fake: FakeBedrock;
  let client: BedrockRuntimeClient;

  before(async () => {
    fake = await FakeBedrock.start();
    client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
  });
  after(async () => {
    client.destroy();
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.violations.length = 0;
    fake.setFallback(undefined);
    assert.equal(fake.remaining(), 0, 'a previous test left scripted replies');
  });

  const converse = (input: Partial<ConverseCommandInput> = {}) =>
    client.send(new ConverseCommand({ modelId: MODEL_ID, messages: hello, ...input }));

  it('round-trips a text reply and records the decoded model id', async () => {
    fake.script({ kind: 'text', text: 'Hi there' });
    const out = await converse();
    assert.deepEqual(out.output, { message: { role: 'assistant', content: [{ text: 'Hi there' }] } });
    assert.equal(out.stopReason, 'end_turn');
    assert.ok(out.usage && out.usage.inputTokens! >= 1 && out.usage.outputTokens! >= 1);
    assert.equal(out.usage.totalTokens, out.usage.inputTokens! + out.usage.outputTokens!);
    assert.match(out.$metadata.requestId ?? '', /^fake-req-/);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]?.modelId, MODEL_ID);
    assert.deepEqual(fake.requests[0]?.body.messages, hello);
    assert.match(String(fake.requests[0]?.headers.authorization), /^AWS4-HMAC-SHA256 /);
    assert.deepEqual(fake.violations, []);
  });

  it('returns parallel tool uses as two toolUse blocks in one message', async () => {
    fake.script({
      kind: 'toolUse',
      text: 'Checking both.',
      uses: [
        { name: 'get_weather', input: { city: 'Paris' } },
        { name: 'get_weather', input: { city: 'Oslo' }, toolUseId: 'tooluse_oslo' },
      ],
    });
    const out = await converse({ toolConfig });
    assert.equal(out.stopReason, 'tool_use');
    assert.deepEqual(out.output?.message?.content, [
      { text: 'Checking both.' },
      { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
      { toolUse: { toolUseId: 'tooluse_oslo', name: 'get_weather', input: { city: 'Oslo' } } },
    ]);
  });

  const errorCases = [
    { type: 'ThrottlingException', status: 429, cls: ThrottlingException },
    { type: 'ValidationException', status: 400, cls: ValidationException },
    { type: 'AccessDeniedException', status: 403, cls: AccessDeniedException },
    { type: 'ServiceUnavailableException', status: 503, cls: ServiceUnavailableException },
  ];
  for (const { type, status, cls } of errorCases) {
    it(`maps a scripted ${type} to the SDK exception class`, async () => {
      fake.script({ kind: 'error', type, status, message: `scripted ${type}` });
      await assert.rejects(converse(), (err: unknown) => {
        assert.ok(err instanceof cls, `expected ${type}, got ${String(err)}`);
        assert.equal(err.message, `scripted ${type}`);
        assert.equal(err.$metadata.httpStatusCode, status);
        return true;
      });
    });
  }

  it('rejects a toolUse without its toolResult and records a violation', async () => {
    fake.setFallback({ kind: 'text', text: 'unused' });
    const messages: Message[] = [
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: { city: 'Paris' } } }] },
      { role: 'user', content: [{ text: 'Never mind.' }] },
    ];
    await assert.rejects(converse({ messages, toolConfig }), (err: unknown) => {
      assert.ok(err instanceof ValidationException);
      assert.match(err.message, /Expected toolResult blocks at messages\.2\.content for the following Ids: tooluse_a/);
      return true;
    });
    assert.equal(fake.violations.length, 1);
    assert.match(fake.violations[0] ?? '', /tooluse_a/);
  });

  it('accepts a toolUse answered by its toolResult', async () => {
    fake.script({ kind: 'respond', fn: (req) => ({ kind: 'text', text: JSON.stringify(req.body.messages.at(-1).content[0].toolResult.content) }) });
    const messages: Message[] = [
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: { city: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_a', content: [{ json: { tempC: 21 } }] } }] },
    ];
    const out = await converse({ messages, toolConfig });
    assert.deepEqual(out.output?.message?.content, [{ text: '[{"json":{"tempC":21}}]' }]);
    assert.deepEqual(fake.violations, []);
  });

  it('rejects tool blocks without toolConfig', async () => {
    const messages: Message[] = [
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_a', content: [{ text: '21C' }] } }] },
    ];
    await assert.rejects(converse({ messages }), {
      name: 'ValidationException',
      message: 'The toolConfig field must be defined when using toolUse and toolResult content blocks.',
    });
    assert.equal(fake.violations.length, 1);
  });

  it('rejects temperature together with topP', async () => {
    await assert.rejects(converse({ inferenceConfig: { temperature: 0.5, topP: 0.9 } }), ValidationException);
    assert.equal(fake.violations.length, 1);
  });

  it('parses a raw {} reply into an output without `output`', async () => {
    fake.script({ kind: 'raw', status: 200, body: '{}' });
    const out = await converse();
    assert.equal(out.output, undefined);
    assert.equal(out.stopReason, undefined);
    assert.equal(out.$metadata.httpStatusCode, 200);
  });

  it('answers an unscripted call with a ValidationException and a violation', async () => {
    await assert.rejects(converse(), { name: 'ValidationException', message: 'fake bedrock: no scripted reply left' });
    assert.deepEqual(fake.violations, [`request #1 (${MODEL_ID}): unexpected model call`]);
  });

  it('prefers the per-model queue and delays replies', async () => {
    fake.script({ kind: 'text', text: 'shared' }).scriptFor('other-model', { kind: 'delay', ms: 50, then: { kind: 'text', text: 'per-model' } });
    const other = await converse({ modelId: 'other-model' });
    assert.equal(other.metrics?.latencyMs, 50);
    assert.deepEqual(other.output?.message?.content, [{ text: 'per-model' }]);
    assert.deepEqual((await converse()).output?.message?.content, [{ text: 'shared' }]);
    assert.equal(fake.remaining(), 0);
  });

  const converseStream = (input: Partial<ConverseCommandInput> = {}) =>
    client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: hello, ...input }));

  /** Every event of a ConverseStream call, without the SDK's `$unknown` members. */
  async function streamEvents(input: Partial<ConverseCommandInput> = {}): Promise<ConverseStreamOutput[]> {
    const out = await converseStream(input);
    const events: ConverseStreamOutput[] = [];
    for await (const event of out.stream ?? []) events.push(event);
    return events;
  }

  it('ConverseStream: the same scripted reply as event frames, text in pieces, toolUse opened by contentBlockStart', async () => {
    const reply = { kind: 'toolUse' as const, text: 'Checking both cities now.', uses: [{ name: 'get_weather', input: { city: 'Paris' }, toolUseId: 'tooluse_paris' }] };
    fake.script(reply, reply);
    const converseOut = await converse({ toolConfig });
    const events = await streamEvents({ toolConfig });
    const kinds = events.map((event) => Object.keys(event).find((key) => key !== '$unknown'));
    assert.deepEqual(kinds, [
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    assert.deepEqual(events[0], { messageStart: { role: 'assistant' } });
    const text = events.flatMap((event) => (event.contentBlockDelta?.contentBlockIndex === 0 ? [event.contentBlockDelta.delta?.text] : []));
    assert.deepEqual(text, ['Checking ', 'both ', 'cities ', 'now.']);
    assert.deepEqual(events[6], { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_paris', name: 'get_weather' } } } });
    const input = events.flatMap((event) => (event.contentBlockDelta?.contentBlockIndex === 1 ? [event.contentBlockDelta.delta?.toolUse?.input] : [])).join('');
    assert.deepEqual(JSON.parse(input), { city: 'Paris' });
    assert.deepEqual(events[11], { messageStop: { stopReason: 'tool_use' } });
    // The usage is the one Converse reported for the same reply and the same request.
    assert.deepEqual(events[12]?.metadata?.usage, converseOut.usage);
    const [plain, streamed] = fake.requests;
    assert.deepEqual([plain?.streamed, streamed?.streamed, streamed?.lastPieceSent], [false, true, true]);
    assert.ok(streamed!.piecesSent > 1);
    assert.match(String(streamed?.headers.authorization), /^AWS4-HMAC-SHA256 /);
    assert.deepEqual(fake.violations, []);
  });

  it('ConverseStream: the events arrive while the fake is still sending', async () => {
    fake.script({ kind: 'text', text: 'One two three four five six.' });
    const out = await converseStream();
    const lastSent: boolean[] = [];
    for await (const event of out.stream ?? []) if (event.contentBlockDelta) lastSent.push(fake.requests[0]!.lastPieceSent);
    assert.equal(lastSent[0], false);
    assert.equal(fake.requests[0]!.lastPieceSent, true);
  });

  const streamExceptions = [
    { type: 'ThrottlingException', status: 429, cls: ThrottlingException },
    { type: 'ModelStreamErrorException', status: 424, cls: ModelStreamErrorException },
    { type: 'ValidationException', status: 400, cls: ValidationException },
    { type: 'InternalServerException', status: 500, cls: InternalServerException },
    { type: 'ServiceUnavailableException', status: 503, cls: ServiceUnavailableException },
  ];
  for (const { type, status, cls } of streamExceptions) {
    it(`ConverseStream: a scripted ${type} inside the stream is an exception frame the SDK throws as ${type}; on Converse, HTTP ${status}`, async () => {
      const reply = { kind: 'streamError' as const, type, status, message: `scripted ${type}`, before: { kind: 'text' as const, text: 'Partial answer before it failed.' } };
      fake.script(reply, reply);
      const out = await converseStream();
      const seen: ConverseStreamOutput[] = [];
      await assert.rejects(
        (async () => {
          for await (const event of out.stream ?? []) seen.push(event);
        })(),
        (err: unknown) => {
          assert.ok(err instanceof cls, `expected ${type}, got ${String(err)}`);
          assert.equal(err.message, `scripted ${type}`);
          return true;
        },
      );
      assert.deepEqual(seen[0], { messageStart: { role: 'assistant' } });
      assert.ok(seen.some((event) => event.contentBlockDelta) && !seen.some((event) => event.messageStop), JSON.stringify(seen));
      await assert.rejects(converse(), (err: unknown) => err instanceof cls && err.$metadata.httpStatusCode === status);
    });
  }

  it('ConverseStream: a request the real service refuses gets its 400 before any stream', async () => {
    fake.setFallback({ kind: 'text', text: 'unused' });
    await assert.rejects(converseStream({ inferenceConfig: { temperature: 0.5, topP: 0.9 } }), ValidationException);
    assert.equal(fake.violations.length, 1);
    assert.equal(fake.requests[0]?.streamed, true);
  });

  it('answers unknown paths with 404 UnknownOperationException', async () => {
    const res = await fetch(`${fake.endpoint}/model/x/invoke`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.equal(fake.violations.length, 1);
  });
});
