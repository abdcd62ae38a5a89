/**
 * Swarms on a real dev server, ported scenario by scenario from Strands' swarm tests
 * (tests/strands/multiagent/test_swarm.py, tests_integ/interrupts/multiagent/test_hook.py and
 * test_node.py, tests_integ/hooks/multiagent/test_cancel.py): handoffs with shared context,
 * completion without a handoff, a handoff to an unknown agent, the handoff limit and ping-pong,
 * a beforeNode question (approve, reject), an agent's own question, cancel; through the CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { JsonValue, Message } from '../../src/agent/types.js';
import { conversationQuery, respondSignal } from '../../src/workflows/messages.js';
import type { MultiAgentResult, MultiAgentView } from '../../src/workflows/multi-agent-messages.js';
import { TestEnv } from '../support/env.js';
import { deleting, handoff, scripts, text, untilEnded, untilQuestions } from '../support/multi-agent-scripts.js';
import { assertOk, cleanEnv, json, runCli } from './cli-support.js';

let env: TestEnv;
const scratch = mkdtempSync(path.join(tmpdir(), 'swarm-test-'));
before(async () => {
  // Continue-as-new is suggested early, so that swarms (and their agents' runs) hand off during the tests.
  env = await TestEnv.start({ extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=120'] });
  await env.startWorker();
});
after(async () => env?.teardown());

const cli = (args: string[]) => runCli(args, { cwd: scratch, env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue } });
const result = async (id: string) => (await env.agents.result(id)) as unknown as MultiAgentResult;

test('Strands test_swarm_handoff_functionality + test_shared_context: triage hands off to reporter with a message and context; reporter sees both and ends the swarm', async () => {
  const models = scripts({ triage: [handoff('reporter', 'Summarise the findings', { status: 'triaged' }), text('Handed to reporter.')], reporter: [text('All done.')] });
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Tell me about my files', models });
  const done = await result(workflowId);
  assert.deepEqual(done.order, ['triage', 'reporter']);
  assert.equal(done.text, 'All done.');
  assert.deepEqual(done.handoffs, [{ from: 'triage', to: 'reporter', message: 'Summarise the findings' }]);
  assert.deepEqual(done.context, { triage: { status: 'triaged' } });
  // The handoff bookkeeping leaves no trace in the shared state.
  assert.deepEqual(done.state, {});
  const conversation = await env.client.workflow.getHandle(`${workflowId}--2-reporter`).query(conversationQuery);
  const prompt = (conversation[0] as Message).content.map((block) => ('text' in block ? block.text : '')).join('');
  assert.match(prompt, /^Tell me about my files/);
  assert.match(prompt, /triage handed the task to you: Summarise the findings/);
  assert.match(prompt, /Shared context: \{"triage":\{"status":"triaged"\}\}/);
  // What the triage model read back from its handoff call.
  const triage = await env.client.workflow.getHandle(`${workflowId}--1-triage`).query(conversationQuery);
  assert.match(JSON.stringify(triage), /Handed off to reporter/);
});

test('Strands test_swarm_auto_completion_without_handoff: the entry agent answers; one turn, completed', async () => {
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Just say hi', models: scripts({ triage: [text('Hi.')] }) });
  const done = await result(workflowId);
  assert.deepEqual(done.order, ['triage']);
  assert.equal(done.text, 'Hi.');
});

test('Strands test_swarm_tool_creation_and_execution: a handoff to an unknown agent is an error result the model reads; the swarm goes on', async () => {
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Go', models: scripts({ triage: [handoff('nobody', 'x'), text('No such agent; done.')] }) });
  const done = await result(workflowId);
  assert.deepEqual(done.order, ['triage']);
  const triage = await env.client.workflow.getHandle(`${workflowId}--1-triage`).query(conversationQuery);
  assert.match(JSON.stringify(triage), /Agent \\"nobody\\" not found in swarm file-swarm; its agents: cleaner, reporter/);
});

test('a handoff written into the state by other means is followed only to another agent of the swarm definition', async () => {
  const forged = (handoff: JsonValue) => scripts({ forger: [{ tools: [{ name: 'forge_handoff', input: { handoff } }] }, text('Forged.')], briefer: [text('briefer ran')], triage: [text('triage ran')] });
  const cases: Array<[JsonValue, RegExp]> = [
    // briefer is an agent of this worker, but not of the swarm.
    [{ agent: 'briefer', message: 'x' }, /forger handed off wrongly: "briefer" is not an agent of the swarm \(forger, triage\)/],
    [{ agent: 'forger', message: 'x' }, /forger handed off to itself/],
    [{ agent: 42, message: 'x' }, /the handoff names no agent/],
    [{ agent: 'triage', message: { not: 'text' } }, /the handoff has no message/],
  ];
  for (const [handoff, reason] of cases) {
    const { workflowId } = await env.agents.startSwarm({ name: 'forged-swarm', prompt: 'Go', models: forged(handoff) });
    const ended = await env.agents.wait(workflowId);
    assert.equal(ended.status, 'failed', JSON.stringify(handoff));
    assert.match(ended.error ?? '', reason);
    assert.deepEqual((await env.agents.multiAgentStatus(workflowId)).order, ['forger']);
  }
  const { workflowId } = await env.agents.startSwarm({ name: 'forged-swarm', prompt: 'Go', models: forged({ agent: 'triage', message: 'yours' }) });
  assert.deepEqual((await result(workflowId)).order, ['forger', 'triage']);
});

test('Strands max_handoffs: one handoff too many fails the swarm, naming the limit and the turns', async () => {
  const models = scripts({ triage: [handoff('reporter', 'you'), text('ok')], reporter: [handoff('triage', 'no, you'), text('ok')] });
  const { workflowId } = await env.agents.startSwarm({ name: 'tiny-swarm', prompt: 'Who does it?', models });
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /handoff limit reached: 1 handoffs \(triage -> reporter -> triage\)/);
});

test('Strands repetitive handoff detection: triage and reporter handing the task back and forth fails the swarm', async () => {
  const models = scripts({ triage: [handoff('reporter', 'you'), text('ok')], reporter: [handoff('triage', 'no, you'), text('ok')] });
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Who does it?', models });
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /repetitive handoff: the last 6 turns went to only triage and reporter/);
  assert.equal((await env.agents.multiAgentStatus(workflowId)).order.length, 5);
});

test("Strands test_swarm_interrupt + test_swarm_interrupt_node, through the CLI: cleaner's turn waits for approval, then cleaner's own question; approved, the file is deleted", async () => {
  const workspace = env.workspace({ 'old_report.txt': 'r' });
  const file = path.join(scratch, 'swarm.json');
  writeFileSync(
    file,
    JSON.stringify({
      triage: [handoff('cleaner', 'Delete old_report.txt', { files: ['old_report.txt'] }), text('Handed to cleaner.')],
      cleaner: [...deleting(['old_report.txt']), handoff('reporter', 'Say what was deleted'), text('Handed to reporter.')],
      reporter: [text('old_report.txt was deleted.')],
    }),
  );
  const { workflowId: id } = json<{ workflowId: string }>(assertOk(await cli(['swarm', 'start', 'file-swarm', '--model', `scripted:${file}`, '--workspace', workspace, '--json', 'Clean up']), ['swarm start']));
  await untilQuestions(env, id, 1);
  const view = json<MultiAgentView>(assertOk(await cli(['swarm', 'status', id, '--json']), ['swarm status']));
  assert.equal(view.status, 'interrupted');
  assert.deepEqual(view.interruptedNodes.map((node) => [node.node, node.questions.map((question) => [question.name, question.reason])]), [['cleaner', [['cleaner_interrupt', 'need approval']]]]);
  assert.match(assertOk(await cli(['swarm', 'status', id]), ['swarm status']).stdout, /handoff triage -> cleaner: Delete old_report.txt/);
  assertOk(await cli(['respond', id, 'hook:beforeNode:2-cleaner:cleaner_interrupt', 'APPROVE']), ['respond']);

  // Now the cleaner's own question (its delete approval), shown here with its run.
  const asked = await untilQuestions(env, id, 1);
  assert.equal(asked.pending[0]!.runId, `${id}--2-cleaner`);
  assert.deepEqual(asked.multiAgent.interruptedNodes.map((node) => node.node), ['cleaner']);
  assertOk(await cli(['approve', id]), ['approve']);
  const final = assertOk(await cli(['result', id]), ['result']).stdout;
  assert.match(final, /old_report.txt was deleted\./);
  const done = await result(id);
  assert.deepEqual(done.order, ['triage', 'cleaner', 'reporter']);
  assert.equal(existsSync(path.join(workspace, 'old_report.txt')), false);
});

test('Strands test_swarm_interrupt_reject / test_swarm_cancel_node: rejected before its turn, cleaner never runs and the swarm fails', async () => {
  const models = scripts({ triage: [handoff('cleaner', 'Delete it'), text('Handed.')], cleaner: [text('never')] });
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Clean up', models });
  const status = await untilQuestions(env, workflowId, 1);
  await env.agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'REJECT' });
  const ended = await env.agents.wait(workflowId);
  assert.equal(ended.status, 'failed');
  assert.match(ended.error ?? '', /agent cleaner was cancelled: node rejected/);
  const view = await env.agents.multiAgentStatus(workflowId);
  assert.equal(view.nodes.triage?.status, 'completed');
  assert.equal(view.nodes.cleaner?.status, 'cancelled');
  // No run of cleaner was started.
  const runs = [];
  for await (const run of env.client.workflow.list({ query: `WorkflowId = "${workflowId}--2-cleaner"` })) runs.push(run);
  assert.equal(runs.length, 0);
});

test('cancelling a swarm cancels the agent whose turn it is (waiting for a person) and ends cancelled', async () => {
  const models = scripts({ triage: [handoff('cleaner', 'Delete it'), text('Handed.')], cleaner: [...deleting(['old_report.txt']), text('done')] });
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Clean up', models, workspace: env.workspace({ 'old_report.txt': 'r' }) });
  let status = await untilQuestions(env, workflowId, 1);
  await env.agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'y' });
  status = await untilQuestions(env, workflowId, 1);
  assert.equal(status.pending[0]!.runId, `${workflowId}--2-cleaner`);
  await env.agents.cancel(workflowId);
  assert.equal((await untilEnded(env, workflowId)).status, 'cancelled');
  assert.equal((await env.agents.status(`${workflowId}--2-cleaner`)).status, 'cancelled');
});

test('a swarm continues as new while a turn waits for approval, keeping its turns, handoffs, context and the question', async () => {
  const models = scripts({ triage: [handoff('reporter', 'Write it up', { topic: 'files' }), text('Handed.')], reporter: [handoff('cleaner', 'Now delete'), text('Handed.')], cleaner: [text('Nothing to delete.')] });
  const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Tidy up', models });
  const before = await untilQuestions(env, workflowId, 1);
  assert.equal(before.pending[0]!.id, 'hook:beforeNode:3-cleaner:cleaner_interrupt');
  const handle = env.client.workflow.getHandle(workflowId);
  const first = (await handle.describe()).runId;
  for (let n = 0; n < 150 && (await handle.describe()).runId === first; n++) await handle.signal(respondSignal, { interruptId: `nobody-${n}`, response: 'x' });
  assert.notEqual((await handle.describe()).runId, first, 'the swarm continued as new');
  const after = await untilQuestions(env, workflowId, 1);
  assert.deepEqual(after.pending.map((question) => [question.id, question.raisedAt]), before.pending.map((question) => [question.id, question.raisedAt]));
  assert.deepEqual(after.multiAgent.order, ['triage', 'reporter', 'cleaner']);
  await env.agents.respond(workflowId, { interruptId: after.pending[0]!.id, response: 'APPROVE' });
  const done = await result(workflowId);
  assert.deepEqual(done.order, ['triage', 'reporter', 'cleaner']);
  assert.equal(done.text, 'Nothing to delete.');
  assert.deepEqual(done.context, { triage: { topic: 'files' } });
  assert.deepEqual(done.handoffs?.map((one) => one.to), ['reporter', 'cleaner']);
});
