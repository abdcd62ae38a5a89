/**
 * The AI SDK as a front door, on a real dev server: an AI SDK model (the official
 * `@ai-sdk/openai-compatible` client against the fake OpenAI service) drives durable runs and
 * streams to their watchers; `needsApproval` tools and AI SDK `tool()`s wait for approval with the
 * approval policy's questions, bindings and audit; and the chat handler, driven by the AI SDK's own
 * chat client (`AbstractChat` + `DefaultChatTransport`, what `useChat` runs), starts runs, shows
 * their questions as tool approval requests, answers them signed as the signed-in person, refuses
 * whoever may not answer exactly as the web inbox does, and resumes a chat's run from its start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { RunEvent } from '../../src/agent/run-events.js';
import { chatHandler } from '../../src/ai-sdk/chat-handler.js';
import { aiSdkProvider } from '../../src/ai-sdk/model-provider.js';
import { ServiceSigner } from '../../src/server/service-key.js';
import { toolCalls } from '../support/ai-sdk-agents.js';
import { NodeChat } from '../support/ai-sdk-chat.js';
import { startAiSdkWorker } from '../support/ai-sdk-env.js';
import { approverFiles } from '../support/approvers.js';
import { TestEnv } from '../support/env.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import type { ScriptedModelServer } from '../support/scripted-model-server.js';
import { SessionClient, startTestInbox, type TestInbox } from './inbox-web-support.js';

let env: TestEnv;
let fake: ScriptedModelServer;
let signer: ServiceSigner;
let inbox: TestInbox;

before(async () => {
  [env, fake] = await Promise.all([TestEnv.start(), startFakeOpenAI({ pieceDelayMs: 5 })]);
  const compatible = createOpenAICompatible({ name: 'fake-openai', baseURL: fake.baseURL, apiKey: 'test-key', includeUsage: true });
  await startAiSdkWorker(env, { compatible: aiSdkProvider(compatible) });
  // The chat's service key, trusted for alice and bob (not mallory): as `hitl serve --register` lists the inbox's.
  signer = ServiceSigner.load(path.join(mkdtempSync(path.join(tmpdir(), 'chat-key-')), 'service.json')).signer;
  signer.register(approverFiles().approvers, ['alice', 'bob']);
  inbox = await startTestInbox(env, { devUser: 'bob' });
});
after(async () => {
  await inbox?.close();
  await env?.teardown();
  if (fake) {
    assert.deepEqual(fake.violations, [], 'every request the AI SDK client sent is one the real service accepts');
    await fake.close();
  }
});
beforeEach(() => toolCalls.splice(0));

let models = 0;
/** A model of its own on the fake OpenAI service, through the AI SDK provider registered as `compatible`. */
function compatibleModel(...turns: Parameters<ScriptedModelServer['scriptFor']>[1][]) {
  const modelId = `chat-model-${models++}`;
  fake.scriptFor(modelId, ...turns);
  return { provider: 'compatible', modelId };
}

/** The text of the last tool message the model was sent. */
function lastToolResultSeen(body: { messages: Array<{ role: string; content: string }> }): string {
  return body.messages.filter((message) => message.role === 'tool').at(-1)?.content ?? '';
}

async function eventsUntil(workflowId: string, stop: (event: RunEvent) => boolean): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const { event } of env.agents.stream(workflowId)) {
    events.push(event);
    if (stop(event)) break;
  }
  return events;
}

test("an AI SDK model drives a durable run: its text streams to the run's watchers, an AI SDK tool runs once approved, and the model sees its result", async () => {
  const model = compatibleModel(
    { kind: 'toolUse', text: 'Let me look at the sky over Lyon for you.', uses: [{ name: 'get_weather', input: { city: 'Lyon' }, id: 'call_weather_1' }] },
    { kind: 'respond', fn: (request) => ({ kind: 'text', text: `Forecast: ${lastToolResultSeen(request.body)}` }) },
  );
  const { workflowId } = await env.agents.start({ agent: 'ai-sdk-tools', prompt: 'Weather in Lyon?', model });
  const asked = await eventsUntil(workflowId, (event) => event.type === 'tool-approval-request');
  const request = asked.at(-1);
  assert.ok(request?.type === 'tool-approval-request');
  assert.equal(toolCalls.length, 0, 'the tool waits for its approval');
  await env.agents.answer(workflowId, [{ interruptId: request.approvalId, response: 'y', respondedBy: 'pat', binding: request.question.binding! }]);
  const result = await env.agents.result(workflowId);

  const deltas = asked.filter((event) => event.type === 'text-delta').map((event) => (event as { delta: string }).delta);
  assert.ok(deltas.length > 1, `the model's text came in pieces as the AI SDK client streamed it: ${JSON.stringify(deltas)}`);
  assert.equal(deltas.join(''), 'Let me look at the sky over Lyon for you.');
  assert.deepEqual(toolCalls, [{ tool: 'get_weather', input: { city: 'Lyon' }, toolCallId: 'call_weather_1' }]);
  assert.equal(result.text, 'Forecast: {"city":"Lyon","sky":"clear","celsius":21}');
  assert.equal(result.stopReason, 'end_turn');
  assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0, 'usage from the stream');
  const sent = fake.requests.filter((recorded) => recorded.model === model.modelId);
  assert.deepEqual(sent.map((recorded) => recorded.body.stream), [true, true]);
  assert.deepEqual(sent[0]!.body.tools.map((tool: { function: { name: string } }) => tool.function.name), ['get_weather', 'convert']);
});

test('needsApproval on a dev server: true and a function that says yes wait for signed, bound answers; false and a function that says no run at once', async () => {
  const model = compatibleModel(
    {
      kind: 'toolUse',
      uses: [
        { name: 'transfer', input: { to: 'acct-1', amount: 20 }, id: 'call_t' },
        { name: 'lookup', input: { account: 'acct-1' }, id: 'call_l' },
        { name: 'refund', input: { order: 'o-big', amount: 500 }, id: 'call_rb' },
        { name: 'refund', input: { order: 'o-small', amount: 5 }, id: 'call_rs' },
      ],
    },
    { kind: 'text', text: 'All done.' },
  );
  const { workflowId } = await env.agents.start({ agent: 'ai-sdk-needs-approval', prompt: 'settle the account', model });
  const status = await env.untilPending(workflowId, 2);
  assert.deepEqual(status.pending.map((question) => [question.toolUseId, question.name]).sort(), [['call_rb', 'approval'], ['call_t', 'approval']]);
  for (const question of status.pending) {
    assert.equal(question.binding?.workflowId, workflowId, 'bound to this run like any question');
    assert.equal((question.reason as { rule: string }).rule, `${question.toolName} needs approval (needsApproval)`);
  }
  // The unasked calls did not wait (parallel calls each go their way): they run while the questions wait.
  for (let tries = 0; toolCalls.length < 2 && tries < 600; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(toolCalls.map((call) => call.toolCallId).sort(), ['call_l', 'call_rs']);
  assert.equal((await env.agents.status(workflowId)).pending.length, 2, 'and the asked ones still wait');
  for (const question of status.pending) await env.agents.answer(workflowId, [await env.signed('alice', workflowId, { interruptId: question.id, response: 'y' })]);
  const result = await env.agents.result(workflowId);
  assert.deepEqual(toolCalls.map((call) => call.toolCallId).sort(), ['call_l', 'call_rb', 'call_rs', 'call_t']);
  // Anyone may answer these (no approvers named), so a name is recorded as a claim, as for the policy's `ask` patterns.
  assert.deepEqual(result.interrupts.map((answer) => [answer.respondedBy, answer.verified, answer.response]), [['alice', false, 'y'], ['alice', false, 'y']]);
  assert.deepEqual(result.decisions.map((note) => note.kind), ['approved', 'approved']);
});

/** The chat handler as the example mounts it, for whoever `who()` says is signed in. */
function handlerFor(who: () => string | undefined, model: { provider: string; modelId: string }) {
  return chatHandler({ agents: env.agents, agent: 'ai-sdk-chat', signer, user: () => who(), model });
}

test('the chat: a message starts a durable run whose question is a tool approval request; someone who may not answer is refused as the inbox refuses them; the approver approves and the run finishes', async () => {
  const model = compatibleModel(
    { kind: 'toolUse', text: 'I will pay invoice inv-7.', uses: [{ name: 'pay_invoice', input: { invoice: 'inv-7', amount: 120 }, id: 'call_pay' }] },
    { kind: 'respond', fn: (request) => ({ kind: 'text', text: `Paid: ${lastToolResultSeen(request.body)}` }) },
  );
  let user: string | undefined = 'bob';
  const chat = new NodeChat('chat-refusal', handlerFor(() => user, model));
  await chat.sendMessage({ text: 'Pay invoice inv-7' });
  await chat.settled();
  assert.deepEqual(chat.errors.map((error) => error.message), []);
  assert.equal(chat.text, 'I will pay invoice inv-7.');
  const [pay] = chat.toolParts;
  assert.deepEqual([pay!.type, pay!.toolCallId, pay!.state, pay!.input], ['tool-pay_invoice', 'call_pay', 'approval-requested', { invoice: 'inv-7', amount: 120 }]);
  const runId = (chat.answer!.metadata as { runId: string }).runId;
  const [question] = (await env.agents.status(runId)).pending;
  assert.equal(pay!.approval!.id, question!.id, 'approvalId is the question id');
  assert.deepEqual(pay!.approval!.descriptor!.binding, question!.binding, 'the request carries the binding the stream showed');
  assert.equal(pay!.approval!.requestReason, 'Approve pay_invoice?');

  // bob may not answer (the policy names alice): the chat shows the run's refusal, word for word the inbox's.
  const web = new SessionClient(inbox.url);
  await web.start();
  const fromInbox = await web.request(`/api/runs/${runId}/answer`, { body: { interruptId: question!.id, action: 'approve', binding: question!.binding } });
  assert.equal(fromInbox.status, 409);
  await chat.addToolApprovalResponse({ id: pay!.approval!.id, approved: true });
  await chat.settled();
  assert.equal(chat.errors.length, 1);
  assert.equal(chat.errors[0]!.message, fromInbox.json.error);
  assert.match(chat.errors[0]!.message, /^answer refused: /);
  assert.equal(toolCalls.length, 0);
  assert.equal((await env.agents.status(runId)).pending.length, 1, 'the run still waits');

  // Nobody signed in: no service at all.
  user = undefined;
  const anonymous = await handlerFor(() => undefined, model)(new Request('http://chat.test/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-refusal', messages: chat.messages }) }));
  assert.equal(anonymous.status, 401);

  // alice, in a chat of her own that resumes the same run, approves: the tool runs once and the answer shows.
  user = 'alice';
  const alices = new NodeChat('chat-refusal', handlerFor(() => user, model));
  await alices.resumeStream();
  await alices.settled();
  assert.deepEqual(alices.toolParts.map((part) => part.state), ['approval-requested'], 'the resumed chat shows the question waiting');
  await alices.addToolApprovalResponse({ id: alices.toolParts[0]!.approval!.id, approved: true });
  await alices.settled();
  assert.deepEqual(alices.errors.map((error) => error.message), []);
  assert.deepEqual(toolCalls, [{ tool: 'pay_invoice', input: { invoice: 'inv-7', amount: 120 }, toolCallId: 'call_pay' }]);
  const [paid] = alices.toolParts;
  assert.deepEqual([paid!.state, paid!.output], ['output-available', '{"done":"pay_invoice"}']);
  assert.equal(alices.text, 'I will pay invoice inv-7.Paid: {"done":"pay_invoice"}');
  assert.equal((alices.answer!.metadata as { status?: string }).status, 'completed');
  const final = await env.agents.status(runId);
  assert.deepEqual(final.answered.map((answer) => [answer.respondedBy, answer.verified, answer.response]), [['alice', true, 'y']]);
});

test('the chat: a denial reaches the model; an answer must carry the binding its question was shown with; a chat with no run in progress resumes nothing', async () => {
  const model = compatibleModel(
    { kind: 'toolUse', uses: [{ name: 'get_weather', input: { city: 'Oslo' }, id: 'call_oslo' }] },
    { kind: 'respond', fn: (request) => ({ kind: 'text', text: `Understood: ${lastToolResultSeen(request.body)}` }) },
  );
  const handler = handlerFor(() => 'bob', model);
  const chat = new NodeChat('chat-deny', handler);
  await chat.sendMessage({ text: 'Weather in Oslo?' });
  await chat.settled();
  const [weather] = chat.toolParts;
  assert.equal(weather!.state, 'approval-requested');

  // A client that strips the binding is refused (nothing to bind the answer to).
  const stripped = chat.messages.map((message) => ({
    ...message,
    parts: message.parts.map((part) => ('approval' in part && part.approval ? { ...part, state: 'approval-responded', approval: { id: part.approval.id, approved: true } } : part)),
  }));
  const refused = await handler(new Request('http://chat.test/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-deny', messages: stripped }) }));
  assert.match(await refused.text(), /the page did not say which question it showed \(no binding\)/);

  await chat.addToolApprovalResponse({ id: weather!.approval!.id, approved: false, reason: 'not now' });
  await chat.settled();
  assert.deepEqual(chat.errors.map((error) => error.message), []);
  assert.equal(toolCalls.length, 0, 'denied: the tool never ran');
  const [denied] = chat.toolParts;
  assert.equal(denied!.state, 'output-error');
  assert.match(denied!.errorText!, /^The user \(bob\) denied this get_weather call: not now\./);
  assert.match(chat.text, /^Understood: The user \(bob\) denied this get_weather call: not now\./);

  const resumed = await handler(new Request('http://chat.test/api/chat/chat-deny/stream'));
  assert.equal(resumed.status, 204, 'the run has ended: nothing to resume');
  const nobody = await handler(new Request('http://chat.test/api/chat/never-used/stream'));
  assert.equal(nobody.status, 204);
});

test("the chat: a model call tried again after streaming part of its answer shows only the answer it gave; a message sent while the chat's run waits is refused in the session's words", async () => {
  const draft = 'A first draft that the chat must take back entirely.';
  const model = compatibleModel(
    { kind: 'streamError', status: 500, before: { kind: 'text', text: draft } },
    { kind: 'toolUse', text: 'The final answer.', uses: [{ name: 'pay_invoice', input: { invoice: 'inv-9', amount: 5 }, id: 'call_pay_9' }] },
  );
  const chat = new NodeChat('chat-retry', handlerFor(() => 'bob', model));
  await chat.sendMessage({ text: 'Pay inv-9' });
  await chat.settled();
  const [first, second] = fake.requests.filter((recorded) => recorded.model === model.modelId);
  assert.ok(first!.piecesSent > 0 && second, 'the first attempt streamed part of its answer before its error, and was tried again');
  assert.deepEqual(chat.errors.map((error) => error.message), []);
  assert.deepEqual(chat.answer!.parts.filter((part) => part.type === 'text').map((part) => (part as { text: string }).text), ['The final answer.']);
  assert.equal(chat.toolParts[0]!.state, 'approval-requested');

  // The session's run waits for alice: another message is refused, and says which run to answer or cancel.
  await chat.sendMessage({ text: 'And pay inv-10 too' });
  await chat.settled();
  const runId = (chat.messages.find((message) => message.role === 'assistant')!.metadata as { runId: string }).runId;
  assert.equal(chat.errors.length, 1);
  assert.match(chat.errors[0]!.message, new RegExp(`^prompt refused: session "chat-retry" is busy with run ${runId} .*answer or cancel that run, then send the prompt again`));
  await env.agents.cancel(runId);
});
