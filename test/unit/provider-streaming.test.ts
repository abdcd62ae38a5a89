/**
 * Every provider streams when given `onText`: through its vendor's official client against its
 * fake service, which sends the answer in pieces in the real wire format. The same scripted turn
 * gives the same ModelResponse streamed or not, the text arrives in pieces while the fake is still
 * sending, and errors (before the stream or inside it) are classified as without streaming.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../../src/agent/types.js';
import { PERMANENT_MODEL_ERRORS } from '../../src/models/errors.js';
import { PROVIDER_NAMES, startFakeModelService, type FakeModelService } from '../support/fake-model-services.js';
import type { ServerTurn } from '../support/scripted-model-server.js';

const request = (modelId: string): ModelRequest => ({
  model: { provider: 'under-test', modelId },
  system: 'You manage files.',
  messages: [{ role: 'user', content: [{ text: 'Delete a.txt and b.txt' }] }],
  tools: [{ name: 'delete_files', description: 'Delete files', inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } } } }],
});

const TEXT = 'I will delete both files, a.txt first and then b.txt, if you agree.';

/** Scripted turns whose answer must come out the same streamed or not (ids given: fresh ones would differ). */
const SAME_ANSWERS: Array<[string, ServerTurn]> = [
  ['a text reply (usage estimated by the fake)', { kind: 'text', text: TEXT }],
  ['a text reply with its token usage and stop reason', { kind: 'text', text: 'Cut short here', stopReason: 'max_tokens', usage: { inputTokens: 21, outputTokens: 4 } }],
  [
    'tool uses with arguments',
    {
      kind: 'toolUse',
      uses: [
        { name: 'delete_files', input: { paths: ['a.txt', 'dir/b.txt'], force: false, note: 'quote " and brace }' }, id: 'first_1' },
        { name: 'delete_files', input: {}, id: 'second_2' },
      ],
    },
  ],
  ['text and tool uses', { kind: 'toolUse', text: TEXT, uses: [{ name: 'delete_files', input: { paths: ['a.txt'] }, id: 'only_1' }], usage: { inputTokens: 30, outputTokens: 12 } }],
];

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof ApplicationFailure, String(error));
  return error;
}

for (const name of PROVIDER_NAMES) {
  describe(`${name} provider streaming`, () => {
    let service: FakeModelService;
    let calls = 0;
    const play = (...turns: ServerTurn[]): string => {
      const model = `stream-model-${++calls}`;
      service.scriptFor(model, ...turns);
      return model;
    };
    /** A streamed call: its response, the pieces of text in order, and whether the fake had sent its last piece when the first arrived. */
    async function streamed(model: string) {
      const pieces: string[] = [];
      let lastSentAtFirstPiece: boolean | undefined;
      const response = await service.provider.invoke(request(model), {
        onText(delta) {
          if (pieces.length === 0) lastSentAtFirstPiece = service.requests().at(-1)!.lastPieceSent;
          pieces.push(delta);
        },
      });
      return { response, pieces, lastSentAtFirstPiece };
    }

    before(async () => {
      service = await startFakeModelService(name);
    });
    afterEach(() => assert.deepEqual(service.violations(), []));
    after(async () => {
      assert.equal(service.remaining(), 0);
      await service.close();
    });

    for (const [what, turn] of SAME_ANSWERS) {
      it(`${what}: the same response streamed as not`, async () => {
        const model = play(turn, turn);
        const buffered: ModelResponse = await service.provider.invoke(request(model));
        const { response, pieces } = await streamed(model);
        assert.deepEqual(response, buffered);
        const [plain, stream] = service.requests().filter((r) => r.model === model);
        assert.deepEqual([plain!.streamed, stream!.streamed], [false, true]);
        assert.equal(pieces.join(''), 'text' in turn && turn.text !== undefined ? turn.text : '');
      });
    }

    it('the text arrives in several pieces, in order, while the fake is still sending', async () => {
      const { response, pieces, lastSentAtFirstPiece } = await streamed(play({ kind: 'text', text: TEXT }));
      assert.ok(pieces.length > 1, `pieces: ${JSON.stringify(pieces)}`);
      assert.equal(pieces.join(''), TEXT);
      assert.deepEqual(response.message.content, [{ text: TEXT }]);
      assert.equal(lastSentAtFirstPiece, false, 'the first piece arrived only after the fake had sent its last one');
      const record = service.requests().at(-1)!;
      assert.equal(record.lastPieceSent, true);
      assert.ok(record.piecesSent > pieces.length, `${record.piecesSent} pieces sent`);
    });

    it('a reply of tool uses only streams no text', async () => {
      const { response, pieces } = await streamed(play({ kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['a.txt'] }, id: 'call_x' }] }));
      assert.deepEqual(pieces, []);
      assert.deepEqual(response.message.content, [{ toolUse: { toolUseId: 'call_x', name: 'delete_files', input: { paths: ['a.txt'] } } }]);
      assert.equal(response.stopReason, 'tool_use');
    });

    const beforeStream: Array<[string, ServerTurn]> = [
      ['HTTP 429', { kind: 'error', status: 429, message: 'slow down' }],
      ['HTTP 503', { kind: 'error', status: 503, message: 'try later' }],
      ['HTTP 400', { kind: 'error', status: 400, message: 'messages: bad shape' }],
      ['HTTP 401', { kind: 'error', status: 401, message: 'invalid key' }],
      ['HTTP 404', { kind: 'error', status: 404, message: 'no such model' }],
    ];
    for (const [what, turn] of beforeStream) {
      it(`${what} before the stream is classified as without streaming`, async () => {
        const model = play(turn, turn);
        const buffered = await failureOf(service.provider.invoke(request(model)));
        const stream = await failureOf(service.provider.invoke(request(model), { onText: () => assert.fail('no text expected') }));
        assert.deepEqual([stream.type, stream.nonRetryable, stream.message], [buffered.type, buffered.nonRetryable, buffered.message]);
        assert.equal(service.requests().at(-1)!.streamed, true);
      });
    }

    const insideStream: Array<[string, number, boolean]> = [
      ['overloaded (529)', 529, false],
      ['unavailable (503)', 503, false],
      ['server error (500)', 500, false],
      ['rate limited (429)', 429, false],
      ['invalid request (400)', 400, true],
    ];
    for (const [what, status, permanent] of insideStream) {
      it(`an error event inside the stream, ${what}, is classified as the same error before it`, async () => {
        const turn: ServerTurn = { kind: 'streamError', status, message: `scripted ${status}`, before: { kind: 'text', text: TEXT } };
        const model = play(turn, turn);
        const buffered = await failureOf(service.provider.invoke(request(model)));
        const pieces: string[] = [];
        const stream = await failureOf(service.provider.invoke(request(model), { onText: (delta) => pieces.push(delta) }));
        assert.ok(pieces.length > 0 && TEXT.startsWith(pieces.join('')) && pieces.join('') !== TEXT, `text before the error: ${JSON.stringify(pieces)}`);
        assert.deepEqual([stream.type, stream.nonRetryable], [buffered.type, buffered.nonRetryable]);
        assert.equal(stream.nonRetryable, permanent, stream.message);
        assert.equal(PERMANENT_MODEL_ERRORS.includes(stream.type ?? ''), permanent, String(stream.type));
        assert.match(stream.message, new RegExp(`scripted ${status}`));
        assert.doesNotMatch(stream.message, /\n/);
      });
    }

    it('an error event as the first thing in the stream fails the call the same way', async () => {
      const stream = await failureOf(service.provider.invoke(request(play({ kind: 'streamError', status: 529, pieces: 0 })), { onText: () => assert.fail('no text expected') }));
      assert.equal(stream.nonRetryable, false, stream.message);
    });

    if (name !== 'bedrock') {
      it('a connection dropped before the stream is retried', async () => {
        const failure = await failureOf(service.provider.invoke(request(play({ kind: 'drop' })), { onText: () => {} }));
        assert.equal(failure.nonRetryable, false, failure.message);
      });
    }

    it('a connection cut in the middle of the stream is retried, as one cut before any answer', async () => {
      const turn: ServerTurn = { kind: 'cut', before: { kind: 'text', text: TEXT } };
      const model = play(turn, turn);
      const buffered = await failureOf(service.provider.invoke(request(model)));
      const pieces: string[] = [];
      const stream = await failureOf(service.provider.invoke(request(model), { onText: (delta) => pieces.push(delta) }));
      assert.ok(pieces.length > 0 && pieces.join('') !== TEXT, `text before the cut: ${JSON.stringify(pieces)}`);
      assert.deepEqual([stream.nonRetryable, buffered.nonRetryable], [false, false], `${stream.message} / ${buffered.message}`);
      assert.ok(!PERMANENT_MODEL_ERRORS.includes(stream.type ?? ''), String(stream.type));
    });

    it('an empty JSON object fails at once, malformed, streamed as not', async () => {
      const turn: ServerTurn = { kind: 'raw', status: 200, body: '{}' };
      const model = play(turn, turn);
      const buffered = await failureOf(service.provider.invoke(request(model)));
      const stream = await failureOf(service.provider.invoke(request(model), { onText: () => assert.fail('no text expected') }));
      assert.deepEqual([stream.type, stream.nonRetryable], [buffered.type, buffered.nonRetryable]);
      assert.equal(stream.type, 'MalformedModelResponse');
      assert.match(stream.message, /^(OpenAI|Anthropic|Bedrock) returned a malformed response: /);
    });

    it('an error thrown by onText is passed on as it was, and the stream is given up', async () => {
      const mine = new RangeError('the caller stopped listening');
      const error = await service.provider.invoke(request(play({ kind: 'text', text: TEXT })), { onText: () => { throw mine; } }).then(
        () => assert.fail('expected the call to fail'),
        (err: unknown) => err,
      );
      assert.equal(error, mine);
    });

    it('a stream that stalls past the request timeout fails the call, to be retried', async () => {
      const impatient = await startFakeModelService(name, { timeoutMs: 300, pieceDelayMs: 10_000 });
      try {
        impatient.scriptFor('stalled', { kind: 'text', text: TEXT });
        const pieces: string[] = [];
        const failure = await failureOf(impatient.provider.invoke(request('stalled'), { onText: (delta) => pieces.push(delta) }));
        assert.equal(failure.nonRetryable, false, failure.message);
        assert.equal(impatient.requests()[0]!.lastPieceSent, false);
        // The first piece came, the second was 10 s away.
        assert.equal(pieces.length, 1);
        assert.ok(TEXT.startsWith(pieces[0]!) && pieces[0] !== TEXT);
        assert.equal(failure.type, 'ModelTimeout');
        assert.match(failure.message, /^(OpenAI|Anthropic|Bedrock) did not finish streaming its answer within 300 ms$/);
      } finally {
        await impatient.close();
      }
    });
  });
}
