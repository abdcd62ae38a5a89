/**
 * A run's stream on a real dev server: the events a watcher gets (in order: start, the model's
 * text, tool calls, the question, the answer with who gave it, the tool's result, the end), a
 * watcher that reconnects from an offset (nothing missed, nothing twice), one that attaches late,
 * `hitl watch` in the terminal and as NDJSON, hostile text escaped, a stream that follows the
 * run across continue-as-new, and a crowd of watchers that leaves room for the answer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunEvent } from '../../src/agent/run-events.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';
import { spawn } from 'node:child_process';
import { CLIENT, cleanEnv, TSX } from './cli-support.js';

/** `hitl` as a child process whose output can be waited on while it runs. */
function watchCli(args: string[], cliEnv: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', TSX, CLIENT, ...args], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    done,
    async until(pattern: RegExp): Promise<void> {
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`hitl ${args.join(' ')} ended first: ${stdout}${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

let env: TestEnv;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

/** Every event of a run from `from` until it ends. */
async function eventsOf(workflowId: string, from?: number): Promise<Array<{ offset: number; event: RunEvent }>> {
  const events: Array<{ offset: number; event: RunEvent }> = [];
  for await (const item of env.agents.stream(workflowId, from !== undefined ? { from } : {})) events.push(item);
  return events;
}

/** The offset of the run's first event of `type`, reading its stream until there. */
async function eventsUntil(workflowId: string, type: RunEvent['type']): Promise<number> {
  for await (const { offset, event } of env.agents.stream(workflowId)) if (event.type === type) return offset;
  throw new Error(`run ${workflowId} ended before a ${type} event`);
}

/** The run's question, once it waits (failing with the run's status otherwise). */
async function questionOf(workflowId: string) {
  const status = await env.untilPending(workflowId, 1);
  return status.pending[0]!;
}

function waitingRun(label: string, text = `done with ${label}`) {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'apply_change', input: { label }, toolUseId: `use-${label}` }], text: `I will apply ${label}.` }, { kind: 'text', text });
  return env.agents.start({ agent: 'test-faults', prompt: label, model });
}

test('a watcher gets the run as it happens, in order: text, the tool call, the question, who answered, the result, the end', async () => {
  const { workflowId } = await waitingRun('ordered');
  const watching = eventsOf(workflowId);
  const question = await questionOf(workflowId);
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'y', respondedBy: 'pat' });
  const events = (await watching).map(({ event }) => event);
  // The model's text may come in several pieces (the fakes stream): one text-delta per run of them here.
  const types = events.map((event) => event.type).filter((type, index, all) => type !== 'text-delta' || all[index - 1] !== 'text-delta');
  assert.deepEqual(types, [
    'start',
    'text-start', 'text-delta', 'text-end',
    'tool-input-available',
    'tool-approval-request',
    'data-answer',
    'tool-output-available',
    'text-start', 'text-delta', 'text-end',
    'finish',
  ]);
  const request = events.find((event) => event.type === 'tool-approval-request');
  assert.ok(request?.type === 'tool-approval-request');
  assert.equal(request.approvalId, question.id);
  assert.deepEqual(request.question.binding, question.binding, 'the question comes with the binding an answer repeats');
  const answer = events.find((event) => event.type === 'data-answer');
  assert.ok(answer?.type === 'data-answer');
  assert.deepEqual([answer.data.interruptId, answer.data.respondedBy, answer.data.response], [question.id, 'pat', 'y']);
  const texts = new Map<string, string>();
  for (const event of events) if (event.type === 'text-delta') texts.set(event.id, (texts.get(event.id) ?? '') + event.delta);
  assert.deepEqual([...texts.values()], ['I will apply ordered.', 'done with ordered']);
  const finish = events.at(-1);
  assert.ok(finish?.type === 'finish');
  assert.deepEqual([finish.status, finish.finishReason, finish.text], ['completed', 'end_turn', 'done with ordered']);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'ordered' && entry.event === 'applied').length, 1);

  // Once it has ended, the run is read whole again (a worker replays it), from any offset.
  const live = await watching;
  assert.deepEqual(await eventsOf(workflowId), live);
  assert.deepEqual(await eventsOf(workflowId, 5), live.filter((item) => item.offset >= 5));
});

test('a watcher that reconnects from an offset misses nothing and gets nothing twice; one that attaches late sees everything', async () => {
  const { workflowId } = await waitingRun('reconnect');
  // The first watcher leaves once the question is out.
  const seen: Array<{ offset: number; event: RunEvent }> = [];
  for await (const item of env.agents.stream(workflowId)) {
    seen.push(item);
    if (item.event.type === 'tool-approval-request') break;
  }
  const question = await questionOf(workflowId);
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'y' });
  const rest = eventsOf(workflowId, seen.at(-1)!.offset + 1);
  const late = await eventsOf(workflowId).catch(() => []);
  const resumed = await rest;
  const offsets = [...seen, ...resumed].map((item) => item.offset);
  assert.deepEqual(offsets, offsets.map((_, index) => offsets[0]! + index), 'consecutive offsets: no gap, no duplicate');
  assert.equal(resumed.at(-1)!.event.type, 'finish');
  // A watcher that attached after the answer sees what the first two saw together, or (the run just ended) its end.
  if (late.length > 1) assert.deepEqual(late.map((item) => item.offset), offsets);
  else assert.equal(late[0]!.event.type, 'finish');
});

test('hitl watch prints the run as it happens, escapes what the model wrote, and --json gives one event per line with its offset', async () => {
  const hostile = 'red \u001b[31mALERT\u001b[0m <script>x</script>';
  const { workflowId } = await waitingRun('watched', hostile);
  const cliEnv = { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue };
  const watching = watchCli(['watch', workflowId], cliEnv);
  const asJson = watchCli(['watch', workflowId, '--json'], cliEnv);
  // Both watch the question arrive before anyone answers it.
  await Promise.all([watching.until(/\[waiting\]/), asJson.until(/tool-approval-request/)]);
  const question = await questionOf(workflowId);
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'y' });
  const text = await watching.done;
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /→ apply_change \{"label":"watched"\}/);
  assert.match(text.stdout, /\[waiting\] hook:beforeToolCall:use-watched:approve/);
  assert.match(text.stdout, /\[completed \(end_turn\)\]/);
  assert.ok(!text.stdout.includes('\u001b'), 'no raw escape sequence reaches the terminal');
  assert.match(text.stdout, /red \\x1b\[31mALERT/);
  const lines = (await asJson.done).stdout.trim().split('\n').map((line) => JSON.parse(line) as { offset: number; type: string });
  assert.equal(lines[0]!.type, 'start');
  assert.equal(lines.at(-1)!.type, 'finish');
  assert.deepEqual(lines.map((line) => line.offset), lines.map((_, index) => index));
});

test('a crowd of watchers never crowds out the answer: one process shares one reader per run, other processes take turns, the answer and waits still get in, and every watcher gets every event', async () => {
  const { workflowId } = await waitingRun('crowd');
  const question = await questionOf(workflowId);
  const tail = (await eventsUntil(workflowId, 'tool-approval-request')) + 1;
  // Twenty watchers in this process, and six other processes' clients with two each: more than the run holds at once.
  const others = Array.from({ length: 6 }, () => new AgentClient(env.client, env.taskQueue));
  const watchers = [...Array.from({ length: 20 }, () => env.agents), ...others.flatMap((client) => [client, client])].map(async (client) => {
    const events: RunEvent[] = [];
    for await (const { event } of client.stream(workflowId, { from: tail })) events.push(event);
    return events;
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  // Waited on, and answered, while all of them watch.
  assert.equal((await env.agents.wait(workflowId, { timeoutMs: 1000 })).status, 'waiting');
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'y', respondedBy: 'pat', binding: question.binding });
  assert.equal((await env.agents.result(workflowId)).text, 'done with crowd');
  const seen = await Promise.all(watchers);
  const everything: string[] = ['data-answer', 'tool-output-available', 'text-start', 'text-end', 'finish'];
  const kinds = (events: RunEvent[]): string[] => events.map((event) => event.type).filter((type) => type !== 'text-delta');
  // Every watcher gets every event: this process's twenty through one reader, the others in turns
  // (one whose turn comes after the run ended reads the rest from the ended run).
  for (const events of seen) assert.deepEqual(kinds(events), everything);
});
