/**
 * Bounded history and payloads, on a dev server whose history limits are lowered so far that a
 * run or session without continue-as-new would be terminated by the server within seconds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TRUST_KEY } from '../../src/agents/trusted-files.js';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';

const SUGGEST_AT = 40;
const TERMINATE_AT = 150;
let env: TestEnv;
before(async () => {
  env = await TestEnv.start({
    extraArgs: [
      '--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AT}`,
      '--dynamic-config-value', `limit.historyCount.error=${TERMINATE_AT}`,
      '--dynamic-config-value', `limit.historyCount.warn=${SUGGEST_AT}`,
    ],
  });
  await env.startWorker();
});
after(async () => env?.teardown());


test('a run of 40 tool steps continues as new and completes with its whole conversation', async () => {
  const STEPS = 40;
  const steps: ScriptedReply[] = Array.from({ length: STEPS }, (_, i) => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: `step-${i}` } }] }));
  const model = env.model(...steps, { kind: 'text', text: 'all steps done' });
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'work', model, maxModelCalls: STEPS + 1 });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'all steps done');
  assert.equal(result.modelCalls, STEPS + 1, 'model calls carried across the hand-offs');
  assert.equal(result.messages.length, 1 + 2 * STEPS + 1);
  assert.equal(result.state['recorded:step-39'], true, 'state carried across the hand-offs');
  assert.equal(result.usage.totalTokens > 0, true);
  const runs = await env.runIds(workflowId);
  assert.ok(runs.size >= 3, `continued as new (${runs.size} runs)`);
  assert.deepEqual(env.bedrock.violations, []);
  const recorded = new Set((await import('../support/test-tools.js')).readLedger(env.ledger).map((e) => e.label));
  assert.equal(recorded.size, STEPS, 'every step ran exactly once across hand-offs');
});

test('a session continues as new while its run waits; the answer given after the hand-off lands in the new session run', async () => {
  const model = { provider: 'demo', modelId: DEMO_MODEL_ID };
  const workspace = env.workspace({ 'k.txt': 'k' });
  const { workflowId } = await env.agents.start({ agent: 'trusted-files', prompt: 'Delete k.txt', model, sessionId: 'long', workspace });
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  const sessionRunsBefore = await env.runIds('session-long');
  // Grow the session's history past the suggestion while its run waits for a human.
  for (let i = 0; i < SUGGEST_AT / 2; i++) await env.agents.editSession('long', [{ op: 'set', key: 'counter', value: i }]);
  let handedOff = await env.runIds('session-long');
  for (let i = 0; handedOff.size === sessionRunsBefore.size && i < 50; i++) handedOff = await env.runIds('session-long');
  assert.ok(handedOff.size > sessionRunsBefore.size, 'the session continued as new while its run waited');
  assert.equal((await env.agents.session('long')).active?.runId, workflowId, 'the run in progress was carried over');

  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 't' });
  assert.equal((await env.agents.wait(workflowId)).status, 'completed');
  const view = await env.settledSession('long');
  assert.equal(view.state[TRUST_KEY], true, "the run's trust reached the session after its hand-off");
  assert.equal(view.state.counter, SUGGEST_AT / 2 - 1, 'edits made during the run were kept');
  assert.equal(view.runs[0]?.runId, workflowId);
});

test('a tool output over the 2 MB payload limit is truncated with a marker; the run completes', async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'big_output', input: { bytes: 3_000_000 } }] }, { kind: 'text', text: 'saw it' });
  const { workflowId } = await env.agents.start({ agent: 'test-tools', prompt: 'big', model });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'saw it');
  const seen = env.requestsFor(model).at(-1)!.body.messages.at(-1).content[0].toolResult.content[0].text as string;
  assert.ok(seen.length < 300_000, `the model got ${seen.length} characters`);
  assert.match(seen, /\[truncated by the agent runtime: \d+ of 3000000 characters shown \(3000\d+ bytes\); Temporal payloads are capped at 2 MB\]$/);
});
