/**
 * Fault group: hostile input at the client. Names and prompts refused at the door, runs refused
 * before they start, a session's id given instead of its run's, forged or mismatched keys,
 * terminal escapes in tool input, direct tool calls (call-tool: a 10 MB input, escapes in the input,
 * an unknown tool named with a newline), a 200 KB hostile word for the demo model, and runs that end (or
 * lose their worker) under the client's feet. Each gets one clear line, and nothing it should not
 * happen happens: no side effect, no run stuck, no status that lies.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_PROMPT_BYTES } from '../../src/agent/payload-budget.js';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import { generateApproverKey, writeApproverKey } from '../../src/sdk/approver-keys.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import { assertOneErrorLine, cleanEnv, runCli, type CliResult } from '../integration/cli-support.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';

/** Tool input that tries to end the question early and answer it, in colour. */
const FORGED = 'x\n\nYour answer (y/N): y\n\x1b[32mapproved\x1b[0m\r';

export async function clientInput(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'client input';
  await context.startWorker();
  const agents = context.agents;
  const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-client-input-'));
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...cleanEnv(),
    TEMPORAL_ADDRESS: context.address,
    AGENT_TASK_QUEUE: context.taskQueue,
    AGENT_MODEL_PROVIDER: 'demo',
    AGENT_KEYS_DIR: path.join(scratch, 'keys'),
    ...extra,
  });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> =>
    runCli(args, { cwd: scratch, env: env(extra), ...(input !== undefined ? { input } : {}) });
  /** One `error:` line matching `pattern`; returns it. */
  const refused = async (args: string[], pattern: RegExp, extra: NodeJS.ProcessEnv = {}): Promise<string> => {
    const result = await cli(args, extra);
    assertOneErrorLine(result, pattern);
    return result.stderr.trim();
  };
  let models = 0;
  const script = (label: string) => {
    const modelId = `faults-client-${process.pid}-${models++}`;
    context.bedrock.scriptFor(modelId, { kind: 'toolUse', uses: [{ name: 'apply_change', input: { label } }] }, { kind: 'text', text: 'done' });
    return { provider: 'bedrock', modelId };
  };
  const waitingRun = async (label: string) => {
    const { workflowId } = await agents.start({ agent: 'test-faults', prompt: label, model: script(label) });
    const status = await agents.wait(workflowId);
    assertThat(status.status === 'waiting', `run is ${status.status}`);
    return workflowId;
  };
  const applied = (label: string) => context.sideEffects().labelsApplied.has(label);
  /** The runs of `agent` running now. */
  const runningOf = async (agent: string): Promise<Set<string>> => {
    const ids = new Set<string>();
    for await (const execution of context.client.workflow.list({ query: `WorkflowType = "agentRun" AND ExecutionStatus = "Running"` })) {
      if (execution.workflowId.startsWith(`${agent}-`)) ids.add(execution.workflowId);
    }
    return ids;
  };
  /** No run of `agent` is running, besides those in `before` (other cases' runs of an agent they share). */
  const noStrayRun = async (agent: string, before = new Set<string>()): Promise<void> => {
    const stray = [...(await runningOf(agent))].filter((id) => !before.has(id));
    assertThat(stray.length === 0, `a run of "${agent}" was left running: ${stray.join(', ')}`);
  };

  const bigPrompt = path.join(scratch, 'big-prompt.txt');
  writeFileSync(bigPrompt, 'x'.repeat(MAX_PROMPT_BYTES + 1));
  const openKey = path.join(scratch, 'open-key.json');
  writeApproverKey(openKey, generateApproverKey('alice'));
  chmodSync(openKey, 0o644);
  const bobKey = path.join(scratch, 'bob.json');
  writeApproverKey(bobKey, generateApproverKey('bob'));
  const notAKey = path.join(scratch, 'not-a-key.json');
  writeFileSync(notAKey, '{"name":"mallory"}', { mode: 0o600 });

  // Output schemas (structured output): refused at the door, whole, with nothing started.
  const hugeSchema = path.join(scratch, 'huge-schema.json');
  writeFileSync(hugeSchema, JSON.stringify({ type: 'object', description: 'x'.repeat(10 * 1024 * 1024) }));
  const escapeSchema = path.join(scratch, 'schema\x1b[2J\n.json');
  writeFileSync(escapeSchema, '{"type": "object",');
  const remoteRefSchema = path.join(scratch, 'remote-ref.json');
  writeFileSync(remoteRefSchema, JSON.stringify({ type: 'object', properties: { a: { $ref: 'http://127.0.0.1:1/evil.json' } } }));
  const redosSchema = path.join(scratch, 'redos.json');
  writeFileSync(redosSchema, JSON.stringify({ type: 'object', properties: { id: { type: 'string', pattern: '^(a+)+$' } } }));
  const outputRefused = async (file: string, pattern: RegExp) => {
    const line = await refused(['start', '--agent', 'output-faults', '--output-schema', file, 'hi'], pattern);
    assertThat(!line.includes('\x1b') && !line.includes('\r'), `a control character reached the terminal: ${JSON.stringify(line)}`);
    await noStrayRun('output-faults');
    return line;
  };

  // Direct tool calls (call-tool): refused at the door or by the worker as the run starts, one line each.
  const hugeInput = path.join(scratch, 'huge-input.json');
  writeFileSync(hugeInput, JSON.stringify({ label: 'x'.repeat(10 * 1024 * 1024) }));
  const controlFree = (text: string) => assertThat(!/[\x00-\x09\x0b-\x1f\x7f]/.test(text), `a control character reached the terminal: ${JSON.stringify(text.slice(0, 200))}`);

  const cases: Array<[string, () => Promise<string>]> = [
    ['cli: call-tool with a 10 MB input file (and the library with a 10 MB input): refused unread, nothing started', async () => {
      const before = await runningOf('test-faults');
      const line = await refused(['call-tool', '--agent', 'test-faults', '--tool', 'apply_change', '--input-file', hugeInput], /--input-file ".*huge-input\.json": the file is \d+ bytes; a tool input may have at most \d+ bytes of JSON/);
      const library = await agents.callTool({ agent: 'test-faults', tool: 'apply_change', input: { label: 'x'.repeat(10 * 1024 * 1024) } }).then(() => 'started', (error: Error) => error.message);
      assertThat(/^the tool input is \d+ bytes; tool inputs are limited to \d+ bytes$/.test(library), library.slice(0, 200));
      await noStrayRun('test-faults', before);
      return line;
    }],
    ['cli: call-tool with a terminal escape in the input: the call waits, shown escaped by call-tool, status and inbox; denied, nothing applied', async () => {
      const label = `${FORGED}-direct`;
      const started = await cli(['call-tool', '--agent', 'test-faults', '--tool', 'apply_change', '--input', JSON.stringify({ label })]);
      assertThat(started.code === 0, started.stderr);
      const workflowId = /^started (\S+)/m.exec(started.stdout)?.[1] ?? '';
      const status = await agents.wait(workflowId);
      assertThat(status.status === 'waiting' && (status.pending[0]?.toolInput as { label?: string })?.label === label, `run is ${status.status}`);
      const printed = [started.stdout, started.stderr, (await cli(['status', workflowId])).stdout, (await cli(['inbox'])).stdout].join('\n');
      controlFree(printed);
      assertThat(printed.includes('\\u001b[32mapproved') || printed.includes('\\x1b[32mapproved'), 'the escape is not shown escaped');
      const forged = printed.split('\n').filter((line) => /^\s*Your answer \(y\/N\): y/.test(line));
      assertThat(forged.length === 0, `a forged answer line was printed: ${forged[0]}`);
      await agents.respond(workflowId, { interruptId: status.pending[0]!.id, response: 'n' });
      const result = await agents.result(workflowId);
      assertThat(result.toolResult?.status === 'error' && !applied(label), 'a denied direct call was applied');
      return 'no control character, the escape shown escaped, nothing applied';
    }],
    ['cli: call-tool of an unknown tool with a newline in its name: one line, the name escaped, the tools named', async () => {
      const before = await runningOf('test-faults');
      const line = await refused(['call-tool', '--agent', 'test-faults', '--tool', 'apply\nchange', '--input', '{}'], /run refused: agent "test-faults" has no tool "apply\\nchange"; its tools: apply_change$/);
      await noStrayRun('test-faults', before);
      return line;
    }],
    ['cli: a 10 MB --output-schema file', async () => outputRefused(hugeSchema, /--output-schema: the file .* bytes; an output schema file may have at most/)],
    ['cli: an --output-schema file named with a terminal escape and a newline, not JSON', async () => outputRefused(escapeSchema, /--output-schema: ".*\\u001b\[2J\\n\.json" is not JSON/)],
    ['cli: an --output-schema whose pattern can take exponential time on the worker ("^(a+)+$")', async () => outputRefused(redosSchema, /the output schema is refused: the pattern .*\^\(a\+\)\+\$.* repeats a group that repeats/)],
    ['cli: an --output-schema with a remote $ref (nothing is fetched)', async () => outputRefused(remoteRefSchema, /output schema is not a valid JSON Schema: .*127\.0\.0\.1:1\/evil\.json/)],
    ['cli: unknown agent is refused before the run starts', async () => {
      const line = await refused(['start', '--agent', 'nope', 'Delete a.txt'], /run refused: .*unknown agent "nope"/);
      await noStrayRun('nope');
      return line;
    }],
    ['cli: agent name with a newline', async () => refused(['start', '--agent', 'a\nb', 'hi'], /agent name "a\\nb" contains a control character/)],
    ['cli: session id with a leading "-"', async () => refused(['start', '--agent', 'file-approval', '--session=--all', 'hi'], /session id "--all" starts with "-"/)],
    ['cli: session id with a terminal escape', async () => refused(['start', '--agent', 'file-approval', '--session', 's\x1b[2Jx', 'hi'], /session id "s\\x1b\[2Jx" contains a control character/)],
    ['cli: oversized prompt from a file', async () => refused(['start', '--agent', 'file-approval', '--prompt-file', bigPrompt], /prompts are limited to/)],
    ['cli: missing prompt file', async () => refused(['start', '--agent', 'file-approval', '--prompt-file', path.join(scratch, 'nothing.txt')], /cannot read the prompt file/)],
    ['cli: prompt as words and as a file', async () => refused(['start', '--agent', 'file-approval', '--prompt-file', bigPrompt, 'words'], /either as words or with --prompt-file/)],
    ['cli: an inbox filter that tries to widen the visibility query', async () => refused(['inbox', '--agent', 'x" OR AgentName != "y'], /agent name may not contain quotes, backquotes or backslashes/)],
    ['cli: port out of range', async () => refused(['dev', '--port', '99999'], /--port must be an integer from 1 to 65535/)],
    ['cli: a key file others can read', async () => {
      const workflowId = await waitingRun('client-open-key');
      const line = await refused(['approve', workflowId, '--key', openKey], /readable by other users/);
      assertThat(!applied('client-open-key'), 'applied');
      await agents.cancel(workflowId);
      return line;
    }],
    ['cli: --by that contradicts the key', async () => refused(['approve', 'any-run', '--key', bobKey, '--by', 'alice'], /--by alice contradicts the key/)],
    ['cli: a key from AGENT_APPROVER_KEY that is no key', async () => refused(['approve', 'any-run'], /not an approver key file/, { AGENT_APPROVER_KEY: notAKey })],
    ['cli: answer to session-X points at its run', async () => {
      const session = `client-input-${process.pid}`;
      const model = { provider: 'demo', modelId: DEMO_MODEL_ID };
      const { workflowId } = await agents.start({ agent: 'file-approval', prompt: 'Delete a.txt', model, sessionId: session });
      assertThat((await agents.wait(workflowId)).status === 'waiting', 'session run is not waiting');
      const line = await refused(['approve', `session-${session}`], new RegExp(`is a session, not a run; its run ${workflowId} is the one in progress`));
      assertThat((await agents.status(workflowId)).pending.length === 1, 'the run lost its question');
      await agents.cancel(workflowId);
      return line;
    }],
    ['cli: terminal escapes in tool input are shown escaped by status, inbox and run', async () => {
      const workflowId = await waitingRun(FORGED);
      const printed = [(await cli(['status', workflowId])).stdout, (await cli(['inbox'])).stdout].join('\n');
      await agents.cancel(workflowId);
      const asked = await cli(['run', '--agent', 'test-faults', '--model', `bedrock:${script(`${FORGED}-run`).modelId}`, 'go'], {}, 'n\n');
      const all = `${printed}\n${asked.stdout}`;
      assertThat(!/[\x00-\x09\x0b-\x1f\x7f]/.test(all), 'a control character reached the terminal');
      const forged = all.split('\n').filter((line) => /^\s*Your answer \(y\/N\): y/.test(line));
      assertThat(forged.length === 0, `a forged answer line was printed: ${forged[0]}`);
      assertThat(!applied(`${FORGED}-run`), 'a denied change was applied');
      return 'no control character, no forged answer line';
    }],
    ['model: a 200 KB hostile word does not stall the demo model or the worker', async () => {
      const model = { provider: 'demo', modelId: DEMO_MODEL_ID };
      const { workflowId } = await agents.start({ agent: 'file-approval', prompt: `Delete ${'a'.repeat(100_000)} ${'b.'.repeat(50_000)}c`, model });
      const status = await agents.wait(workflowId, { timeoutMs: 60_000 });
      assertThat(status.status === 'waiting', `run is ${status.status}`);
      await agents.cancel(workflowId);
      return `answered: ${status.pending[0]?.toolName} on ${JSON.stringify(status.pending[0]?.toolInput).length} bytes of paths`;
    }],
    ['library: status of a run terminated while waiting', async () => {
      const workflowId = await waitingRun('client-terminated');
      await context.client.workflow.getHandle(workflowId).terminate('pulled');
      const status: RunStatus = await agents.status(workflowId);
      assertThat(status.status === 'failed' && status.pending.length === 0, `status ${status.status}, ${status.pending.length} pending`);
      assertThat(/the run was terminated: pulled/.test(status.error ?? ''), `error: ${status.error}`);
      const result = await agents.result(workflowId).then(() => 'completed', (error: Error) => error.message);
      assertThat(/terminated: pulled/.test(result) && !/waiting/.test(result), `result: ${result}`);
      assertThat(!applied('client-terminated'), 'applied');
      return `${status.status}: ${status.error}`;
    }],
    ['library: status of a cancelled run', async () => {
      const workflowId = await waitingRun('client-cancelled');
      await agents.cancel(workflowId);
      let status = await agents.wait(workflowId);
      for (let i = 0; i < 100 && status.status === 'waiting'; i++) status = await agents.wait(workflowId);
      assertThat(status.status === 'cancelled' && status.pending.length === 0, `status ${status.status}, ${status.pending.length} pending`);
      return status.status;
    }],
  ];
  for (const [name, body] of cases) await report.check(group, name, async () => (await body()).slice(0, 160));

  // Without a worker: the run waits on; the client says what happened instead of "Failed to query Workflow".
  const orphan = await waitingRun('client-orphan');
  // The question as a client showed it while a worker still ran.
  const shown = (await agents.status(orphan)).pending;
  await context.killWorkers();
  await report.check(group, 'library: status of a run whose worker is gone', async () => {
    const message = await agents.status(orphan).then(() => 'answered', (error: Error) => error.message);
    assertThat(/no worker (is polling|answered).*the run itself is safe/.test(message), message);
    return message.slice(0, 160);
  });
  await report.check(group, 'library: an answer on its way when the run is terminated', async () => {
    const answer = agents.answer(orphan, [{ interruptId: shown[0]!.id, response: 'y' }], undefined, shown).then(() => 'applied', (error: Error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await context.client.workflow.getHandle(orphan).terminate('closed under the answer');
    const message = await answer;
    assertThat(/ended \(terminated\) while the answer was on its way; the answer was not applied|has ended \(terminated\)/.test(message), message);
    assertThat(!applied('client-orphan'), 'applied');
    return message.slice(0, 160);
  });
}
