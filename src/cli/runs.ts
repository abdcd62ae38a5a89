/** `start`, `run`, `status`, `wait`, `result`, `cancel`. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AgentClient, StartOptions } from '../sdk/agent-client.js';
import { CliError, Interrupted } from './errors.js';
import { driveRun, Terminal, terminalAnswerer } from './interactive.js';
import { chooseModel, type ModelFlags } from './model-choice.js';
import { finalText, formatResult, formatStatus, outputFor, type JsonFlag } from './output.js';
import { withAgents } from './connect.js';
import { shutdownSignal } from './signals.js';
import { DEFAULT_WORKSPACE } from './demo-workspace.js';

export interface StartFlags extends ModelFlags, JsonFlag {
  agent: string;
  session?: string;
  workspace?: string;
  maxModelCalls?: number;
}

/** The workspace as an absolute path, created when missing. */
export function prepareWorkspace(dir: string | undefined): string {
  const absolute = path.resolve(dir ?? DEFAULT_WORKSPACE);
  try {
    mkdirSync(absolute, { recursive: true });
  } catch (error) {
    throw new CliError(`cannot create the workspace folder ${absolute}: ${(error as Error).message}`);
  }
  return absolute;
}

export function startOptions(words: string[], flags: StartFlags): StartOptions {
  const prompt = words.join(' ').trim();
  if (!prompt) throw new CliError('the prompt is empty');
  return {
    agent: flags.agent,
    prompt,
    model: chooseModel(flags),
    workspace: prepareWorkspace(flags.workspace),
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
    ...(flags.maxModelCalls !== undefined ? { maxModelCalls: flags.maxModelCalls } : {}),
  };
}

export async function startCommand(words: string[], flags: StartFlags): Promise<void> {
  const out = outputFor(flags);
  const options = startOptions(words, flags);
  const { workflowId } = await withAgents((agents) => agents.start(options));
  out.emit({ workflowId }, [`started ${workflowId} (agent ${options.agent}, model ${options.model.provider}:${options.model.modelId})`, `  next: npm run -s client -- wait ${workflowId}`]);
}

export async function runCommand(words: string[], flags: StartFlags): Promise<void> {
  const out = outputFor(flags);
  const options = startOptions(words, flags);
  await withAgents(async (agents) => {
    const { workflowId } = await agents.start(options);
    out.info(`started ${workflowId} (agent ${options.agent}, model ${options.model.provider}:${options.model.modelId}, workspace ${options.workspace})`);
    const terminal = new Terminal(out.dialogue);
    try {
      const result = await interactively(agents, workflowId, terminal, out.dialogue);
      out.emit({ workflowId, ...result }, ['', ...formatResult(result)]);
    } finally {
      terminal.close();
    }
  });
}

async function interactively(agents: AgentClient, workflowId: string, terminal: Terminal, output: NodeJS.WritableStream) {
  try {
    return await driveRun(agents, workflowId, { answer: terminalAnswerer(terminal), output, signal: shutdownSignal() });
  } catch (error) {
    if (error instanceof Interrupted) {
      throw new Interrupted(`stopped asking; run ${workflowId} goes on waiting (answer later: npm run -s client -- status ${workflowId})`);
    }
    throw error;
  }
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
      throw new CliError(`run ${workflowId} has no result yet: it is waiting for ${status.pending.length === 1 ? 'an answer' : 'answers'} (see: npm run -s client -- status ${workflowId})`);
    }
    return agents.result(workflowId);
  });
  outputFor(flags).emit(result, () => finalText(result));
}

export async function cancelCommand(workflowId: string, flags: JsonFlag): Promise<void> {
  await withAgents((agents) => agents.cancel(workflowId));
  outputFor(flags).emit({ workflowId, cancelled: true }, `cancellation requested for ${workflowId}`);
}
