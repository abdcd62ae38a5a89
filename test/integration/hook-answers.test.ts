/**
 * Answers from code on a real dev server (issue 25, item 3): `interruptsPending` hooks answer
 * questions as the run is about to wait — a rule, a lookup through a tool activity, a judge agent
 * (a child run on the scripted model) — and the audit says so; a question that needs a signature
 * still waits for a person; a hook that answers with the wrong type fails the run, naming it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { exampleTools } from '../../src/agents/tools.js';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { formatStatus } from '../../src/cli/output.js';
import type { ModelChoice } from '../../src/agent/types.js';
import { TestEnv } from '../support/env.js';
import { allowlistBody, JUDGE_SYSTEM } from '../support/hook-answer-agents.js';
import { registerReplayBundle } from '../support/run-checks.js';
import { createTestTools, readLedger } from '../support/test-tools.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  const workflowsPath = fileURLToPath(new URL('../support/hook-answer-workflows.ts', import.meta.url));
  const workflowBundle = await registerReplayBundle(bundleWorkflowCode(withAgentBundling({ workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })));
  await env.startWorker({ workflowBundle, tools: [...exampleTools, ...createTestTools(env.ledger), allowlistBody] });
});
after(async () => env?.teardown());

/** One turn that records `labels` in parallel, then "done"; the judge (its own system prompt) says `verdict`. */
function model(labels: string[], verdict = 'APPROVE'): ModelChoice {
  return env.bedrockResponder((request) => {
    const body = JSON.stringify(request.body);
    if (body.includes(JUDGE_SYSTEM)) return { kind: 'text', text: verdict };
    const last = (request.body as { messages: Array<{ content: Array<Record<string, unknown>> }> }).messages.at(-1)!;
    if (last.content.some((block) => 'toolResult' in block)) return { kind: 'text', text: 'done' };
    return { kind: 'toolUse', uses: labels.map((label) => ({ name: 'record_action', input: { label } })) };
  });
}

const recorded = (label: string) => readLedger(env.ledger).filter((entry) => entry.label === label).length;

test('a rule answers the safe call (it runs once, the audit and status name the hook); the unsafe one waits for a person', async () => {
  const { workflowId } = await env.agents.start({ agent: 'hook-rule', prompt: 'go', model: model(['ok-a', 'rm-a']) });
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.equal(waiting.pending.length, 1, 'only the unsafe call waits');
  assert.equal((waiting.pending[0]!.toolInput as { label: string }).label, 'rm-a');
  const auto = waiting.answered.find((answer) => (answer.interrupt.toolInput as { label: string }).label === 'ok-a');
  assert.equal(auto?.respondedBy, 'hook:safe-rule');
  assert.deepEqual(auto?.answeredBy, { hook: 'safe-rule' });
  assert.ok(waiting.decisions.some((note) => note.kind === 'answeredByHook'));
  const shown = formatStatus(workflowId, waiting).join('\n');
  assert.match(shown, /answered by hook safe-rule: hook:beforeToolCall:[^:]+:approve: "y" \(safe label\)/);
  await env.agents.respond(workflowId, await env.bound(workflowId, { interruptId: waiting.pending[0]!.id, response: 'n', respondedBy: 'alice' }));
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'done');
  assert.equal(recorded('ok-a'), 1, 'the safe call ran once');
  assert.equal(recorded('rm-a'), 0, 'the refused call never ran');
  assert.equal(result.interrupts.find((answer) => answer.respondedBy === 'alice')?.answeredBy, undefined);
});

test('a lookup through a tool activity answers what it finds; what it does not find waits', async () => {
  const { workflowId } = await env.agents.start({ agent: 'hook-rule', prompt: 'go', model: model(['lookup-listed', 'lookup-unlisted']) });
  // While the lookup runs, its question shows as waiting (a person may answer it first): wait for the hook's answer.
  let waiting = await env.agents.wait(workflowId);
  for (let tries = 0; waiting.answered.length === 0 && tries < 200; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    waiting = await env.agents.status(workflowId);
  }
  assert.deepEqual(waiting.pending.map((question) => (question.toolInput as { label: string }).label), ['lookup-unlisted']);
  await env.agents.respond(workflowId, await env.bound(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y', respondedBy: 'bob' }));
  const result = await env.agents.result(workflowId);
  assert.equal(recorded('lookup-listed'), 1);
  assert.equal(recorded('lookup-unlisted'), 1);
  assert.deepEqual(result.interrupts.map((answer) => answer.respondedBy).sort(), ['bob', 'hook:safe-rule']);
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const tools = history.events!.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool');
  assert.equal(tools.length, 4, 'one lookup activity per question, beside the two calls');
});

test('a judge agent (a child run) answers; the audit names the agent and the hook', async () => {
  const approved = await env.agents.start({ agent: 'hook-rule', prompt: 'go', model: model(['judge-a'], 'APPROVE') });
  const denied = await env.agents.start({ agent: 'hook-rule', prompt: 'go', model: model(['judge-b'], 'DENY') });
  const [yes, no] = await Promise.all([env.agents.result(approved.workflowId), env.agents.result(denied.workflowId)]);
  assert.equal(recorded('judge-a'), 1);
  assert.equal(recorded('judge-b'), 0, 'the judge said no');
  for (const result of [yes, no]) {
    assert.equal(result.interrupts[0]?.respondedBy, 'agent:hook-judge');
    assert.deepEqual(result.interrupts[0]?.answeredBy, { hook: 'safe-rule', agent: 'hook-judge' });
  }
  assert.equal(no.interrupts[0]?.response, 'n');
  assert.equal(no.interrupts[0]?.reason, 'the judge said DENY');
});

test('a question that needs a signature is not answered by the hook: it waits, noted; a signed answer then works', async () => {
  const { workflowId } = await env.agents.start({ agent: 'hook-signed', prompt: 'go', model: model(['ok-signed']) });
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  assert.equal(waiting.pending.length, 1);
  assert.equal(waiting.answered.length, 0);
  const refusal = waiting.decisions.find((note) => note.kind === 'hookAnswerRefused');
  assert.match(JSON.stringify(refusal?.detail), /eager.*counts only a person's signed answer \(one of alice\)/);
  assert.equal(recorded('ok-signed'), 0);
  await env.agents.respond(workflowId, await env.signed('alice', workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' }));
  const result = await env.agents.result(workflowId);
  assert.equal(recorded('ok-signed'), 1);
  assert.equal(result.interrupts[0]?.respondedBy, 'alice');
  assert.equal(result.interrupts[0]?.verified, true);
});

test('a hook that answers with a string fails the run, naming the hook; nothing runs', async () => {
  const { workflowId } = await env.agents.start({ agent: 'hook-wrong', prompt: 'go', model: model(['ok-wrong']) });
  await assert.rejects(env.agents.result(workflowId), /hook "sloppy" \(interruptsPending\) of agent hook-wrong answered wrongly: resume takes a list of \{ interruptId, response \}, not a string/);
  assert.equal(recorded('ok-wrong'), 0);
  const status = await env.agents.status(workflowId);
  assert.equal(status.status, 'failed');
});
