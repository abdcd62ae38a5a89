/** `start`, `run`, `call-tool`, `status`, `wait`, `result`, `cancel`. */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { MAX_OUTPUT_SCHEMA_CHARS, outputSchemaProblem } from '../agent/structured-output.js';
import type { JsonObject } from '../agent/types.js';
import { escapeInline } from '../agent/escape.js';
import { formatModelChoice } from '../agent/model-choice.js';
import type { AgentClient, CallToolOptions, StartOptions, StartedRun } from '../sdk/agent-client.js';
import { TOOL_INPUT_MAX_BYTES } from '../agent/payload-budget.js';
import { clipInline } from '../agent/escape.js';
import { CLI_INVOCATION } from './invocation.js';
import { CliError, Interrupted } from './errors.js';
import { driveRun, Terminal, terminalAnswerer } from './interactive.js';
import { chooseModel, type ModelFlags } from './model-choice.js';
import { finalText, formatResult, formatStatus, outputFor, type JsonFlag } from './output.js';
import { signerFor, type KeyFlags } from './signing.js';
import { taskQueue, withAgents } from './connect.js';
import { shutdownSignal } from './signals.js';

export interface StartFlags extends ModelFlags, JsonFlag {
  agent: string;
  session?: string;
  workspace?: string;
  maxModelCalls?: number;
  promptFile?: string;
  acceptTimeoutMs?: number;
  outputSchema?: string;
}

/** The prompt: the words, or standard input when the only word is `-`, or the file of `--prompt-file`. */
export async function readPrompt(words: string[], flags: Pick<StartFlags, 'promptFile'>, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (flags.promptFile !== undefined) {
    if (words.length > 0) throw new CliError('give the prompt either as words or with --prompt-file, not both');
    if (flags.promptFile === '-') return readAll(stdin);
    try {
      return await readFile(flags.promptFile, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read the prompt file ${flags.promptFile}: ${(error as Error).message}`);
    }
  }
  if (words.length === 1 && words[0] === '-') return readAll(stdin);
  if (words.length === 0) throw new CliError('no prompt: give it as words, as - (standard input) or with --prompt-file FILE');
  return words.join(' ');
}

async function readAll(stream: NodeJS.ReadableStream, maxBytes = Infinity): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > maxBytes) throw new CliError(`standard input has more than ${maxBytes} bytes; a tool input may have at most ${TOOL_INPUT_MAX_BYTES} bytes of JSON`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The run's options. The workspace goes to the worker as given: the worker resolves it beneath its
 * own workspace roots (the client's disk is not the worker's, e.g. in Docker); absent, the worker's first root.
 */
export function startOptions(prompt: string, flags: StartFlags): StartOptions {
  const text = prompt.trim();
  if (!text) throw new CliError('the prompt is empty');
  const model = chooseModel(flags);
  const output = flags.outputSchema !== undefined ? readOutputSchema(flags.outputSchema) : undefined;
  return {
    agent: flags.agent,
    prompt: text,
    ...(model !== undefined ? { model } : {}),
    ...(flags.workspace !== undefined ? { workspace: flags.workspace } : {}),
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
    ...(flags.maxModelCalls !== undefined ? { maxModelCalls: flags.maxModelCalls } : {}),
    ...(flags.acceptTimeoutMs !== undefined ? { acceptTimeoutMs: flags.acceptTimeoutMs } : {}),
    ...(output !== undefined ? { output } : {}),
  };
}

/** The file most an output schema file may be before it is read (the schema itself may have MAX_OUTPUT_SCHEMA_CHARS of compact JSON). */
const MAX_OUTPUT_SCHEMA_FILE_BYTES = 4 * MAX_OUTPUT_SCHEMA_CHARS;

/** `--output-schema FILE`: a JSON Schema object, checked here (AgentClient checks it again and compiles it); one line says what is wrong. */
function readOutputSchema(file: string): JsonObject {
  const shown = JSON.stringify(file);
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_OUTPUT_SCHEMA_FILE_BYTES) throw new CliError(`--output-schema: the file ${shown} is ${size} bytes; an output schema file may have at most ${MAX_OUTPUT_SCHEMA_FILE_BYTES}`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`--output-schema: cannot read ${shown}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--output-schema: ${shown} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const problem = outputSchemaProblem(schema);
  if (problem) throw new CliError(`--output-schema: ${shown}: ${problem}`);
  return schema as JsonObject;
}

function describeStart(options: StartOptions): string {
  const model = options.model ? formatModelChoice(options.model) : "the agent's or the worker's default";
  return `agent ${options.agent}, model ${model}${options.workspace !== undefined ? `, workspace ${escapeInline(options.workspace)}` : ''}`;
}

/** The run is durable either way; say so (on stderr) when no worker has taken it yet. */
function warnIfQueued(started: StartedRun): void {
  if (started.accepted) return;
  process.stderr.write(
    `warning: no worker has picked up run ${started.workflowId} yet; it stays queued and starts when a worker polls task queue "${taskQueue()}" (start one with: ${CLI_INVOCATION} worker --task-queue ${taskQueue()}, or your own project's worker; or pass --task-queue to name the queue your worker polls)\n`,
  );
}

export async function startCommand(words: string[], flags: StartFlags): Promise<void> {
  const out = outputFor(flags);
  const options = startOptions(await readPrompt(words, flags), flags);
  const started = await withAgents((agents) => agents.start(options));
  warnIfQueued(started);
  const { workflowId } = started;
  out.emit({ workflowId }, [`started ${workflowId} (${describeStart(options)})`, `  next: ${CLI_INVOCATION} wait ${workflowId}`]);
}

export async function runCommand(words: string[], flags: StartFlags & KeyFlags): Promise<void> {
  const out = outputFor(flags);
  if (flags.promptFile === '-' || (words.length === 1 && words[0] === '-')) {
    throw new CliError('run reads the answers from standard input, so the prompt cannot come from it: use --prompt-file FILE');
  }
  const options = startOptions(await readPrompt(words, flags), flags);
  const signer = signerFor(flags);
  await withAgents(async (agents) => {
    const started = await agents.start(options);
    warnIfQueued(started);
    const { workflowId } = started;
    out.info(`started ${workflowId} (${describeStart(options)})`);
    const terminal = new Terminal(out.dialogue);
    try {
      const result = await interactively(agents, workflowId, terminal, out.dialogue, signer);
      out.emit({ workflowId, ...result }, ['', ...formatResult(result, true)]);
    } finally {
      terminal.close();
    }
  });
}

async function interactively(agents: AgentClient, workflowId: string, terminal: Terminal, output: NodeJS.WritableStream, signer: ReturnType<typeof signerFor>) {
  try {
    return await driveRun(agents, workflowId, { answer: terminalAnswerer(terminal), output, live: output, signal: shutdownSignal(), signer });
  } catch (error) {
    if (error instanceof Interrupted) {
      throw new Interrupted(`stopped asking; run ${workflowId} goes on waiting (answer later: ${CLI_INVOCATION} status ${workflowId})`);
    }
    throw error;
  }
}

export interface CallToolFlags extends JsonFlag {
  agent: string;
  tool: string;
  input?: string;
  inputFile?: string;
  session?: string;
  /** false with --no-record. */
  record: boolean;
  workspace?: string;
  acceptTimeoutMs?: number;
}

/** The most a tool input's text may have before it is parsed (the input itself may have TOOL_INPUT_MAX_BYTES of compact JSON). */
const MAX_INPUT_TEXT_BYTES = 4 * TOOL_INPUT_MAX_BYTES;

/** `--input JSON` or `--input-file FILE|-`: the JSON text, size-checked before it is read whole. */
async function readToolInput(flags: CallToolFlags, stdin: NodeJS.ReadableStream = process.stdin): Promise<unknown> {
  if ((flags.input === undefined) === (flags.inputFile === undefined)) throw new CliError('give the tool input with --input JSON or with --input-file FILE (- for standard input), once');
  let text: string;
  let where = '--input';
  if (flags.input !== undefined) {
    text = flags.input;
  } else {
    const file = flags.inputFile!;
    where = file === '-' ? '--input-file -' : `--input-file ${JSON.stringify(file)}`;
    if (file === '-') {
      text = await readAll(stdin, MAX_INPUT_TEXT_BYTES);
    } else {
      try {
        const size = statSync(file).size;
        if (size > MAX_INPUT_TEXT_BYTES) throw new CliError(`${where}: the file is ${size} bytes; a tool input may have at most ${TOOL_INPUT_MAX_BYTES} bytes of JSON`);
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if (error instanceof CliError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(`${where}: cannot read it${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
      }
    }
  }
  if (Buffer.byteLength(text) > MAX_INPUT_TEXT_BYTES) throw new CliError(`${where}: the input is ${Buffer.byteLength(text)} bytes; a tool input may have at most ${TOOL_INPUT_MAX_BYTES} bytes of JSON`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${where} is not JSON: ${clipInline((error as Error).message.split('\n')[0] ?? '', 200)}`);
  }
}

export async function callToolCommand(flags: CallToolFlags): Promise<void> {
  const out = outputFor(flags);
  const options: CallToolOptions = {
    agent: flags.agent,
    tool: flags.tool,
    input: await readToolInput(flags),
    recordInConversation: flags.record,
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
    ...(flags.workspace !== undefined ? { workspace: flags.workspace } : {}),
    ...(flags.acceptTimeoutMs !== undefined ? { acceptTimeoutMs: flags.acceptTimeoutMs } : {}),
  };
  const started = await withAgents((agents) => agents.callTool(options));
  warnIfQueued(started);
  const { workflowId } = started;
  const where = `agent ${escapeInline(flags.agent)}, tool ${escapeInline(flags.tool)}${flags.session !== undefined ? `, session ${escapeInline(flags.session)}` : ''}`;
  out.emit({ workflowId }, [`started ${workflowId} (${where})`, `  next: ${CLI_INVOCATION} wait ${workflowId}, then ${CLI_INVOCATION} result ${workflowId}`]);
}

export async function statusCommand(workflowId: string, flags: JsonFlag): Promise<void> {
  const status = await withAgents((agents) => agents.status(workflowId));
  outputFor(flags).emit(status, () => formatStatus(workflowId, status));
}

export async function waitCommand(workflowId: string, flags: JsonFlag & { timeoutMs?: number }): Promise<void> {
  const status = await withAgents((agents) =>
    agents.wait(workflowId, flags.timeoutMs !== undefined ? { timeoutMs: flags.timeoutMs } : {}),
  );
  outputFor(flags).emit(status, () => formatStatus(workflowId, status));
}

export async function resultCommand(workflowId: string, flags: JsonFlag): Promise<void> {
  const result = await withAgents(async (agents) => {
    // A readable "no run with id" first; and a run waiting for a human would never finish here.
    const status = await agents.status(workflowId);
    if (status.status === 'waiting') {
      throw new CliError(`run ${workflowId} has no result yet: it is waiting for ${status.pending.length === 1 ? 'an answer' : 'answers'} (see: ${CLI_INVOCATION} status ${workflowId})`);
    }
    return agents.result(workflowId);
  });
  outputFor(flags).emit(result, () => finalText(result));
}

export async function cancelCommand(workflowId: string, flags: JsonFlag): Promise<void> {
  await withAgents((agents) => agents.cancel(workflowId));
  outputFor(flags).emit({ workflowId, cancelled: true }, `cancellation requested for ${workflowId}`);
}
