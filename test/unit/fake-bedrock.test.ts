import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type ConverseCommandInput,
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

  it('answers unknown paths with 404 UnknownOperationException', async () => {
    const res = await fetch(`${fake.endpoint}/model/x/invoke`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.equal(fake.violations.length, 1);
  });
});
