/**
 * Strands' own tests (strands-agents/sdk-python), ported scenario by scenario where no test of this
 * project covered them yet (docs/strands-tests.md maps every scenario): the interrupt stop reason
 * through `DurableAgent` (tests_integ/interrupts), hook events around a direct tool call and a run
 * with structured output (test_agent_hooks.py), answers from code over several turns, structured
 * output across the runs of one session (tests_integ/test_structured_output_agent_loop.py, through
 * the CLI), and a summarizing manager on a run with an output schema
 * (test_summarizing_conversation_manager.py). A real dev server, scripted Bedrock replies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { z } from 'zod';
import { SUMMARY_SYSTEM_PROMPT } from '../../src/agent/conversation.js';
import { OUTPUT_TOOL } from '../../src/agent/structured-output.js';
import type { JsonObject, Message, ModelChoice } from '../../src/agent/types.js';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { DurableAgent } from '../../src/sdk/strands-agent.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { SUMMARY_MODEL_ID } from '../support/conversation-agents.js';
import { TestEnv } from '../support/env.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';
import { allowlistBody } from '../support/hook-answer-agents.js';
import { registerReplayBundle } from '../support/run-checks.js';
import { strandsPortedTools } from '../support/strands-ported-tools.js';
import { createTestTools, readLedger } from '../support/test-tools.js';
import { assertOk, cleanEnv, json, runCli } from './cli-support.js';

const WORKFLOWS = fileURLToPath(new URL('../support/strands-ported-workflows.ts', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-strands-ported-'));
let env: TestEnv;

before(async () => {
  env = await TestEnv.start();
  const workflowBundle = await registerReplayBundle(
    bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })),
  );
  await env.startWorker({ workflowBundle, tools: [...createTestTools(env.ledger), allowlistBody, ...strandsPortedTools] });
});
after(async () => {
  await env?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { cwd: scratch, env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue } });
const file = (name: string, content: unknown) => {
  const at = path.join(scratch, name);
  writeFileSync(at, JSON.stringify(content));
  return at;
};
const recorded = (label: string) => readLedger(env.ledger).filter((entry) => entry.tool === 'record_action' && entry.label === label).length;

type Block = { text?: string; toolResult?: { status: string; content: Array<{ text?: string }> } };
/** The tool results of a message, as `{ status, text }`, in their order. */
const toolResultsOf = (message: Message | undefined) =>
  ((message?.content ?? []) as Block[]).flatMap((block) => (block.toolResult ? [{ status: block.toolResult.status, text: block.toolResult.content.map((part) => part.text).join('') }] : []));

/** Strands' scripted model of tests_integ/interrupts: calls `tools` together, then repeats every tool result it got. */
const toolsThenEcho = (tools: string[]): ModelChoice =>
  env.bedrockResponder((request) => {
    const results = toolResultsOf(request.body.messages.at(-1));
    if (results.length) return { kind: 'text', text: `answers: ${results.map((result) => result.text).join(', ')}` };
    return { kind: 'toolUse', uses: tools.map((name) => ({ name, input: {} })) };
  });

const asked = (interrupts: Array<{ name: string; reason: unknown }>) =>
  interrupts.map(({ name, reason }) => ({ name, reason })).sort((a, b) => String(a.reason).localeCompare(String(b.reason)));

describe('the interrupt stop reason (tests_integ/interrupts)', () => {
  test('test_hook::test_interrupt and test_session: a hook question stops the run; another instance resumes it with APPROVE; both tools ran', async () => {
    const model = toolsThenEcho(['time_tool', 'weather_tool']);
    const sessionId = `sp-clock-${process.pid}`;
    const first = await new DurableAgent(env.agents, { agent: 'sp-clock', model, sessionId }).invoke('What is the time and weather?');
    assert.equal(first.stopReason, 'interrupt');
    assert.deepEqual(asked(first.interrupts), [{ name: 'test_interrupt', reason: 'need approval' }]);

    // Strands builds a second Agent over the same FileSessionManager; here another instance picks the run up.
    const second = new DurableAgent(env.agents, { agent: 'sp-clock', sessionId });
    const picked = await second.fromRun(first.runId);
    assert.equal(picked.stopReason, 'interrupt');
    const done = await second.resume([{ interruptResponse: { interruptId: picked.interrupts[0]!.id, response: 'APPROVE' } }]);
    assert.equal(done.stopReason, 'end_turn');
    assert.match(done.text, /12:00/);
    assert.match(done.text, /sunny/);
    const messages = done.result!.messages;
    // Strands' list follows completion (the weather first); here results keep the order the model asked.
    assert.deepEqual(toolResultsOf(messages.at(-2)), [
      { status: 'success', text: '12:00' },
      { status: 'success', text: 'sunny' },
    ]);
    const session = await env.settledSession(sessionId);
    assert.equal(session.runs.length, 1);
    assert.equal(session.messageCount, 4, 'the session keeps the prompt, the calls, their results and the answer');
  });

  test('test_hook::test_interrupt_reject (and a falsey answer, test_interrupt_hook_event_interrupt_response_falsey): the tool is cancelled, the other runs', async () => {
    for (const response of ['REJECT', false] as const) {
      const agent = new DurableAgent(env.agents, { agent: 'sp-clock', model: toolsThenEcho(['time_tool', 'weather_tool']) });
      const first = await agent.invoke('What is the time and weather?');
      assert.equal(first.stopReason, 'interrupt');
      const done = await agent.resume([{ interruptResponse: { interruptId: first.interrupts[0]!.id, response } }]);
      assert.equal(done.stopReason, 'end_turn', `answered ${JSON.stringify(response)}`);
      assert.deepEqual(toolResultsOf(done.result!.messages.at(-2)), [
        { status: 'error', text: 'tool rejected' },
        { status: 'success', text: 'sunny' },
      ]);
      assert.deepEqual(done.result!.interrupts.map((answer) => answer.response), [response], 'the answer, as given, asked once');
    }
  });

  test('test_tool::test_interrupt: a hook and a tool ask, then the approved tool asks in turn; answered as asked, the run completes', async () => {
    const agent = new DurableAgent(env.agents, { agent: 'sp-asking-clock', model: toolsThenEcho(['ask_time_tool', 'day_tool', 'weather_tool']) });
    const answers: Record<string, string> = { 'need approval': 'APPROVE', 'need day': 'monday', 'need time': '12:01' };
    // Strands stops once with both first questions. Here the run stops as soon as one waits, while
    // the other tools still run: day_tool's question may come with the hook's or at the next stop.
    // Strands' own loop (`while stop_reason == "interrupt"`) answers whatever each stop shows.
    const stops: string[][] = [];
    let result = await agent.invoke('What is the time, day, and weather?');
    while (result.stopReason === 'interrupt') {
      stops.push(asked(result.interrupts).map((question) => { assert.equal(question.name, 'test_interrupt'); return String(question.reason); }));
      result = await agent.resume(result.interrupts.map((question) => ({ interruptResponse: { interruptId: question.id, response: answers[String(question.reason)]! } })));
    }
    assert.ok(stops[0]!.includes('need approval'), 'the hook question stops the run first');
    assert.ok(!stops[0]!.includes('need time'), 'the tool asks for the time only once approved');
    assert.deepEqual(stops.flat().sort(), ['need approval', 'need day', 'need time'], 'each question asked once');
    assert.equal(result.stopReason, 'end_turn');
    for (const word of ['12:01', 'monday', 'sunny']) assert.match(result.text, new RegExp(word));
    const results = toolResultsOf(result.result!.messages.at(-2)).sort((a, b) => a.text.localeCompare(b.text));
    assert.deepEqual(results, [
      { status: 'success', text: '12:01' },
      { status: 'success', text: 'monday' },
      { status: 'success', text: 'sunny' },
    ]);
  });
});

describe('hooks (test_agent_hooks.py)', () => {
  test('test_agent_tool_call: a direct call fires the tool events and messageAdded for its four messages, no invocation or model events', async () => {
    const { workflowId } = await env.agents.callTool({ agent: 'sp-hooked', tool: 'record_action', input: { label: 'sp-direct' } });
    const result = await env.agents.result(workflowId);
    // test_caller.py::test_agent_tool: the result is the tool result, under the call's id.
    assert.deepEqual(result.toolResult, { toolUseId: 'direct-1', status: 'success', content: [{ text: 'recorded sp-direct' }] });
    assert.equal(recorded('sp-direct'), 1);
    assert.equal(result.messages.length, 4);
    // Strands adds the four messages after the call; here the request is added before the tool
    // runs, the call, its result and the acknowledgement after it; beforeTools fires too.
    assert.deepEqual(result.state.events, [
      'messageAdded:user',
      'beforeTools',
      'beforeToolCall',
      'afterToolCall',
      'messageAdded:assistant',
      'messageAdded:user',
      'messageAdded:assistant',
    ]);
  });

  test('test_agent_structured_output_hooks, through the CLI: a run with an output schema fires the invocation events around its model calls', async () => {
    const schema = file('user.schema.json', { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false });
    const turns = file('user-turns.json', [{ tools: [{ name: OUTPUT_TOOL, input: { name: 'Jane' } }] }]);
    const ran = json<{ output?: unknown; state: JsonObject; messages: Message[] }>(
      assertOk(await cli(['run', '--json', '--agent', 'sp-hooked', '--model', `scripted:${turns}`, '--output-schema', schema, 'example prompt']), ['run']),
    );
    assert.deepEqual(ran.output, { name: 'Jane' });
    // Strands' deprecated agent.structured_output() fires only the two invocation events and adds no
    // message; here structured output is a run like any other (the output call is the model's turn).
    assert.deepEqual(ran.state.events, [
      'beforeInvocation',
      'messageAdded:user',
      'beforeModelCall',
      'afterModelCall',
      'messageAdded:assistant',
      'afterInvocation',
    ]);
  });

  test('test_after_invocation_resume_multiple_times, adapted: a hook answers the questions of every turn of one run; nobody is asked', async () => {
    const turn = (label: string): ScriptedReply => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] });
    const model = env.model(turn('ok-sp-1'), turn('ok-sp-2'), turn('ok-sp-3'), { kind: 'text', text: 'done' });
    const done = await new DurableAgent(env.agents, { agent: 'hook-rule', model }).invoke('record three things');
    assert.equal(done.stopReason, 'end_turn');
    assert.equal(done.text, 'done');
    for (const label of ['ok-sp-1', 'ok-sp-2', 'ok-sp-3']) assert.equal(recorded(label), 1, label);
    assert.deepEqual(
      done.result!.interrupts.map((answer) => [(answer.interrupt.toolInput as { label: string }).label, answer.respondedBy]),
      [['ok-sp-1', 'hook:safe-rule'], ['ok-sp-2', 'hook:safe-rule'], ['ok-sp-3', 'hook:safe-rule']],
    );
  });
});

describe('structured output across the runs of a session (tests_integ/test_structured_output_agent_loop.py), through the CLI', () => {
  test('test_multiple_invocations_different_models and test_follow_up_without_structured_output: each run its own schema, then none', async () => {
    const session = `sp-typed-${process.pid}`;
    const person = file('person.schema.json', { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] });
    const task = file('task.schema.json', { type: 'object', properties: { title: { type: 'string' }, completed: { type: 'boolean' } }, required: ['title', 'completed'] });
    const run = async (name: string, turns: unknown[], schema?: string) => {
      const args = ['run', '--json', '--agent', 'test-tools', '--session', session, '--model', `scripted:${file(name, turns)}`];
      return json<{ output?: unknown; text: string }>(assertOk(await cli([...args, ...(schema ? ['--output-schema', schema] : []), `prompt ${name}`]), ['run']));
    };
    const first = await run('p1.json', [{ tools: [{ name: OUTPUT_TOOL, input: { name: 'John Doe', age: 35 } }] }], person);
    assert.deepEqual(first.output, { name: 'John Doe', age: 35 });
    // The second schema refuses what fits the first: the model is asked again, then fits.
    const second = await run('p2.json', [{ tools: [{ name: OUTPUT_TOOL, input: { name: 'John Doe', age: 35 } }] }, { tools: [{ name: OUTPUT_TOOL, input: { title: 'Review code', completed: true } }] }], task);
    assert.deepEqual(second.output, { title: 'Review code', completed: true });
    const third = await run('p3.json', [{ text: 'one task: Review code' }]);
    assert.equal('output' in third, false);
    assert.equal(third.text, 'one task: Review code');
    const view = await env.settledSession(session);
    assert.equal(view.runs.length, 3);
    assert.ok(view.messageCount >= 8, 'the session kept the three runs');
  });
});

describe('structured output and DurableAgent (test_agent.py)', () => {
  test('test_agent_concurrent_structured_output_raises_exception: a second call while the first is in flight is refused; the first gives its output', async () => {
    const Count = z.object({ n: z.number() });
    const model = env.model({ kind: 'toolUse', uses: [{ name: OUTPUT_TOOL, input: { n: 1 } }] });
    const agent = new DurableAgent(env.agents, { agent: 'test-tools', model, output: Count });
    const first = agent.invoke('count once');
    await assert.rejects(agent.invoke('count again'), /still busy with an earlier invoke/);
    const done = await first;
    assert.equal(done.stopReason, 'tool_use', "as in Strands: the stop reason of the model's output call");
    assert.deepEqual(done.result!.output, { n: 1 });
    assert.equal(env.requestsFor(model).length, 1, 'the refused call sent nothing');
  });
});

describe('conversation managers (test_summarizing_conversation_manager.py)', () => {
  test('test_generate_summary_disables_structured_output_on_summarization_agent: the summary call of a run with an output schema offers no tools', async () => {
    env.bedrock.scriptFor(SUMMARY_MODEL_ID, { kind: 'text', text: 'steps typed-0 and typed-1 were recorded.' });
    const step = (label: string): ScriptedReply => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] });
    const model = env.model(step('typed-0'), step('typed-1'), step('typed-2'), step('typed-3'), { kind: 'toolUse', uses: [{ name: OUTPUT_TOOL, input: { steps: 4 } }] });
    const Steps = z.object({ steps: z.number().int() });
    const { workflowId } = await env.agents.start({ agent: 'cm-summary', prompt: 'Record four steps.', model, output: Steps });
    assert.deepEqual(await env.agents.output(workflowId, Steps), { steps: 4 });
    const summaries = env.bedrock.requests.filter((request) => request.modelId === SUMMARY_MODEL_ID);
    assert.equal(summaries.length, 1);
    assert.deepEqual(summaries[0]!.body.system, [{ text: SUMMARY_SYSTEM_PROMPT }]);
    assert.equal(summaries[0]!.body.toolConfig, undefined, 'no tools, no output tool, no tool choice');
    const last = env.requestsFor(model).at(-1)!.body;
    assert.ok(last.toolConfig.tools.some((tool: { toolSpec?: { name: string } }) => tool.toolSpec?.name === OUTPUT_TOOL), 'the run itself still offers the output tool');
    assert.deepEqual(env.bedrock.violations, []);
  });

  test('test_generate_summary_raises_on_model_failure: a summary call the model refuses fails the run, saying why; no later call is made', async () => {
    env.bedrock.scriptFor(SUMMARY_MODEL_ID, { kind: 'error', type: 'ValidationException', status: 400, message: 'summary refused' });
    const step = (label: string): ScriptedReply => ({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] });
    const model = env.model(step('refused-0'), step('refused-1'), step('refused-2'), step('refused-3'), { kind: 'text', text: 'never sent' });
    const { workflowId } = await env.agents.start({ agent: 'cm-summary', prompt: 'Record four steps.', model });
    const status = await env.agents.wait(workflowId);
    assert.equal(status.status, 'failed');
    assert.match(status.error ?? '', /summary refused/);
    assert.equal(env.requestsFor(model).length, 4, 'the call after the trigger was never made');
  });
});
