/** Every class of model error, from the fake Bedrock server through the real AWS SDK client. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

async function runWith(...replies: ScriptedReply[]) {
  const model = env.model(...replies);
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'hello', model });
  const status = await env.agents.wait(workflowId);
  return { status, requests: env.requestsFor(model).length, workflowId };
}

const retried: Array<[string, ScriptedReply]> = [
  ['throttling (429)', { kind: 'error', type: 'ThrottlingException', status: 429, message: 'Too many requests' }],
  ['service unavailable (503)', { kind: 'error', type: 'ServiceUnavailableException', status: 503, message: 'busy' }],
  ['internal error (500)', { kind: 'error', type: 'InternalServerException', status: 500, message: 'oops' }],
  ['model not ready (429)', { kind: 'error', type: 'ModelNotReadyException', status: 429, message: 'warming up' }],
];
for (const [name, error] of retried) {
  test(`${name} is retried by Temporal and the run completes`, async () => {
    const { status, requests } = await runWith(error, { kind: 'text', text: 'fine now' });
    assert.equal(status.status, 'completed');
    assert.equal(requests, 2, 'the AWS SDK did not retry by itself; Temporal retried once');
    assert.equal(status.lastMessage?.content[0] && 'text' in status.lastMessage.content[0] ? status.lastMessage.content[0].text : '', 'fine now');
  });
}

const permanent: Array<[string, ScriptedReply, RegExp]> = [
  ['validation', { kind: 'error', type: 'ValidationException', status: 400, message: 'bad request' }, /^model call failed: ValidationException: bad request \(HTTP 400\)$/],
  ['access denied', { kind: 'error', type: 'AccessDeniedException', status: 403, message: 'no access to model' }, /AccessDeniedException: no access to model \(HTTP 403\)/],
  ['model error', { kind: 'error', type: 'ModelErrorException', status: 424, message: 'model failed' }, /ModelErrorException: model failed/],
  ['resource not found', { kind: 'error', type: 'ResourceNotFoundException', status: 404, message: 'no such model' }, /ResourceNotFoundException: no such model/],
  ['an empty body {}', { kind: 'raw', status: 200, body: '{}' }, /MalformedModelResponse: Bedrock returned a malformed response: message: /],
  ['an empty message', { kind: 'raw', status: 200, body: JSON.stringify({ output: { message: { role: 'assistant', content: [] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 } }) }, /the model returned an empty message/],
  ['a body that is not JSON', { kind: 'raw', status: 200, body: '<html>proxy error</html>' }, /MalformedModelResponse: unparseable response body: .*(not valid JSON|Truncated event message received\.) \(HTTP 200\)/],
];
for (const [name, reply, reason] of permanent) {
  test(`${name} fails the run once, with a readable reason, without retries`, async () => {
    const { status, requests } = await runWith(reply);
    assert.equal(status.status, 'failed');
    assert.match(status.error ?? '', reason);
    assert.equal(requests, 1);
  });
}

test('a stop reason this code does not know yet passes through and ends the turn', async () => {
  const body = { output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason: 'future_reason', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
  const { status, workflowId } = await runWith({ kind: 'raw', status: 200, body: JSON.stringify(body) });
  assert.equal(status.status, 'completed');
  assert.equal((await env.agents.result(workflowId)).stopReason, 'future_reason');
});

test('an unknown model provider fails clearly', async () => {
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'hi', model: { provider: 'nope', modelId: 'm' } });
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /no model provider "nope" in this worker; it has: bedrock, demo/);
});
