/**
 * BedrockProvider streaming (ConverseStream) through the AWS SDK against FakeBedrock: the same
 * request on the stream path, the events put back together as the Converse response, and the
 * stream's exception events classified as the same exceptions on Converse.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplicationFailure } from '@temporalio/common';
import { UNPARSEABLE_ARGUMENTS, type ModelRequest } from '../../src/agent/types.js';
import { BedrockProvider } from '../../src/models/bedrock.js';
import { PERMANENT_MODEL_ERRORS } from '../../src/models/errors.js';
import { eventFrame, exceptionFrame, FakeBedrock, type ScriptedReply } from '../support/fake-bedrock.js';

const TOOLS: ModelRequest['tools'] = [{ name: 'delete_files', description: 'Delete files', inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } } } }];

describe('BedrockProvider streaming', () => {
  let fake: FakeBedrock;
  let provider: BedrockProvider;
  let calls = 0;

  const request = (modelId: string): ModelRequest => ({
    model: { provider: 'bedrock', modelId },
    system: 'Be careful.',
    messages: [{ role: 'user', content: [{ text: 'Delete a.txt' }] }],
    tools: TOOLS,
    maxTokens: 500,
  });
  const play = (...replies: ScriptedReply[]): string => {
    const modelId = `bedrock-test-${++calls}`;
    fake.scriptFor(modelId, ...replies);
    return modelId;
  };
  const streamed = (modelId: string, pieces: string[] = []) => provider.invoke(request(modelId), { onText: (delta) => pieces.push(delta) });
  const failure = (promise: Promise<unknown>): Promise<ApplicationFailure> =>
    promise.then(
      () => assert.fail('expected a failure'),
      (error: ApplicationFailure) => error,
    );
  /** Frames as one raw event-stream body. */
  const frames = (...list: Uint8Array[]): ScriptedReply => ({ kind: 'raw', status: 200, body: Buffer.concat(list), contentType: 'application/vnd.amazon.eventstream' });

  before(async () => {
    fake = await FakeBedrock.start();
    provider = new BedrockProvider({ endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  afterEach(() => assert.deepEqual(fake.violations, []));
  after(async () => {
    assert.equal(fake.remaining(), 0);
    await fake.close();
  });

  it('sends the Converse request to converse-stream, signed, through the same client', async () => {
    const model = play({ kind: 'text', text: 'ok' }, { kind: 'text', text: 'ok' });
    await provider.invoke(request(model));
    await streamed(model);
    const [plain, stream] = fake.requests.filter((r) => r.modelId === model);
    assert.deepEqual([plain!.streamed, stream!.streamed], [false, true]);
    assert.deepEqual(stream!.body, plain!.body);
    assert.equal(stream!.body.inferenceConfig.maxTokens, 500);
    assert.match(String(stream!.headers.authorization), /^AWS4-HMAC-SHA256 .*\/bedrock\/aws4_request/);
  });

  const exceptions: Array<[string, number]> = [
    ['ThrottlingException', 429],
    ['ModelStreamErrorException', 424],
    ['ValidationException', 400],
    ['InternalServerException', 500],
    ['ServiceUnavailableException', 503],
  ];
  for (const [type, status] of exceptions) {
    it(`a ${type} event inside the stream is classified as the same exception on Converse`, async () => {
      const reply: ScriptedReply = { kind: 'streamError', type, status, message: `scripted ${type}`, before: { kind: 'text', text: 'Partial answer, then trouble.' } };
      const model = play(reply, reply);
      const onConverse = await failure(provider.invoke(request(model)));
      const pieces: string[] = [];
      const inStream = await failure(streamed(model, pieces));
      assert.ok(pieces.length > 0, 'text came before the exception');
      assert.deepEqual([inStream.type, inStream.nonRetryable], [onConverse.type, onConverse.nonRetryable]);
      assert.equal(inStream.type, type);
      assert.equal(inStream.nonRetryable, PERMANENT_MODEL_ERRORS.includes(type));
      assert.equal(inStream.message, `scripted ${type}`);
    });
  }

  it('ValidationException ends the run at once; throttling is retried', async () => {
    const validation = await failure(streamed(play({ kind: 'streamError', type: 'ValidationException', status: 400, pieces: 0 })));
    assert.equal(validation.nonRetryable, true);
    const throttled = await failure(streamed(play({ kind: 'streamError', type: 'ThrottlingException', status: 429, pieces: 0 })));
    assert.equal(throttled.nonRetryable, false);
  });

  it('toolUse input from its fragments; none means {}; unparseable input is marked for the loop to refuse', async () => {
    const pieces: string[] = [];
    const response = await streamed(
      play(
        frames(
          eventFrame('messageStart', { role: 'assistant' }),
          eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Two ' } }),
          eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'calls.' } }),
          eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
          eventFrame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_a', name: 'delete_files' } } }),
          eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"paths": ["a' } } }),
          eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
          eventFrame('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_b', name: 'delete_files' } } }),
          eventFrame('contentBlockStop', { contentBlockIndex: 2 }),
          eventFrame('messageStop', { stopReason: 'tool_use' }),
          eventFrame('metadata', { usage: { inputTokens: 9, outputTokens: 3, totalTokens: 12 }, metrics: { latencyMs: 5 } }),
        ),
      ),
      pieces,
    );
    assert.deepEqual(pieces, ['Two ', 'calls.']);
    assert.deepEqual(response, {
      message: {
        role: 'assistant',
        content: [
          { text: 'Two calls.' },
          { toolUse: { toolUseId: 'tooluse_a', name: 'delete_files', input: { [UNPARSEABLE_ARGUMENTS]: '{"paths": ["a' } } },
          { toolUse: { toolUseId: 'tooluse_b', name: 'delete_files', input: {} } },
        ],
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 9, outputTokens: 3, totalTokens: 12 },
    });
  });

  it('a stream that ends before messageStop, without metadata, or without events: malformed, as without streaming', async () => {
    const start = eventFrame('messageStart', { role: 'assistant' });
    const text = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Half' } });
    const noStop = await failure(streamed(play(frames(start, text))));
    assert.deepEqual([noStop.type, noStop.nonRetryable, noStop.message], ['MalformedModelResponse', true, 'Bedrock returned a malformed response: the stream ended before messageStop']);
    const noMetadata = await failure(streamed(play(frames(start, text, eventFrame('messageStop', { stopReason: 'end_turn' })))));
    assert.deepEqual([noMetadata.type, noMetadata.nonRetryable], ['MalformedModelResponse', true]);
    assert.match(noMetadata.message, /usage/);
    const empty = await failure(streamed(play(frames())));
    assert.deepEqual([empty.type, empty.nonRetryable], ['MalformedModelResponse', true]);
    assert.match(empty.message, /^Bedrock returned a malformed response: message: /);
  });

  it('a Converse response written by hand (raw JSON) is streamed as the same response', async () => {
    const bodies = [
      { output: { message: { role: 'assistant', content: [{ text: 'x y z' }] } }, stopReason: 'future_reason', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } },
      { output: { message: { role: 'assistant', content: [] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 } },
      {},
    ];
    for (const body of bodies) {
      const reply: ScriptedReply = { kind: 'raw', status: 200, body: JSON.stringify(body) };
      const model = play(reply, reply);
      const outcome = (promise: Promise<unknown>) => promise.then((response) => ({ response }), (error: ApplicationFailure) => ({ error: [error.type, error.nonRetryable, error.message] }));
      const plain = await outcome(provider.invoke(request(model)));
      assert.deepEqual(await outcome(streamed(model)), plain);
    }
  });

  it('an exception frame made by hand reads the same as a scripted one', async () => {
    const error = await failure(streamed(play(frames(eventFrame('messageStart', { role: 'assistant' }), exceptionFrame('ModelStreamErrorException', 'the model stopped')))));
    assert.deepEqual([error.type, error.nonRetryable, error.message], ['ModelStreamErrorException', false, 'the model stopped']);
  });
});
