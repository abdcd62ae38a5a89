/**
 * `hitl graph start|run|status` and `hitl swarm start|run|status`: graphs and swarms registered in
 * the worker. Once started, `status`, `wait`, `respond`, `approve`, `inbox`, `result` and `cancel`
 * take a graph's or swarm's id as they take a run's. `--model scripted:FILE` takes one script for
 * every agent node, or an object of scripts by node id or agent name (each node its own).
 */
import { readFileSync } from 'node:fs';
import { escapeBlock, escapeInline } from '../agent/escape.js';
import { questionOf } from '../agent/interrupts.js';
import { checkScript, scriptedModel, SCRIPTED_PROVIDER } from '../agent/scripted-turns.js';
import type { ModelChoice } from '../agent/types.js';
import type { MultiAgentResult, MultiAgentView } from '../workflows/multi-agent-messages.js';
import type { MultiAgentStartOptions } from '../sdk/graph-client.js';
import { withAgents } from './connect.js';
import { CliError, Interrupted } from './errors.js';
import { driveRun, Terminal, terminalAnswerer } from './interactive.js';
import { CLI_INVOCATION } from './invocation.js';
import { chooseModel, type ModelFlags } from './model-choice.js';
import { outputFor, shown, type JsonFlag } from './output.js';
import { readPrompt } from './runs.js';
import { signerFor, type KeyFlags } from './signing.js';
import { shutdownSignal } from './signals.js';

export type MultiAgentKind = 'graph' | 'swarm';

export interface MultiAgentStartFlags extends ModelFlags, JsonFlag {
  session?: string;
  workspace?: string;
  promptFile?: string;
}

async function startOptions(name: string, words: string[], flags: MultiAgentStartFlags): Promise<MultiAgentStartOptions> {
  const prompt = (await readPrompt(words, flags)).trim();
  if (!prompt) throw new CliError('the prompt is empty');
  const models = modelsByNode(flags);
  const model = models ? undefined : chooseModel(flags);
  return {
    name,
    prompt,
    ...(model !== undefined ? { model } : {}),
    ...(models !== undefined ? { models } : {}),
    ...(flags.workspace !== undefined ? { workspace: flags.workspace } : {}),
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
  };
}

/** `scripted:FILE` whose JSON is an object: a script for each node (or agent) it names. Else undefined (one model for all). */
function modelsByNode(flags: ModelFlags): Record<string, ModelChoice> | undefined {
  if (flags.provider !== undefined || !flags.model?.startsWith(`${SCRIPTED_PROVIDER}:`)) return undefined;
  const file = flags.model.slice(SCRIPTED_PROVIDER.length + 1);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // chooseModel says what is wrong with the file
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  try {
    return Object.fromEntries(Object.entries(value).map(([node, turns]) => [node, scriptedModel(checkScript(turns, `the script of ${node}`))]));
  } catch (error) {
    throw new CliError(`--model ${flags.model}: ${(error as Error).message}`);
  }
}

export async function multiAgentStartCommand(kind: MultiAgentKind, name: string, words: string[], flags: MultiAgentStartFlags): Promise<void> {
  const options = await startOptions(name, words, flags);
  const { workflowId } = await withAgents((agents) => (kind === 'graph' ? agents.startGraph(options) : agents.startSwarm(options)));
  outputFor(flags).emit({ workflowId }, [`started ${kind} ${escapeInline(name)}: ${workflowId}`, `  next: ${CLI_INVOCATION} ${kind} status ${workflowId}`]);
}

export async function multiAgentRunCommand(kind: MultiAgentKind, name: string, words: string[], flags: MultiAgentStartFlags & KeyFlags): Promise<void> {
  const out = outputFor(flags);
  if (flags.promptFile === '-' || (words.length === 1 && words[0] === '-')) throw new CliError('run reads the answers from standard input, so the prompt cannot come from it: use --prompt-file FILE');
  const options = await startOptions(name, words, flags);
  const signer = signerFor(flags);
  await withAgents(async (agents) => {
    const { workflowId } = kind === 'graph' ? await agents.startGraph(options) : await agents.startSwarm(options);
    out.info(`started ${kind} ${escapeInline(name)}: ${workflowId}`);
    const terminal = new Terminal(out.dialogue);
    try {
      const result = (await driveRun(agents, workflowId, { answer: terminalAnswerer(terminal), output: out.dialogue, signal: shutdownSignal(), signer })) as unknown as MultiAgentResult;
      out.emit({ workflowId, ...result }, formatResult(result));
    } catch (error) {
      if (error instanceof Interrupted) throw new Interrupted(`stopped asking; ${kind} ${workflowId} goes on waiting (answer later: ${CLI_INVOCATION} ${kind} status ${workflowId})`);
      throw error;
    } finally {
      terminal.close();
    }
  });
}

export async function multiAgentStatusCommand(workflowId: string, flags: JsonFlag): Promise<void> {
  const view = await withAgents((agents) => agents.multiAgentStatus(workflowId));
  outputFor(flags).emit(view, () => formatView(workflowId, view));
}

function formatView(workflowId: string, view: MultiAgentView): string[] {
  const lines = [`${escapeInline(workflowId)}: ${view.kind} ${escapeInline(view.name)} ${view.status}`];
  if (view.error) lines.push(`  error: ${shown(view.error, 1000)}`);
  const nodes = Object.entries(view.nodes);
  if (nodes.length > 0) lines.push(`  nodes: ${nodes.map(([id, node]) => `${escapeInline(id)} ${node.status}`).join(', ')}`);
  if (view.order.length > 0) lines.push(`  order: ${view.order.map((id) => escapeInline(id)).join(' -> ')}`);
  for (const handoff of view.handoffs ?? []) lines.push(`  handoff ${escapeInline(handoff.from)} -> ${escapeInline(handoff.to)}: ${shown(handoff.message, 200)}`);
  for (const { node, questions } of view.interruptedNodes) {
    for (const question of questions) {
      const text = questionOf(question.reason);
      lines.push(`  interrupted ${escapeInline(node)}: ${escapeInline(question.name)}${text ? ` — ${shown(text, 300)}` : ''} (id ${escapeInline(question.id)})`);
    }
  }
  if (view.interruptedNodes.length > 0) lines.push(`  answer: ${CLI_INVOCATION} approve ${workflowId} (or respond ${workflowId} ID ANSWER)`);
  return lines;
}

function formatResult(result: MultiAgentResult): string[] {
  return [escapeBlock(result.text.trim()) || '(no text)', '', `${result.kind} ${escapeInline(result.name)} completed: ${result.order.map((id) => escapeInline(id)).join(' -> ')}`];
}
