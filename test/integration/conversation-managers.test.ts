/**
 * Conversation managers (src/agent/conversation.ts) end to end, on a real dev server with the fake
 * Bedrock (which checks every request against the service's rules: roles alternate, a user message
 * first and last, toolResults after their toolUse): a long tool-calling run with a sliding window
 * sends at most its window, pairs whole, and still sends each model activity only the new messages
 * between steps, across a worker restart while it waits for an approval; a summarizing agent makes
 * one summary call (an activity of its own, through the Bedrock provider) when the trigger passes,
 * and the calls after it start with the summary. The teardown replays every history these runs made.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SUMMARY_PREFIX, SUMMARY_SYSTEM_PROMPT } from '../../src/agent/conversation.js';
import type { ModelActivityInput } from '../../src/activities/conversation-cache.js';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { SUMMARY_MODEL_ID } from '../support/conversation-agents.js';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';
import { registerReplayBundle } from '../support/run-checks.js';
import { readLedger } from '../support/test-tools.js';

const WORKFLOWS = fileURLToPath(new URL('../support/conversation-workflows.ts', import.meta.url));
let env: TestEnv;
let workflowBundle: WorkflowBundleWithSourceMap;

before(async () => {
  env = await TestEnv.start();
  workflowBundle = await registerReplayBundle(
    bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })),
  );
  await env.startWorker({ workflowBundle });
});
after(async () => env?.teardown());

const step = (label: string): ScriptedReply => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] });

interface WireMessage {
  role: string;
  content: Array<{ text?: string; toolUse?: { toolUseId: string; name: string }; toolResult?: { toolUseId: string } }>;
}

/** Why the messages do not keep every toolUse with its toolResult, or undefined. */
function pairProblem(messages: WireMessage[]): string | undefined {
  const used = new Set<string>();
  const answered = new Set<string>();
  for (const message of messages) {
    for (const block of message.content) {
      if (block.toolUse) used.add(block.toolUse.toolUseId);
      if (block.toolResult) {
        if (!used.has(block.toolResult.toolUseId)) return `toolResult ${block.toolResult.toolUseId} without its toolUse`;
        answered.add(block.toolResult.toolUseId);
      }
    }
  }
  const open = [...used].filter((id) => !answered.has(id));
  return open.length ? `toolUse ${open.join(', ')} without its toolResult` : undefined;
}

/** Each model call's activity input in the run's history (every execution), in order. */
async function modelInputs(workflowId: string): Promise<ModelActivityInput[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'invokeModelDelta') return [];
    return [JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString()) as ModelActivityInput];
  });
}

const labelsRecorded = (prefix: string) => readLedger(env.ledger).filter((entry) => entry.tool === 'record_action' && String(entry.label).startsWith(prefix)).map((entry) => entry.label);

test('slidingWindow: a long tool-calling run sends at most its window, pairs whole, the prompt first; the run keeps it all', async () => {
  const STEPS = 14;
  const labels = Array.from({ length: STEPS }, (_, i) => (i === 8 ? 'approve-window' : `window-${i}`));
  const model = env.model(...labels.map(step), { kind: 'text', text: 'all recorded' });
  const { workflowId } = await env.agents.start({ agent: 'cm-window', prompt: 'Record fourteen steps.', model });

  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting', waiting.error);
  assert.deepEqual(waiting.pending.map((question) => question.toolInput), [{ label: 'approve-window' }]);
  // A fresh worker takes the rest: its model activity has no cached conversation and asks the run.
  await env.stopWorkers();
  await env.startWorker({ workflowBundle });
  await env.agents.respond(workflowId, await env.bound(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' }));

  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'all recorded');
  assert.equal(result.messages.length, 1 + 2 * STEPS + 1, 'the run keeps its whole conversation');
  assert.deepEqual(labelsRecorded('window-').length + labelsRecorded('approve-window').length, STEPS, 'each step ran once');

  const requests = env.requestsFor(model).map((request) => request.body.messages as WireMessage[]);
  assert.equal(requests.length, STEPS + 1);
  for (const [index, messages] of requests.entries()) {
    assert.ok(messages.length <= 8, `call ${index + 1} sent ${messages.length} messages`);
    assert.deepEqual(messages[0], { role: 'user', content: [{ text: 'Record fourteen steps.' }] }, `call ${index + 1} starts with the prompt`);
    assert.equal(pairProblem(messages), undefined, `call ${index + 1}`);
  }
  assert.deepEqual(requests.map((messages) => messages.length).slice(0, 4), [1, 3, 5, 7], 'the whole conversation while it fits');
  const last = JSON.stringify(requests.at(-1));
  assert.ok(last.includes(`window-${STEPS - 1}`) && !last.includes('"window-0"'), 'the last call sees the newest steps, not the first');
  assert.deepEqual(env.bedrock.violations, []);

  // Between two steps of the window, the model activity gets only the new messages.
  const inputs = await modelInputs(workflowId);
  assert.equal(inputs.length, STEPS + 1);
  for (const input of inputs) assert.ok(input.conversation!.total <= 8);
  const deltas = inputs.filter((input) => input.conversation!.from > 0);
  assert.ok(deltas.length >= 5, `only ${deltas.length} of ${inputs.length} calls sent just the new messages`);
  for (const input of deltas) assert.ok(input.messages.length <= 2, `a delta of ${input.messages.length} messages`);
});

test('summarizing: one summary call when the trigger passes, then every call starts with the summary; an approval in the middle', async () => {
  env.bedrock.scriptFor(SUMMARY_MODEL_ID, { kind: 'text', text: 'steps summary-0 and summary-1 were recorded.' });
  const labels = ['summary-0', 'summary-1', 'summary-2', 'summary-3', 'approve-summary'];
  const model = env.model(...labels.map(step), { kind: 'text', text: 'done' });
  const { workflowId } = await env.agents.start({ agent: 'cm-summary', prompt: 'Record five steps.', model });

  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting', waiting.error);
  assert.deepEqual(waiting.pending.map((question) => question.toolInput), [{ label: 'approve-summary' }]);
  await env.agents.respond(workflowId, await env.bound(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' }));
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'done');
  assert.equal(result.messages.length, 12, 'the run keeps its whole conversation');
  assert.equal(result.modelCalls, 6);
  assert.equal(labelsRecorded('summary-').length + labelsRecorded('approve-summary').length, 5);

  const summaries = env.bedrock.requests.filter((request) => request.modelId === SUMMARY_MODEL_ID);
  assert.equal(summaries.length, 1, 'exactly one summary call');
  const asked = summaries[0]!.body;
  assert.deepEqual(asked.system, [{ text: SUMMARY_SYSTEM_PROMPT }]);
  assert.equal(asked.toolConfig, undefined, 'the summary call offers no tools');
  assert.equal(asked.messages.length, 1);
  const transcript: string = asked.messages[0].content[0].text;
  assert.match(transcript, /User: Record five steps\./);
  assert.match(transcript, /Assistant called tool record_action \(\S+\) with \{"label":"summary-1"\}/);
  assert.ok(!transcript.includes('summary-2'), 'the newest messages are not summarized');

  const requests = env.requestsFor(model).map((request) => request.body.messages as WireMessage[]);
  assert.equal(requests.length, 6);
  assert.deepEqual(requests.slice(0, 4).map((messages) => messages.length), [1, 3, 5, 7]);
  // The fifth call would have sent 9 messages (> 8): the summary came first, then the newest four.
  assert.ok(env.bedrock.requests.indexOf(summaries[0]!) > env.bedrock.requests.indexOf(env.requestsFor(model)[3]!));
  assert.ok(env.bedrock.requests.indexOf(summaries[0]!) < env.bedrock.requests.indexOf(env.requestsFor(model)[4]!));
  for (const messages of requests.slice(4)) {
    assert.deepEqual(messages[0], { role: 'user', content: [{ text: `${SUMMARY_PREFIX}steps summary-0 and summary-1 were recorded.` }] });
    assert.equal(messages[1]!.role, 'assistant');
    assert.equal(pairProblem(messages), undefined);
  }
  assert.equal(requests[4]!.length, 5);
  assert.equal(requests[5]!.length, 7);
  assert.deepEqual(env.bedrock.violations, []);

  // The summary call is a model activity of its own in the history (replay reads its result there).
  const inputs = await modelInputs(workflowId);
  assert.equal(inputs.length, 7);
  assert.deepEqual(inputs.map((input) => input.conversation === undefined), [false, false, false, false, true, false, false]);
  assert.equal(inputs[4]!.system, SUMMARY_SYSTEM_PROMPT);
  assert.deepEqual(inputs[4]!.model, { provider: 'bedrock', modelId: SUMMARY_MODEL_ID });
});

test('summarizing with the run’s own model: the summary call goes to it, in its turn', async () => {
  const model = env.model(
    step('own-0'),
    step('own-1'),
    step('own-2'),
    step('own-3'),
    { kind: 'text', text: 'the first two steps were recorded' },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await env.agents.start({ agent: 'cm-summary-own-model', prompt: 'Record four steps.', model });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'done');
  const requests = env.requestsFor(model).map((request) => request.body);
  assert.equal(requests.length, 6);
  assert.equal(requests[4].toolConfig, undefined, 'the fifth request is the summary call');
  assert.deepEqual(requests[5].messages[0], { role: 'user', content: [{ text: `${SUMMARY_PREFIX}the first two steps were recorded` }] });
  assert.deepEqual(env.bedrock.violations, []);
});
