/**
 * Graphs on a real dev server, ported scenario by scenario from Strands' graph tests
 * (tests_integ/interrupts/multiagent/test_hook.py and test_node.py, tests_integ/hooks/multiagent/
 * test_cancel.py, tests/strands/multiagent/test_graph.py): parallel nodes, a beforeNode hook that
 * asks (approve, reject) or cancels, a node's own question bubbling once, conditional edges,
 * failures, cancel, continue-as-new; through the CLI where it has the feature.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { graph } from '../../src/agent/multi-agent/graph-definition.js';
import { respondSignal } from '../../src/workflows/messages.js';
import type { MultiAgentResult, MultiAgentStatus, MultiAgentView } from '../../src/workflows/multi-agent-messages.js';
import { signedBy } from '../support/approvers.js';
import { TestEnv } from '../support/env.js';
import { dailyBrief, deleting, scripts, text, untilEnded, untilQuestions } from '../support/multi-agent-scripts.js';
import { assertOk, cleanEnv, json, runCli } from './cli-support.js';

let env: TestEnv;
const scratch = mkdtempSync(path.join(tmpdir(), 'graph-test-'));
before(async () => {
  // Continue-as-new is suggested early, so that graphs (and their agent nodes) hand off during the tests.
  env = await TestEnv.start({ extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=120'] });
  await env.startWorker();
});
after(async () => env?.teardown());

const cli = (args: string[]) => runCli(args, { cwd: scratch, env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue } });
const names = (view: MultiAgentView) => view.interruptedNodes.map((node) => node.node).sort();

test('graph() refuses a cycle, an edge to an unknown node, a duplicate or unsafe id, an unknown entry (Strands test_graph_builder_validation)', () => {
  const node = (id: string) => ({ id, run: () => id });
  assert.throws(() => graph({ name: 'g', nodes: [node('a'), node('b')], edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }], entry: ['a'] }), /cycle \(a -> b -> a\)/);
  assert.throws(() => graph({ name: 'g', nodes: [node('a')], edges: [{ from: 'a', to: 'x' }] }), /unknown node "x"/);
  assert.throws(() => graph({ name: 'g', nodes: [node('a'), node('a')], edges: [] }), /"a" is used twice/);
  assert.throws(() => graph({ name: 'g', nodes: [node('a b')], edges: [] }), /letters, digits/);
  assert.throws(() => graph({ name: 'g', nodes: [node('a')], edges: [], entry: ['z'] }), /entry "z" is not a node/);
  assert.throws(() => graph({ name: 'g', nodes: [], edges: [] }), /at least one node/);
});

test('Strands test_graph_interrupt: day and weather wait at beforeNode while time runs; interrupted with both; approved, all complete', async () => {
  const { workflowId } = await env.agents.startGraph({ name: 'daily-brief', prompt: 'What is the day, time, and weather?', models: dailyBrief() });
  const status = await untilQuestions(env, workflowId, 2);
  assert.equal(status.status, 'waiting');
  assert.equal(status.multiAgent.status, 'interrupted');
  assert.deepEqual(names(status.multiAgent), ['day', 'weather']);
  assert.deepEqual(status.pending.map((question) => [question.name, question.reason]).sort(), [['day_interrupt', 'need approval'], ['weather_interrupt', 'need approval']]);
  assert.equal(status.multiAgent.nodes.info?.status, 'completed');
  assert.equal(status.multiAgent.nodes.summary?.status, 'pending');
  // The same view through the client's typed reader, and the search attribute the inbox reads.
  assert.equal((await env.agents.multiAgentStatus(workflowId)).status, 'interrupted');
  const attributes = (await env.client.workflow.getHandle(workflowId).describe()).searchAttributes as Record<string, unknown[]>;
  assert.deepEqual(attributes.AgentStatus, ['waiting']);
  // The inbox lists each question once, here, where it is asked.
  const inbox = (await env.agents.inbox()).filter((item) => item.workflowId === workflowId);
  assert.deepEqual(inbox.map((item) => item.name).sort(), ['day_interrupt', 'weather_interrupt']);

  await env.agents.respond(workflowId, status.pending.map((question) => ({ interruptId: question.id, response: 'APPROVE', respondedBy: 'tester' })));
  const done = await env.agents.wait(workflowId);
  assert.equal(done.status, 'completed');
  const result = await env.agents.multiAgentResult(workflowId);
  assert.match(result.results.day!.text, /monday/);
  assert.match(result.results.time!.text, /12:01/);
  assert.match(result.results.weather!.text, /sunny/);
  // No rain: the conditional edge to umbrella is not traversed.
  assert.equal(result.results.umbrella!.status, 'skipped');
  assert.equal(result.order[0], 'info');
  assert.equal(result.order.at(-1), 'summary');
  assert.equal(result.text, 'day: It is monday.\ntime: It is 12:01.\nweather: It is sunny.');
  assert.deepEqual((await env.agents.status(workflowId)).answered.map((answer) => answer.respondedBy), ['tester', 'tester']);
});

test('Strands test_graph_interrupt_reject, through the CLI: weather rejected, the graph fails with "node rejected"', async () => {
  const file = path.join(scratch, 'brief.json');
  writeFileSync(file, JSON.stringify({ info: [text('Brief.')], day: [text('monday')], time: [text('12:01')], weather: [text('It will rain.')], umbrella: [text('umbrella')] }));
  const started = json<{ workflowId: string }>(assertOk(await cli(['graph', 'start', 'daily-brief', '--model', `scripted:${file}`, '--json', 'What is the day, time, and weather?']), ['graph start']));
  const id = started.workflowId;
  await untilQuestions(env, id, 2);
  const view = json<MultiAgentView>(assertOk(await cli(['graph', 'status', id, '--json']), ['graph status']));
  assert.equal(view.status, 'interrupted');
  assert.deepEqual(names(view), ['day', 'weather']);
  const human = assertOk(await cli(['graph', 'status', id]), ['graph status']).stdout;
  assert.match(human, /graph daily-brief interrupted/);
  assert.match(human, /interrupted weather: weather_interrupt — need approval \(id hook:beforeNode:weather:weather_interrupt\)/);
  assertOk(await cli(['respond', id, 'hook:beforeNode:day:day_interrupt', 'APPROVE']), ['respond']);
  assertOk(await cli(['respond', id, 'hook:beforeNode:weather:weather_interrupt', 'REJECT']), ['respond']);
  const ended = json<MultiAgentStatus>(assertOk(await cli(['wait', id, '--json']), ['wait']));
  assert.equal(ended.status, 'failed');
  assert.match(ended.error ?? '', /node weather was cancelled: node rejected/);
  const final = await env.agents.multiAgentStatus(id);
  assert.equal(final.status, 'failed');
  assert.equal(final.nodes.weather?.status, 'cancelled');
  assert.notEqual(final.nodes.umbrella?.status, 'completed');
  assert.equal(final.nodes.summary?.status, 'pending');
  assert.match((await cli(['result', id])).stderr, /node rejected/);
});

test('a beforeNode question that names its approvers counts only a signed answer: a claimed name, or another key, is refused', async () => {
  const { workflowId } = await env.agents.startGraph({ name: 'signed-graph', prompt: 'Ship it?' });
  const [question] = (await untilQuestions(env, workflowId, 1)).pending;
  assert.equal(question?.proofRequired, true);
  const answer = { interruptId: question!.id, response: 'APPROVE' };
  await assert.rejects(env.agents.respond(workflowId, { ...answer, respondedBy: 'alice' }), /needs a signed answer|signed with an approver's key/);
  await assert.rejects(env.agents.answer(workflowId, [answer], (runId, bound) => signedBy('mallory', runId, bound)), /needs a signed answer|not one of them/);
  // A forged signal is ignored, not taken.
  await env.agents.signal(workflowId, { ...answer, respondedBy: 'alice' });
  let status = await env.agents.status(workflowId);
  for (let n = 0; n < 50 && status.ignored.length === 0; n++) status = (await new Promise((resolve) => setTimeout(resolve, 100)), await env.agents.status(workflowId));
  assert.equal(status.status, 'waiting');
  assert.match(status.ignored[0]?.error ?? '', /signed/);
  await env.agents.answer(workflowId, [answer], (runId, bound) => signedBy('alice', runId, bound));
  assert.equal((await env.agents.wait(workflowId)).status, 'completed');
  const answered = (await env.agents.status(workflowId)).answered;
  assert.deepEqual(answered.map((one) => [one.respondedBy, one.verified]), [['alice', true]]);
});

test('Strands test_graph_cancel_node: a hook that cancels without asking fails the graph with its reason', async () => {
  const { workflowId } = await env.agents.startGraph({ name: 'cancel-graph', prompt: 'What is the weather', models: scripts({ info: [text('info')], weather: [text('never')] }) });
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /node weather was cancelled: test cancel/);
  const view = await env.agents.multiAgentStatus(workflowId);
  assert.equal(view.nodes.info?.status, 'completed');
  assert.equal(view.nodes.weather?.status, 'cancelled');
});

test("Strands test_graph_interrupt_node: a node's own agent asks; the question shows once (in the inbox, at the node's run) and `hitl approve GRAPH` answers it there", async () => {
  const workspace = env.workspace({ 'old_report.txt': 'r' });
  const models = scripts({ plan: [text('Plan: delete old_report.txt.')], cleanup: [...deleting(['old_report.txt']), text('Deleted.')] });
  const { workflowId } = await env.agents.startGraph({ name: 'file-cleanup', prompt: 'Clean up old files', models, workspace });
  const status = await untilQuestions(env, workflowId, 1);
  assert.equal(status.multiAgent.status, 'interrupted');
  assert.deepEqual(names(status.multiAgent), ['cleanup']);
  const question = status.pending[0]!;
  assert.equal(question.runId, `${workflowId}--cleanup`);
  assert.match(question.ownId ?? '', /^hook:beforeToolCall:scripted-2-0:/);
  assert.equal(question.toolName, 'delete_files');
  const inbox = (await env.agents.inbox()).filter((item) => item.workflowId.startsWith(workflowId));
  assert.deepEqual(inbox.map((item) => [item.workflowId, item.tool]), [[`${workflowId}--cleanup`, 'delete_files']]);

  assertOk(await cli(['approve', workflowId]), ['approve']);
  const result = (await env.agents.result(workflowId)) as unknown as MultiAgentResult;
  assert.deepEqual(result.order, ['plan', 'cleanup', 'report']);
  assert.match(result.text, /^Plan carried out: Deleted\./);
  assert.equal(existsSync(path.join(workspace, 'old_report.txt')), false);
});

test('conditional edge: a plan that names no file skips the cleanup; rain sends the weather to umbrella', async () => {
  const { workflowId } = await env.agents.startGraph({ name: 'file-cleanup', prompt: 'Anything to clean?', models: scripts({ plan: [text('Nothing to delete today')] }) });
  const result = (await env.agents.result(workflowId)) as unknown as MultiAgentResult;
  assert.equal(result.results.cleanup!.status, 'skipped');
  assert.equal(result.text, 'Nothing to delete: Nothing to delete today');

  const rainy = await env.agents.startGraph({ name: 'daily-brief', prompt: 'Brief me', models: dailyBrief('Heavy rain all day.') });
  const status = await untilQuestions(env, rainy.workflowId, 2);
  await env.agents.respond(rainy.workflowId, status.pending.map((question) => ({ interruptId: question.id, response: 'y' })));
  const brief = (await env.agents.result(rainy.workflowId)) as unknown as MultiAgentResult;
  assert.equal(brief.results.umbrella!.status, 'completed');
  assert.match(brief.text, /umbrella: Take an umbrella\./);
});

test('Strands test_graph_execution_with_failures: a failing agent node or function node fails the graph, naming the node', async () => {
  const fn = await env.agents.startGraph({ name: 'failing-function-graph', prompt: 'parse this' });
  const failed = await env.agents.wait(fn.workflowId);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /node parse failed: cannot parse the task/);
  assert.equal((await env.agents.multiAgentStatus(fn.workflowId)).nodes.after?.status, 'pending');

  // The plan node's script ends before its run does: its run fails, and so does the graph.
  const agentNode = await env.agents.startGraph({ name: 'file-cleanup', prompt: 'Clean up', models: scripts({ plan: [{ tools: [{ name: 'nothing_here', input: {} }] }] }) });
  const ended = await env.agents.wait(agentNode.workflowId);
  assert.equal(ended.status, 'failed');
  assert.match(ended.error ?? '', /node plan failed: .*script/i);
});

test('cancelling a graph cancels its running nodes (a node waiting for a person) and ends cancelled', async () => {
  const models = scripts({ plan: [text('Plan: delete old_report.txt.')], cleanup: [...deleting(['old_report.txt']), text('Deleted.')] });
  const { workflowId } = await env.agents.startGraph({ name: 'file-cleanup', prompt: 'Clean up', models, workspace: env.workspace({ 'old_report.txt': 'r' }) });
  await untilQuestions(env, workflowId, 1);
  await env.agents.cancel(workflowId);
  const status = await untilEnded(env, workflowId);
  assert.equal(status.status, 'cancelled');
  assert.equal((await env.agents.status(`${workflowId}--cleanup`)).status, 'cancelled');
});

test('a graph continues as new while its nodes wait, keeping its results, its questions and its running nodes', async () => {
  const { workflowId } = await env.agents.startGraph({ name: 'daily-brief', prompt: 'Brief me', models: dailyBrief() });
  const before = await untilQuestions(env, workflowId, 2);
  // Answers nobody asked for grow the history (each is ignored) until Temporal suggests a new run.
  const handle = env.client.workflow.getHandle(workflowId);
  const first = (await handle.describe()).runId;
  for (let n = 0; n < 150 && (await handle.describe()).runId === first; n++) await handle.signal(respondSignal, { interruptId: `nobody-${n}`, response: 'x' });
  assert.notEqual((await handle.describe()).runId, first, 'the graph continued as new');
  const after = await untilQuestions(env, workflowId, 2);
  assert.deepEqual(after.pending.map((question) => [question.id, question.raisedAt]).sort(), before.pending.map((question) => [question.id, question.raisedAt]).sort());
  assert.equal(after.multiAgent.nodes.info?.status, 'completed');
  await env.agents.respond(workflowId, after.pending.map((question) => ({ interruptId: question.id, response: 'APPROVE' })));
  const result = (await env.agents.result(workflowId)) as unknown as MultiAgentResult;
  assert.equal(result.results.info!.text, 'Brief for Monday.');
  assert.equal(result.results.day!.text, 'It is monday.');
});

test('exactly once across continue-as-new: a node whose child run closed around the hand-off is attached to, not started again', async () => {
  const models = scripts({ plan: [text('Plan: delete old_report.txt.')], cleanup: [...deleting(['old_report.txt']), text('Deleted.')] });
  const { workflowId } = await env.agents.startGraph({ name: 'file-cleanup', prompt: 'Clean up', models, workspace: env.workspace({ 'old_report.txt': 'r' }) });
  await untilQuestions(env, workflowId, 1);
  const handle = env.client.workflow.getHandle(workflowId);
  const child = `${workflowId}--cleanup`;
  // Signals until the graph continues as new (or ends: once the new run finds the child closed).
  const handOff = async () => {
    const first = (await handle.describe()).runId;
    for (let n = 0; n < 150; n++) {
      const now = await handle.describe();
      if (now.runId !== first || now.status.name !== 'RUNNING') return;
      await handle.signal(respondSignal, { interruptId: `nobody-${n}`, response: 'x' }).catch(() => undefined);
    }
  };
  // The second run finds cleanup's child (started by the first) running and waits for it.
  await handOff();
  await untilQuestions(env, workflowId, 1);
  // The child closes without a report (an operator ends it), and the graph hands off again before it notices.
  await env.client.workflow.getHandle(child).terminate('closes around the hand-off');
  await handOff();
  let status = await env.agents.status(workflowId);
  for (let n = 0; n < 100 && (status.status === 'running' || status.status === 'waiting'); n++) status = (await new Promise((resolve) => setTimeout(resolve, 200)), await env.agents.status(workflowId));
  const runs = [];
  for await (const run of env.client.workflow.list({ query: `WorkflowId = "${child}"` })) runs.push(run.runId);
  assert.equal(runs.length, 1, 'cleanup ran once');
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', /node cleanup failed: .*ended without reporting/);
});

test('hitl graph run asks every question in the terminal until the graph ends; an unknown graph is refused at start', async () => {
  const file = path.join(scratch, 'brief-run.json');
  writeFileSync(file, JSON.stringify({ info: [text('Brief.')], day: [text('monday')], time: [text('12:01')], weather: [text('sunny')] }));
  const ran = await runCli(['graph', 'run', 'daily-brief', '--model', `scripted:${file}`, 'Brief me'], {
    cwd: scratch,
    input: 'APPROVE\nAPPROVE\n',
    env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue },
  });
  assertOk(ran, ['graph run']);
  assert.match(ran.stdout, /need approval/);
  assert.match(ran.stdout, /day: monday\ntime: 12:01\nweather: sunny/);
  assert.match(ran.stdout, /graph daily-brief completed: info -> (day|time|weather) -> (day|time|weather) -> (day|time|weather) -> summary/);

  const refused = await cli(['graph', 'start', 'no-such-graph', 'hello']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /unknown graph "no-such-graph"; this worker has: daily-brief, file-cleanup/);
  const swarmRefused = await cli(['swarm', 'start', 'no-such-swarm', 'hello']);
  assert.match(swarmRefused.stderr, /unknown swarm "no-such-swarm"; this worker has: file-swarm/);
});
