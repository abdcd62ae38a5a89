/**
 * The same scripted turns on every provider, each through its vendor's official client against
 * its fake service: replies, tool calls and error classes come out the same in Converse terms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createModelActivity } from '../../src/activities/model.js';
import type { ModelRequest, ModelResponse } from '../../src/agent/types.js';
import { PERMANENT_MODEL_ERRORS } from '../../src/models/errors.js';
import { PROVIDER_NAMES, startFakeModelService, type FakeModelService } from '../support/fake-model-services.js';
import type { ScriptedTurn } from '../support/model-script.js';

const request = (modelId: string): ModelRequest => ({
  model: { provider: 'under-test', modelId },
  system: 'You manage files.',
  messages: [{ role: 'user', content: [{ text: 'Delete a.txt and b.txt' }] }],
  tools: [{ name: 'delete_files', description: 'Delete files', inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } } } }],
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err as ApplicationFailure,
  );
  assert.equal(error.name, 'ApplicationFailure', String(error));
  return error;
}

for (const name of PROVIDER_NAMES) {
  describe(`${name} provider on scripted turns`, () => {
    let service: FakeModelService;
    let calls = 0;
    /** Plays the turns on a fresh model id and returns that id. */
    const play = (...turns: ScriptedTurn[]): string => {
      const model = `model-${++calls}`;
      service.scriptFor(model, ...turns);
      return model;
    };
    const invoke = (model: string): Promise<ModelResponse> => service.provider.invoke(request(model));

    before(async () => {
      service = await startFakeModelService(name);
    });
    after(async () => {
      assert.deepEqual(service.violations(), []);
      assert.equal(service.remaining(), 0);
      await service.close();
    });

    it('a text reply, with its token usage', async () => {
      const response = await invoke(play({ kind: 'text', text: 'Nothing to do.', usage: { inputTokens: 11, outputTokens: 7 } }));
      assert.deepEqual(response, {
        message: { role: 'assistant', content: [{ text: 'Nothing to do.' }] },
        stopReason: 'end_turn',
        usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 },
      });
    });

    it('several tool calls in one turn, with text before them', async () => {
      const model = play({
        kind: 'toolUse',
        text: 'Deleting.',
        uses: [
          { name: 'delete_files', input: { paths: ['a.txt'] }, id: 'first_1' },
          { name: 'delete_files', input: { paths: ['b.txt'] }, id: 'second_2' },
        ],
      });
      const response = await invoke(model);
      assert.equal(response.stopReason, 'tool_use');
      assert.deepEqual(response.message.content, [
        { text: 'Deleting.' },
        { toolUse: { toolUseId: 'first_1', name: 'delete_files', input: { paths: ['a.txt'] } } },
        { toolUse: { toolUseId: 'second_2', name: 'delete_files', input: { paths: ['b.txt'] } } },
      ]);
      assert.ok(response.usage.totalTokens > 0);
    });

    it('the same id in every turn is passed on as given (the core makes calls unique)', async () => {
      const model = play(
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['a.txt'] }, id: 'call_0' }] },
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['b.txt'] }, id: 'call_0' }] },
      );
      for (const path of ['a.txt', 'b.txt']) {
        const [block] = (await invoke(model)).message.content;
        assert.deepEqual(block, { toolUse: { toolUseId: 'call_0', name: 'delete_files', input: { paths: [path] } } });
      }
    });

    for (const [stopReason, expected] of [
      ['max_tokens', 'max_tokens'],
      ['content_filtered', 'content_filtered'],
      ['stop_sequence', 'stop_sequence'],
    ] as const) {
      it(`stop reason ${stopReason}`, async () => {
        const response = await invoke(play({ kind: 'text', text: 'Cut', stopReason }));
        assert.equal(response.stopReason, expected);
      });
    }

    const retryable: Array<[string, ScriptedTurn]> = [
      ['HTTP 429', { kind: 'error', status: 429 }],
      ['HTTP 500', { kind: 'error', status: 500 }],
      ['HTTP 503', { kind: 'error', status: 503 }],
    ];
    if (name !== 'bedrock') retryable.push(['a dropped connection', { kind: 'drop' }]);
    for (const [what, turn] of retryable) {
      it(`${what} is retried by Temporal`, async () => {
        const failure = await failureOf(invoke(play(turn)));
        assert.equal(failure.nonRetryable, false, failure.message);
        assert.ok(!PERMANENT_MODEL_ERRORS.includes(failure.type ?? ''), failure.type ?? '');
      });
    }

    for (const [what, turn, message] of [
      ['HTTP 400', { kind: 'error', status: 400, message: 'messages: bad shape' }, /messages: bad shape/],
      ['HTTP 401', { kind: 'error', status: 401, message: 'invalid x-api-key' }, /invalid x-api-key/],
      ['HTTP 403', { kind: 'error', status: 403, message: 'not allowed here' }, /not allowed here/],
      ['HTTP 404', { kind: 'error', status: 404, message: 'no such model' }, /no such model/],
      ['a body that is not JSON', { kind: 'raw', status: 200, body: '<html>proxy error</html>' }, /unparseable|malformed/],
      ['an empty JSON object', { kind: 'raw', status: 200, body: '{}' }, /malformed/],
    ] as Array<[string, ScriptedTurn, RegExp]>) {
      it(`${what} fails at once with a readable reason`, async () => {
        const failure = await failureOf(invoke(play(turn)));
        assert.equal(failure.nonRetryable, true, failure.message);
        assert.ok(PERMANENT_MODEL_ERRORS.includes(failure.type ?? ''), `${failure.type} is in PERMANENT_MODEL_ERRORS`);
        assert.match(failure.message, message);
        assert.doesNotMatch(failure.message, /\n/);
      });
    }

    it('sends the system prompt, the conversation and the tool spec', async () => {
      const model = play({ kind: 'text', text: 'ok' });
      await invoke(model);
      const { body } = service.requests().find((r) => r.model === model)!;
      const sent = JSON.stringify(body);
      for (const part of ['You manage files.', 'Delete a.txt and b.txt', 'delete_files', '"paths"']) assert.ok(sent.includes(part), `${part} in ${sent}`);
    });
  });
}

describe('a provider of one\'s own', () => {
  const fails = (error: Error) => createModelActivity({ mine: { invoke: async () => Promise.reject(error) } });
  const input = { ...request('any'), model: { provider: 'mine', modelId: 'any' } };

  it('throwing a permanent error as it comes (an AWS SDK exception) fails at once, under its type', async () => {
    const failure = await failureOf(fails(Object.assign(new Error('bad request'), { name: 'ValidationException' }))(input));
    assert.deepEqual([failure.type, failure.nonRetryable, failure.message], ['ValidationException', true, 'bad request']);
  });

  it('throwing a permanent type as a retryable failure fails at once; other errors stay retryable', async () => {
    const permanent = await failureOf(fails(ApplicationFailure.retryable('no key', 'ModelCredentialsMissing'))(input));
    assert.equal(permanent.nonRetryable, true);
    const passing = ApplicationFailure.retryable('busy', 'ModelBusy');
    assert.equal(await fails(passing)(input).catch((error: unknown) => error), passing);
    const plain = new TypeError('socket hang up');
    assert.equal(await fails(plain)(input).catch((error: unknown) => error), plain);
  });
});
