/**
 * `DurableAgent`, the Strands-shaped front over `AgentClient`, on a real dev server with scripted
 * Bedrock replies: invoke → interrupt → resume in Strands' shape → completed; a denial; resume and
 * invoke refused with one-line reasons while nothing is sent; another instance picks the run up
 * with `fromRun`; a failed run rejects naming the run and why.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentClientError } from '../../src/sdk/agent-client.js';
import { DurableAgent, type DurableInterruptResponse } from '../../src/sdk/strands-agent.js';
import type { ModelChoice } from '../../src/agent/types.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

const recorded = (label: string) => readLedger(env.ledger).filter((entry) => entry.tool === 'record_action' && entry.label === label).length;

/** A model that asks to record `label` (saying so first), then repeats what the tool said. */
const recordingModel = (label: string, ...then: ScriptedReply[]): ModelChoice =>
  env.model(
    { kind: 'toolUse', text: `I will record ${label}.`, uses: [{ name: 'record_action', input: { label } }] },
    {
      kind: 'respond',
      fn: (request) => {
        const result = request.body.messages.at(-1).content[0].toolResult;
        return { kind: 'text', text: `tool said: ${result.status}: ${result.content[0].text}` };
      },
    },
    ...then,
  );

/** A one-line `AgentClientError` whose message matches `pattern`. */
const refusal = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AgentClientError, `not an AgentClientError: ${String(error)}`);
  assert.doesNotMatch(error.message, /\n/);
  assert.match(error.message, pattern);
  return true;
};

test('invoke stops at the hook question; resume in Strands shape runs the tool once and completes with the text', { timeout: 30_000 }, async () => {
  const agent = new DurableAgent(env.agents, { agent: 'test-guarded', model: recordingModel('A') });
  const asked = await agent.invoke('record A');
  assert.equal(asked.stopReason, 'interrupt');
  assert.equal(agent.runId, asked.runId);
  assert.equal(asked.text, 'I will record A.');
  assert.equal(asked.interrupts.length, 1);
  const [question] = asked.interrupts;
  assert.match(question!.id, /^hook:beforeToolCall:tooluse_\d+:approve$/);
  assert.equal(question!.name, 'approve');
  assert.deepEqual(question!.reason, { label: 'A' });
  assert.equal(asked.result, undefined);
  assert.equal(recorded('A'), 0);
  assert.equal((await env.agents.status(asked.runId)).status, 'waiting');

  const done = await agent.resume([{ interruptResponse: { interruptId: question!.id, response: 'y' } }]);
  assert.equal(done.stopReason, 'end_turn');
  assert.equal(done.runId, asked.runId);
  assert.equal(done.text, 'tool said: success: recorded A');
  assert.deepEqual(done.interrupts, []);
  assert.equal(done.state['recorded:A'], true);
  assert.equal(done.modelCalls, 2);
  assert.deepEqual(
    done.result!.interrupts.map((answered) => [answered.interruptId, answered.response]),
    [[question!.id, 'y']],
  );
  assert.equal(recorded('A'), 1);
  assert.equal(agent.runId, undefined);

  // The run is over: nothing to resume any more.
  await assert.rejects(agent.resume([{ interruptResponse: { interruptId: question!.id, response: 'y' } }]), refusal(/^no run is in progress: start one with invoke/));
});

test('a denial in the plain { interruptId, response } shape: the tool never runs and the model hears why', { timeout: 30_000 }, async () => {
  const agent = new DurableAgent(env.agents, { agent: 'test-guarded', model: recordingModel('B') });
  const asked = await agent.invoke('record B');
  assert.equal(asked.stopReason, 'interrupt');
  // Strands' agent(responses): a list given to invoke resumes.
  const done = await agent.invoke([{ interruptId: asked.interrupts[0]!.id, response: 'n' }]);
  assert.equal(done.stopReason, 'end_turn');
  assert.equal(done.runId, asked.runId);
  assert.match(done.text, /^tool said: error: .*denied: B/);
  assert.equal(recorded('B'), 0);
  assert.equal(done.result!.interrupts[0]!.response, 'n');
});

test('resume and invoke are refused in one line, nothing is sent, and fromRun picks the run up elsewhere', { timeout: 40_000 }, async () => {
  const fresh = new DurableAgent(env.agents, { agent: 'test-guarded' });
  await assert.rejects(fresh.resume([{ interruptResponse: { interruptId: 'x', response: 'y' } }]), refusal(/^no run is in progress/));

  // Its second run only answers.
  const agent = new DurableAgent(env.agents, { agent: 'test-guarded', model: recordingModel('C', { kind: 'text', text: 'hello again' }) });
  const asked = await agent.invoke('record C');
  const id = asked.interrupts[0]!.id;

  await assert.rejects(agent.resume('y' as unknown as DurableInterruptResponse[]), refusal(/^resume takes a list of .*, not a string \("y"\)$/));
  await assert.rejects(
    agent.resume({ interruptId: id, response: 'y' } as unknown as DurableInterruptResponse[]),
    refusal(/^resume takes a list .*, not an object with "interruptId", "response"$/),
  );
  await assert.rejects(agent.resume([]), refusal(/the list is empty/));
  await assert.rejects(agent.resume(['y'] as unknown as DurableInterruptResponse[]), refusal(/^resume: answer 1 is a string \("y"\)/));
  await assert.rejects(agent.resume([{ interruptResponse: { interruptId: id } }] as unknown as DurableInterruptResponse[]), refusal(/^resume: answer 1 is an object/));
  await assert.rejects(
    agent.resume([{ interruptResponse: { interruptId: 'tool:nope:approve', response: 'y' } }]),
    refusal(new RegExp(`^"tool:nope:approve" is not a pending question of run ${asked.runId} \\(its pending questions: ${escape(id)}\\)$`)),
  );
  await assert.rejects(
    agent.resume([{ interruptId: id, response: 'y' }, { interruptId: id, response: 'n' }]),
    refusal(/is answered twice/),
  );
  await assert.rejects(agent.invoke('something else'), refusal(new RegExp(`^run ${asked.runId} still waits for answers to ${escape(id)}: resume it with resume\\(`)));

  // None of it reached the run: it still waits on the same question, with nothing answered, and no second run started.
  const status = await env.agents.status(asked.runId);
  assert.equal(status.status, 'waiting');
  assert.deepEqual(status.pending.map((question) => question.id), [id]);
  assert.deepEqual(status.answered, []);
  assert.equal(env.agents.started.filter((runId) => runId.startsWith('test-guarded-')).at(-1), asked.runId);

  // Another instance (another process, another machine) picks the run up and answers it.
  await assert.rejects(new DurableAgent(env.agents, { agent: 'test-tools' }).fromRun(asked.runId), refusal(/is a run of agent "test-guarded", not of "test-tools"/));
  const elsewhere = new DurableAgent(env.agents, { agent: 'test-guarded' });
  const picked = await elsewhere.fromRun(asked.runId);
  assert.equal(picked.stopReason, 'interrupt');
  assert.deepEqual(picked.interrupts.map((question) => question.id), [id]);
  const done = await elsewhere.resume([{ interruptResponse: { interruptId: id, response: 'y' } }]);
  assert.equal(done.text, 'tool said: success: recorded C');
  assert.equal(recorded('C'), 1);

  // The first instance sees its run ended elsewhere: a new prompt is taken again, and a resume says the run is over.
  await assert.rejects(agent.resume([{ interruptResponse: { interruptId: id, response: 'y' } }]), refusal(new RegExp(`^run ${asked.runId} has ended \\(completed\\)`)));
  const next = await agent.invoke('again');
  assert.notEqual(next.runId, asked.runId);
  assert.equal(next.stopReason, 'end_turn');
  assert.equal(next.text, 'hello again');
});

test('a run that fails rejects invoke, naming the run and why; the agent takes a new prompt after', { timeout: 30_000 }, async () => {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'D' } }] }, { kind: 'text', text: 'no tools this time' });
  const agent = new DurableAgent(env.agents, { agent: 'test-bad-hook', model });
  await assert.rejects(agent.invoke('go'), refusal(/^run test-bad-hook-[a-z0-9]+-[a-z0-9]+ did not complete: .*interrupt name "same" is used more than once/));
  assert.equal(agent.runId, undefined);
  assert.equal(recorded('D'), 0);
  const next = await agent.invoke('just talk');
  assert.equal(next.stopReason, 'end_turn');
  assert.equal(next.text, 'no tools this time');
});

test('a run cancelled from outside: picking it up rejects, naming the run and that it was cancelled', { timeout: 30_000 }, async () => {
  const agent = new DurableAgent(env.agents, { agent: 'test-guarded', model: recordingModel('E') });
  const asked = await agent.invoke('record E');
  await env.agents.cancel(asked.runId);
  await assert.rejects(agent.fromRun(asked.runId), refusal(new RegExp(`^run ${asked.runId} did not complete: the run was cancelled$`)));
  assert.equal(agent.runId, undefined);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
