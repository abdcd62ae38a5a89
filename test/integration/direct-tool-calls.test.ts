/**
 * Direct tool calls (AgentClient.callTool, `hitl call-tool`; Strands' `agent.tool.X(...)`) on a
 * real dev server with the test agents: the call goes through the agent's hooks, approval policy,
 * questions, quorum and audit like a model's call, runs at most once, and the run ends with its
 * result without calling a model. In a session it is recorded in the conversation (the next run's
 * first request at the fake Bedrock shows it) and refused while the session's run waits. Also the
 * scenarios of Strands' `test_agent_tool*` that apply here. The teardown replays every history.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TOOL_INPUT_MAX_BYTES } from '../../src/agent/payload-budget.js';
import type { RunEvent } from '../../src/agent/run-events.js';
import type { Message } from '../../src/agent/types.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';
import { assertOk, assertOneErrorLine, cleanEnv, json, runCli } from './cli-support.js';

let env: TestEnv;
const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-direct-'));
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => {
  await env?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

/** Times the tool body ran for `label` (every test uses labels of its own). */
const ran = (label: string) => readLedger(env.ledger).filter((entry) => entry.label === label).length;
let sessions = 0;
const sessionId = () => `direct-${process.pid}-${sessions++}`;
const cli = (args: string[], input?: string) =>
  runCli(args, { cwd: scratch, env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue }, ...(input !== undefined ? { input } : {}) });

/** No run of the model: the fake Bedrock got no request naming it, and the run counts none. */
function assertNoModelCall(result: { modelCalls: number; usage: { totalTokens: number } }): void {
  assert.equal(result.modelCalls, 0);
  assert.equal(result.usage.totalTokens, 0);
}

describe('approvals', () => {
  test('a tool behind a hook approval waits; approved, it runs once and the result is the run\'s; the audit names who approved', async () => {
    const before = env.bedrock.requests.length;
    const { workflowId } = await env.agents.callTool({ agent: 'test-guarded', tool: 'record_action', input: { label: 'direct-approved' } });
    const waiting = await env.agents.wait(workflowId);
    assert.equal(waiting.status, 'waiting');
    assert.equal(waiting.pending.length, 1);
    const question = waiting.pending[0]!;
    assert.equal(question.toolName, 'record_action');
    assert.equal(question.toolUseId, 'direct-1');
    assert.deepEqual(question.toolInput, { label: 'direct-approved' });
    assert.equal(question.id, 'hook:beforeToolCall:direct-1:approve');
    assert.ok(question.binding, 'the question is bound like any other');
    assert.equal(ran('direct-approved'), 0, 'nothing ran before the approval');
    // The waiting run shows the call as its last message, like a model's turn that waits.
    assert.deepEqual(waiting.lastMessage?.content, [{ toolUse: { toolUseId: 'direct-1', name: 'record_action', input: { label: 'direct-approved' } } }]);

    await env.agents.respond(workflowId, { interruptId: question.id, response: 'y', respondedBy: 'alice', reason: 'looks right' });
    const result = await env.agents.result(workflowId);
    assert.equal(ran('direct-approved'), 1);
    assert.deepEqual(result.toolResult, { toolUseId: 'direct-1', status: 'success', content: [{ text: 'recorded direct-approved' }] });
    assert.equal(result.text, 'recorded direct-approved');
    assert.equal(result.stopReason, 'end_turn');
    assertNoModelCall(result);
    assert.equal(env.bedrock.requests.length, before, 'no model request reached Bedrock');
    // The tool's state change and the hook's counter came back to the run.
    assert.equal(result.state['recorded:direct-approved'], true);
    assert.equal(result.state['hookEntered:direct-1'], 1);
    assert.deepEqual(result.interrupts.map((answer) => [answer.interrupt.id, answer.response, answer.respondedBy, answer.reason]), [[question.id, 'y', 'alice', 'looks right']]);

    const status = await env.agents.status(workflowId);
    assert.equal(status.status, 'completed');
    assert.equal(status.answered[0]?.respondedBy, 'alice');
    assert.deepEqual(status.toolResult, result.toolResult);
    // Watchers see the call and its result like a model's.
    const events: RunEvent[] = [];
    for await (const item of env.agents.stream(workflowId)) events.push(item.event);
    assert.ok(events.some((event) => event.type === 'tool-input-available' && event.toolCallId === 'direct-1' && event.toolName === 'record_action'));
    assert.ok(events.some((event) => event.type === 'tool-output-available' && event.toolCallId === 'direct-1' && event.output === 'recorded direct-approved'));
    assert.equal(events.at(-1)?.type, 'finish');
  });

  test('denied, the tool never runs; the result is the hook\'s refusal', async () => {
    const { workflowId } = await env.agents.callTool({ agent: 'test-guarded', tool: 'record_action', input: { label: 'direct-denied' } });
    const waiting = await env.agents.wait(workflowId);
    await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'n', respondedBy: 'bob' });
    const result = await env.agents.result(workflowId);
    assert.equal(ran('direct-denied'), 0);
    assert.deepEqual(result.toolResult, { toolUseId: 'direct-1', status: 'error', content: [{ text: 'denied: direct-denied' }] });
    assert.equal(result.text, 'denied: direct-denied');
    assert.equal(result.interrupts[0]?.respondedBy, 'bob');
  });

  test('a tool with no approval runs at once; a tool that throws gives an error result (Strands: test_agent_tool with a failing tool)', async () => {
    const { workflowId } = await env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input: { label: 'direct-free' } });
    const result = await env.agents.result(workflowId);
    assert.equal(ran('direct-free'), 1);
    assert.equal(result.toolResult?.status, 'success');
    assert.equal(result.interrupts.length, 0);
    assertNoModelCall(result);

    const exploded = await env.agents.result((await env.agents.callTool({ agent: 'test-tools', tool: 'explode', input: { label: 'direct-boom' } })).workflowId);
    assert.equal(exploded.toolResult?.status, 'error');
    assert.match(exploded.text, /boom direct-boom/);
  });

  test('a tool that asks from inside its body: the run waits for each answer, then returns what the tool made of them', async () => {
    const { workflowId } = await env.agents.callTool({ agent: 'test-tools', tool: 'ask_twice', input: { label: 'direct-ask' } });
    let status = await env.agents.wait(workflowId);
    assert.equal(status.pending[0]?.id, 'tool:direct-1:first');
    await env.agents.respond(workflowId, { interruptId: 'tool:direct-1:first', response: 'one' });
    status = await env.agents.wait(workflowId);
    while (status.pending[0]?.id === 'tool:direct-1:first') status = await env.agents.wait(workflowId);
    assert.equal(status.pending[0]?.id, 'tool:direct-1:second');
    await env.agents.respond(workflowId, { interruptId: 'tool:direct-1:second', response: 'two' });
    const result = await env.agents.result(workflowId);
    assert.equal(result.toolResult?.status, 'success');
    assert.deepEqual(JSON.parse(result.text), { label: 'direct-ask', first: 'one', second: 'two' });
  });

  test('the approval policy: an approver\'s edit applies (the edited call runs, the decision log says so); a quorum needs two signed approvers', async () => {
    const edited = await env.agents.callTool({ agent: 'test-policy', tool: 'record_action', input: { label: 'direct-proposed' } });
    const asked = await env.agents.wait(edited.workflowId);
    assert.equal(asked.status, 'waiting');
    await env.agents.respond(edited.workflowId, { interruptId: asked.pending[0]!.id, response: { decision: 'edit', input: { label: 'direct-effective' } }, respondedBy: 'eve' });
    const editedResult = await env.agents.result(edited.workflowId);
    assert.equal(ran('direct-proposed'), 0);
    assert.equal(ran('direct-effective'), 1);
    assert.equal(editedResult.text, 'recorded direct-effective');
    const decision = editedResult.decisions.find((note) => note.kind === 'edited');
    assert.deepEqual(decision?.detail, { by: 'eve', proposed: { label: 'direct-proposed' }, effective: { label: 'direct-effective' } });

    const quorum = await env.agents.callTool({ agent: 'test-policy', tool: 'record_action', input: { label: 'quorum-direct' } });
    const first = (await env.agents.wait(quorum.workflowId)).pending[0]!.id;
    await assert.rejects(env.agents.respond(quorum.workflowId, { interruptId: first, response: 'y', respondedBy: 'alice' }), /counts only answers signed with an approver's key/);
    await env.agents.respond(quorum.workflowId, await env.signed('alice', quorum.workflowId, { interruptId: first, response: 'y' }));
    let status = await env.agents.wait(quorum.workflowId);
    while (status.pending[0]?.id === first) status = await env.agents.status(quorum.workflowId);
    assert.equal(status.status, 'waiting');
    assert.equal(ran('quorum-direct'), 0, 'one approval of two ran nothing');
    await env.agents.respond(quorum.workflowId, await env.signed('bob', quorum.workflowId, { interruptId: status.pending[0]!.id, response: 'y' }));
    const result = await env.agents.result(quorum.workflowId);
    assert.equal(ran('quorum-direct'), 1);
    assert.deepEqual(result.interrupts.map((answer) => [answer.respondedBy, answer.verified]), [['alice', true], ['bob', true]]);
  });

  test('the policy allows a tool it allows at once (no question), and the decision log records it', async () => {
    const { workflowId } = await env.agents.callTool({ agent: 'test-policy', tool: 'record_action', input: { label: 'free-direct' } });
    const result = await env.agents.result(workflowId);
    assert.equal(ran('free-direct'), 1);
    assert.equal(result.interrupts.length, 0);
    assert.ok(result.decisions.some((note) => note.kind === 'allowed'), JSON.stringify(result.decisions));
  });
});

describe('refusals', () => {
  test('an unknown tool is refused before the run does anything, naming the agent\'s tools (Strands: test_agent_tool_tool_does_not_exist)', async () => {
    await assert.rejects(
      env.agents.callTool({ agent: 'test-tools', tool: 'nope', input: {} }),
      /run refused: agent "test-tools" has no tool "nope"; its tools: record_action, ask_twice, explode, duplicate_ask, big_output$/,
    );
  });

  test('an input that does not fit the schema is refused with the problem; nothing runs', async () => {
    const entries = readLedger(env.ledger).length;
    await assert.rejects(
      env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input: { label: 7 } }),
      /run refused: invalid input for tool "record_action": label: Invalid input: expected string, received number$/,
    );
    assert.equal(readLedger(env.ledger).length, entries, 'a tool ran');
  });

  test('an input that is not an object, or too big, is refused by the client', async () => {
    for (const input of [[1], 'text', null, 3]) {
      await assert.rejects(env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input }), /^AgentClientError: the tool input must be a JSON object/);
    }
    await assert.rejects(
      env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input: { label: 'x'.repeat(TOOL_INPUT_MAX_BYTES) } }),
      new RegExp(`the tool input is \\d+ bytes; tool inputs are limited to ${TOOL_INPUT_MAX_BYTES} bytes`),
    );
    await assert.rejects(env.agents.callTool({ agent: 'test-tools', tool: '', input: {} }), /the tool name must be a non-empty string/);
  });

  test('an unknown agent is refused', async () => {
    await assert.rejects(env.agents.callTool({ agent: 'nobody', tool: 'record_action', input: { label: 'x' } }), /run refused: unknown agent "nobody"/);
  });
});

describe('sessions', () => {
  /** The text of every block of a Bedrock request's messages, flattened. */
  const blocks = (messages: any[]) => messages.flatMap((message) => message.content.map((block: any) => ({ role: message.role, ...block })));

  test('recorded by default: the next run\'s first model request holds the request, the call, its result and the acknowledgement (Strands: test_agent_tool)', async () => {
    const session = sessionId();
    const { workflowId } = await env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input: { label: 'direct-session' }, sessionId: session });
    const result = await env.agents.result(workflowId);
    assert.equal(result.toolResult?.status, 'success');
    const expected: Message[] = [
      { role: 'user', content: [{ text: 'agent.tool.record_action direct tool call.\nInput parameters: {"label":"direct-session"}\n' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'direct-1', name: 'record_action', input: { label: 'direct-session' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'direct-1', status: 'success', content: [{ text: 'recorded direct-session' }] } }] },
      { role: 'assistant', content: [{ text: 'agent.tool.record_action was called.' }] },
    ];
    assert.deepEqual(result.messages, expected);
    const view = await env.settledSession(session);
    assert.equal(view.messageCount, 4);
    assert.equal(view.state['recorded:direct-session'], true, 'the session keeps the state the tool set');
    assert.equal(view.runs[0]?.runId, workflowId);

    // A second direct call in the session gets an id of its own.
    const second = await env.agents.result((await env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input: { label: 'direct-session-2' }, sessionId: session })).workflowId);
    assert.equal(second.toolResult?.toolUseId, 'direct-2');
    await env.settledSession(session);

    const model = env.model({ kind: 'text', text: 'I see the calls' });
    const next = await env.agents.start({ agent: 'test-tools', prompt: 'what happened?', model, sessionId: session });
    assert.equal((await env.agents.result(next.workflowId)).text, 'I see the calls');
    const [first] = env.requestsFor(model);
    const sent = blocks(first!.body.messages);
    assert.deepEqual(sent[0], { role: 'user', text: 'agent.tool.record_action direct tool call.\nInput parameters: {"label":"direct-session"}\n' });
    assert.deepEqual(sent[1], { role: 'assistant', toolUse: { toolUseId: 'direct-1', name: 'record_action', input: { label: 'direct-session' } } });
    assert.equal(sent[2].toolResult.toolUseId, 'direct-1');
    assert.equal(sent[2].toolResult.content[0].text, 'recorded direct-session');
    assert.deepEqual(sent[3], { role: 'assistant', text: 'agent.tool.record_action was called.' });
    assert.ok(sent.some((block: any) => block.toolUse?.toolUseId === 'direct-2'));
    assert.deepEqual(sent.at(-1), { role: 'user', text: 'what happened?' });
  });

  test('recordInConversation: false leaves the conversation as it was, keeps the state (Strands: test_agent_tool_do_not_record_tool)', async () => {
    const session = sessionId();
    const { workflowId } = await env.agents.callTool({ agent: 'test-tools', tool: 'record_action', input: { label: 'direct-unrecorded' }, sessionId: session, recordInConversation: false });
    const result = await env.agents.result(workflowId);
    assert.equal(result.toolResult?.status, 'success');
    assert.deepEqual(result.messages, []);
    const view = await env.settledSession(session);
    assert.equal(view.messageCount, 0);
    assert.equal(view.state['recorded:direct-unrecorded'], true);
    const model = env.model({ kind: 'text', text: 'nothing seen' });
    await env.agents.result((await env.agents.start({ agent: 'test-tools', prompt: 'anything?', model, sessionId: session })).workflowId);
    const sent = JSON.stringify(env.requestsFor(model)[0]!.body.messages);
    assert.doesNotMatch(sent, /direct-unrecorded|direct tool call/);
  });

  test('refused while the session\'s run waits for a person; answered, the call waits no more and the next one is taken', async () => {
    const session = sessionId();
    const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'direct-busy-model' } }] }, { kind: 'text', text: 'done' });
    const run = await env.agents.start({ agent: 'test-guarded', prompt: 'record it', model, sessionId: session });
    const waiting = await env.agents.wait(run.workflowId);
    assert.equal(waiting.status, 'waiting');
    // The session hears that its run waits a moment after the run does.
    let refusal: Error | undefined;
    for (let attempt = 0; attempt < 40 && !/waiting for a person/.test(refusal?.message ?? ''); attempt++) {
      refusal = await env.agents.callTool({ agent: 'test-guarded', tool: 'record_action', input: { label: 'direct-busy' }, sessionId: session }).then(
        () => assert.fail('a direct call was taken while the session\'s run waits'),
        (error: Error) => error,
      );
      if (!/waiting for a person/.test(refusal.message)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(refusal!.message, new RegExp(`^tool call refused: session "${session}" is busy with run ${run.workflowId} \\(started [^)]*\\); answer or cancel that run, then send the tool call again \\(it is waiting for a person\\)$`));
    assert.doesNotMatch(refusal!.message, /\n/);
    assert.equal(ran('direct-busy'), 0);

    await env.agents.respond(run.workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
    await env.agents.result(run.workflowId);
    await env.settledSession(session);
    const call = await env.agents.callTool({ agent: 'test-guarded', tool: 'record_action', input: { label: 'direct-busy' }, sessionId: session });
    const asked = await env.agents.wait(call.workflowId);
    // The model's call in the same session used the model's own id; the direct call's question is its own.
    assert.equal(asked.pending[0]?.toolUseId, 'direct-1');
    await env.agents.respond(call.workflowId, { interruptId: asked.pending[0]!.id, response: 'y' });
    assert.equal((await env.agents.result(call.workflowId)).text, 'recorded direct-busy');
    assert.equal(ran('direct-busy'), 1);
  });

  test('in a session, an unknown tool fails the run with the reason, and the session stays usable', async () => {
    const session = sessionId();
    const { workflowId } = await env.agents.callTool({ agent: 'test-tools', tool: 'nope', input: {}, sessionId: session });
    await assert.rejects(env.agents.result(workflowId), /agent "test-tools" has no tool "nope"; its tools: record_action/);
    const view = await env.settledSession(session);
    assert.equal(view.runs[0]?.outcome, 'failed');
    assert.equal(view.messageCount, 0);
  });
});

describe('hitl call-tool', () => {
  test('prints the run id (and --json); the run is approved and read with the usual commands', async () => {
    const args = ['call-tool', '--agent', 'test-guarded', '--tool', 'record_action', '--input', '{"label":"direct-cli"}'];
    const text = assertOk(await cli(args), args);
    const id = /^started (\S+) \(agent test-guarded, tool record_action\)$/m.exec(text.stdout)?.[1];
    assert.ok(id, text.stdout);
    assert.match(text.stdout, new RegExp(`next: .* wait ${id}`));
    const waiting = await env.agents.wait(id);
    assert.equal(waiting.status, 'waiting');
    assertOk(await cli(['approve', id, '--by', 'carol']), ['approve']);
    const result = json<{ text: string; toolResult: { status: string } }>(assertOk(await cli(['result', id, '--json']), ['result']));
    assert.equal(result.text, 'recorded direct-cli');
    assert.equal(result.toolResult.status, 'success');
    assert.equal(ran('direct-cli'), 1);
    assert.equal((await env.agents.status(id)).answered[0]?.respondedBy, 'carol');
    const shownStatus = assertOk(await cli(['status', id]), ['status']).stdout;
    assert.match(shownStatus, new RegExp(`^${id}: completed \\(agent test-guarded; 0 model calls`, 'm'));
    assert.match(shownStatus, /^ {2}tool result \(success\): recorded direct-cli$/m);

    const file = path.join(scratch, 'input.json');
    writeFileSync(file, '{"label":"direct-cli-json"}');
    const jsonArgs = ['call-tool', '--agent', 'test-tools', '--tool', 'record_action', '--input-file', file, '--json'];
    const started = json<{ workflowId: string }>(assertOk(await cli(jsonArgs), jsonArgs));
    assert.deepEqual(Object.keys(started), ['workflowId']);
    assert.equal((await env.agents.result(started.workflowId)).text, 'recorded direct-cli-json');
    const fromStdin = json<{ workflowId: string }>(assertOk(await cli(['call-tool', '--agent', 'test-tools', '--tool', 'record_action', '--input-file', '-', '--json'], '{"label":"direct-cli-stdin"}'), ['stdin']));
    assert.equal((await env.agents.result(fromStdin.workflowId)).text, 'recorded direct-cli-stdin');
  });

  test('--session records the call in the session; --no-record does not', async () => {
    const session = sessionId();
    const recorded = json<{ workflowId: string }>(assertOk(await cli(['call-tool', '--agent', 'test-tools', '--tool', 'record_action', '--input', '{"label":"direct-cli-s1"}', '--session', session, '--json']), ['s1']));
    await env.agents.result(recorded.workflowId);
    assert.equal((await env.settledSession(session)).messageCount, 4);
    const unrecorded = json<{ workflowId: string }>(assertOk(await cli(['call-tool', '--agent', 'test-tools', '--tool', 'record_action', '--input', '{"label":"direct-cli-s2"}', '--session', session, '--no-record', '--json']), ['s2']));
    await env.agents.result(unrecorded.workflowId);
    assert.equal((await env.settledSession(session)).messageCount, 4);
    assert.equal(ran('direct-cli-s2'), 1);
  });

  test('mistakes are one line each, and start nothing', async () => {
    const base = ['call-tool', '--agent', 'test-tools', '--tool', 'record_action'];
    assertOneErrorLine(await cli([...base, '--input', '{label:']), /--input is not JSON: /);
    assertOneErrorLine(await cli([...base, '--input', '[1,2]']), /the tool input must be a JSON object, not an array/);
    assertOneErrorLine(await cli(base), /give the tool input with --input JSON or with --input-file FILE/);
    assertOneErrorLine(await cli([...base, '--input', '{}', '--input-file', 'x.json']), /give the tool input with --input JSON or with --input-file FILE/);
    assertOneErrorLine(await cli([...base, '--input-file', path.join(scratch, 'missing.json')]), /--input-file ".*missing\.json": cannot read it: no such file/);
    assertOneErrorLine(await cli([...base, '--input', '{"label":3}']), /run refused: invalid input for tool "record_action": label: Invalid input: expected string, received number/);
    assertOneErrorLine(await cli(['call-tool', '--agent', 'test-tools', '--tool', 'nope', '--input', '{}']), /run refused: agent "test-tools" has no tool "nope"; its tools: record_action, /);
  });
});
