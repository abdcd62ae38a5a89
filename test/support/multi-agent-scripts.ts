/** Scripted models by node for the graph and swarm tests (inline scripts: every visit of a node gets the same turns). */
import { scriptedModel, type ScriptedTurn } from '../../src/agent/scripted-turns.js';
import type { ModelChoice } from '../../src/agent/types.js';
import type { MultiAgentStatus } from '../../src/workflows/multi-agent-messages.js';
import type { TestEnv } from './env.js';

export function scripts(byNode: Record<string, ScriptedTurn[]>): Record<string, ModelChoice> {
  return Object.fromEntries(Object.entries(byNode).map(([node, turns]) => [node, scriptedModel(turns)]));
}

export const text = (words: string): ScriptedTurn => ({ text: words });
export const handoff = (agent: string, message: string, context?: Record<string, string | string[]>): ScriptedTurn => ({
  tools: [{ name: 'handoff_to_agent', input: { agent_name: agent, message, ...(context ? { context } : {}) } }],
});
export const deleting = (paths: string[]): ScriptedTurn[] => [
  { tools: [{ name: 'inspect_files', input: { paths } }] },
  { tools: [{ name: 'delete_files', input: { paths } }] },
];

/** The daily-brief graph's scripts (the weather says `weather`). */
export function dailyBrief(weather = 'It is sunny.'): Record<string, ModelChoice> {
  return scripts({ info: [text('Brief for Monday.')], day: [text('It is monday.')], time: [text('It is 12:01.')], weather: [text(weather)], umbrella: [text('Take an umbrella.')] });
}

/** Waits until the graph or swarm waits for `count` questions (or has ended). */
export async function untilQuestions(env: TestEnv, workflowId: string, count: number): Promise<MultiAgentStatus> {
  for (;;) {
    const status = (await env.agents.wait(workflowId)) as MultiAgentStatus;
    if (status.status !== 'waiting' || status.pending.length >= count) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the graph or swarm has ended (a cancel takes a moment to reach its nodes). */
export async function untilEnded(env: TestEnv, workflowId: string): Promise<MultiAgentStatus> {
  for (;;) {
    const status = (await env.agents.wait(workflowId)) as MultiAgentStatus;
    if (status.status !== 'waiting' && status.status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
