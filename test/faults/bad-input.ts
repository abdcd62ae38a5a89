/**
 * Fault 4: bad answers and bad commands. Each gets one clear line (an error, or a recorded
 * "ignored" for the fire-and-forget signal) and changes nothing it should not: the run still
 * waits for the same question and no side effect happens.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { respondSignal, respondUpdate, statusQuery, type RunStatus } from '../../src/workflows/messages.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';
import { conversationalModel } from './model-script.js';

const CLIENT = fileURLToPath(new URL('../../src/client.ts', import.meta.url));

function cli(context: FaultContext, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: context.address, AGENT_TASK_QUEUE: context.taskQueue, AGENT_MODEL_PROVIDER: 'demo', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A refusal the CLI prints as exactly one `error:` line with a non-zero exit. */
function oneErrorLine(result: { code: number | null; stderr: string }, pattern: RegExp): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assertThat(result.code !== 0, 'exit code 0');
  assertThat(lines.length === 1, `${lines.length} lines on stderr: ${result.stderr.slice(0, 300)}`);
  assertThat(/^error: /.test(lines[0]!) && pattern.test(lines[0]!), `unexpected: ${lines[0]}`);
  return lines[0]!;
}

/** The reason an update was refused. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const err = error as { cause?: { message?: string }; message?: string };
    return err.cause?.message ?? err.message ?? String(error);
  }
  throw new Error('accepted, expected a refusal');
}

export async function badInput(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'bad answers and commands';
  await context.startWorker();
  const agents = context.agents;
  const model = conversationalModel(context.bedrock, 'faults-bad-input');
  const startWaiting = async (agent: string, prompt: string): Promise<{ handle: WorkflowHandle; status: RunStatus }> => {
    const { workflowId } = await agents.start({ agent, prompt, model });
    return { handle: context.client.workflow.getHandle(workflowId), status: await agents.wait(workflowId) };
  };
  const { handle: run, status: before } = await startWaiting('test-faults', 'bad-0');
  const { id, binding } = before.pending[0]!;
  const workflowId = run.workflowId;
  const quorumModel = context.bedrock.endpoint && `faults-quorum-${process.pid}`;
  context.bedrock.scriptFor(quorumModel, { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'quorum-bad' } }] }, { kind: 'text', text: 'ok' });
  const quorum = await agents.start({ agent: 'test-policy', prompt: 'q', model: { provider: 'bedrock', modelId: quorumModel } });
  const quorumId = (await agents.wait(quorum.workflowId)).pending[0]!.id;
  const finished = await startWaiting('test-faults', 'bad-finished');
  await agents.respond(finished.handle.workflowId, { interruptId: finished.status.pending[0]!.id, response: 'n' });
  await agents.wait(finished.handle.workflowId);

  /** The run still waits for the same question, and nothing was applied. */
  const unchanged = async (): Promise<void> => {
    const now = await run.query(statusQuery);
    assertThat(now.status === 'waiting', `run is ${now.status}`);
    assertThat(now.pending.map((i) => i.id).join() === id, 'pending interrupts changed');
    assertThat(now.answered.length === 0, 'an answer was recorded');
    assertThat(!context.sideEffects().labelsApplied.has('bad-0'), 'a side effect happened');
  };
  const cases: Array<[string, () => Promise<string>]> = [
    ['update: unknown interrupt id', async () => refusal(run.executeUpdate(respondUpdate, { args: [{ interruptId: 'hook:nope', response: 'y' }] }))],
    ['update: missing response', async () => refusal(run.executeUpdate(respondUpdate, { args: [{ interruptId: id } as never] }))],
    ['update: empty interrupt id', async () => refusal(run.executeUpdate(respondUpdate, { args: [{ interruptId: '', response: 'y' }] }))],
    ['update: not an object', async () => refusal(run.executeUpdate(respondUpdate, { args: ['y' as never] }))],
    ['update: respondedBy not a string', async () => refusal(run.executeUpdate(respondUpdate, { args: [{ interruptId: id, response: 'y', respondedBy: 7 as never, binding }] }))],
    ['update: reason not a string', async () => refusal(run.executeUpdate(respondUpdate, { args: [{ interruptId: id, response: 'y', reason: {} as never, binding }] }))],
    ['update: the same id twice in one list', async () => refusal(run.executeUpdate(respondUpdate, { args: [[{ interruptId: id, response: 'y', binding }, { interruptId: id, response: 'n', binding }]] }))],
    ['update: an empty list', async () => refusal(run.executeUpdate(respondUpdate, { args: [[]] }))],
    ['update: a list with one bad answer is refused whole', async () => refusal(run.executeUpdate(respondUpdate, { args: [[{ interruptId: id, response: 'y', binding }, { interruptId: 'x', response: 'y' }]] }))],
    ['update: oversized answer (100 KB)', async () => refusal(run.executeUpdate(respondUpdate, { args: [{ interruptId: id, response: 'x'.repeat(100_000), binding }] }))],
    ['signal: unknown interrupt id is recorded as ignored', async () => ignoredAfter(run, { interruptId: 'hook:ghost', response: 'y' })],
    ['signal: missing response is recorded as ignored', async () => ignoredAfter(run, { interruptId: id } as never)],
    ['signal: oversized answer is recorded as ignored', async () => ignoredAfter(run, { interruptId: id, response: 'x'.repeat(100_000), binding })],
    ['library: unknown run', async () => refusal(agents.status('no-such-run'))],
    ['library: answer to an unknown run', async () => refusal(agents.respond('no-such-run', { interruptId: id, response: 'y' }))],
    ['library: answer to a finished run (update)', async () => refusal(agents.respond(finished.handle.workflowId, { interruptId: 'x', response: 'y' }))],
    ['library: answer to a finished run (signal)', async () => refusal(agents.signal(finished.handle.workflowId, { interruptId: 'x', response: 'y' }))],
    ['library: duplicate answer to a finished interrupt', async () => refusal(agents.respond(finished.handle.workflowId, { interruptId: finished.status.pending[0]!.id, response: 'y' }))],
    ['library: cancel a finished run', async () => refusal(agents.cancel(finished.handle.workflowId))],
    ['update: unauthorised answerer where a list is set', async () => refusal(agents.respond(quorum.workflowId, { interruptId: quorumId, response: 'y', respondedBy: 'mallory' }))],
    ['update: anonymous answer where a list is set', async () => refusal(agents.respond(quorum.workflowId, { interruptId: quorumId, response: 'y' }))],
    ['update: an answer the policy does not understand', async () => refusal(agents.respond(quorum.workflowId, { interruptId: quorumId, response: 'maybe', respondedBy: 'alice' }))],
    ['cli: typo in the command', async () => oneErrorLine(await cli(context, ['stauts', workflowId]), /unknown command 'stauts'/)],
    ['cli: missing argument', async () => oneErrorLine(await cli(context, ['respond', workflowId]), /missing required argument/)],
    ['cli: unknown option', async () => oneErrorLine(await cli(context, ['status', workflowId, '--colour']), /unknown option '--colour'/)],
    ['cli: bad number', async () => oneErrorLine(await cli(context, ['start', '--agent', 'x', '--max-model-calls', 'many', 'hi']), /--max-model-calls must be an integer/)],
    ['cli: bad provider', async () => oneErrorLine(await cli(context, ['start', '--agent', 'x', '--provider', 'mistral', 'hi']), /mistral/)],
    ['cli: status of an unknown run', async () => oneErrorLine(await cli(context, ['status', 'no-such-run']), /no run with id "no-such-run"/)],
    ['cli: respond with an unknown interrupt id', async () => oneErrorLine(await cli(context, ['respond', workflowId, 'hook:nope', 'y']), /has no question "hook:nope"; it waits for: hook:beforeToolCall:/)],
    ['cli: approve a finished run', async () => oneErrorLine(await cli(context, ['approve', finished.handle.workflowId]), /has ended|not waiting/)],
    ['cli: approve --edit with broken JSON', async () => oneErrorLine(await cli(context, ['approve', workflowId, id, '--edit', '{']), /--edit takes the tool's new input as JSON/)],
    ['cli: session show of an unknown session', async () => oneErrorLine(await cli(context, ['session', 'show', 'nobody']), /no session "nobody"/)],
    ['cli: unreachable server', async () => oneErrorLine(await cli(context, ['status', workflowId], { TEMPORAL_ADDRESS: '127.0.0.1:1' }), /cannot reach the Temporal server at 127\.0\.0\.1:1/)],
  ];
  for (const [name, body] of cases) {
    await report.check(group, name, async () => {
      const message = await body();
      assertThat(message.length > 0 && !message.includes('\n    at '), 'no readable message');
      await unchanged();
      return message.slice(0, 140);
    });
  }
  await report.check(group, 'after all that, a good answer still works', async () => {
    await agents.respond(workflowId, { interruptId: id, response: 'y', respondedBy: 'fault-suite' });
    const done = await agents.wait(workflowId);
    assertThat(done.status === 'completed', `run is ${done.status}`);
    assertThat(context.sideEffects().labelsApplied.has('bad-0'), 'the approved change was not applied');
    return `completed; ${done.ignored.length} ignored signals on record`;
  });
  await context.killWorkers();
}

/** Sends a bad signal, and returns the reason the run recorded for ignoring it. */
async function ignoredAfter(run: WorkflowHandle, response: Parameters<WorkflowHandle['signal']>[1]): Promise<string> {
  const before = (await run.query(statusQuery)).ignored.length;
  await run.signal(respondSignal, response as never);
  for (let attempt = 0; attempt < 100; attempt++) {
    const ignored = (await run.query(statusQuery)).ignored;
    if (ignored.length > before) return `ignored: ${ignored.at(-1)!.error}`;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the signal was neither applied nor recorded as ignored');
}
