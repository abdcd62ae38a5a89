/**
 * What a run's web page shows besides its status: the prompt it was started with, its final result
 * (or how it ended otherwise) and its timeline (timeline.ts). The conversation comes from the run's
 * result once it completed, else from its `conversation` query (a worker answers it, by replay for
 * an ended run); without one the timeline shows the questions and answers only.
 */
import type { Message } from '../agent/types.js';
import type { AgentClient } from '../sdk/agent-client.js';
import { conversationQuery, type RunPhase, type RunStatus } from '../workflows/messages.js';
import { readRunPrompt } from './run-prompt.js';
import { buildTimeline, type TimelineEntry } from './timeline.js';

export interface RunView {
  runId: string;
  agent: string;
  sessionId?: string;
  phase: RunPhase;
  prompt?: string;
  /** The run's final answer, once it completed. */
  result?: string;
  /** Why it failed, when it did. */
  error?: string;
  /** False when the conversation could not be read (no worker answered): the timeline then has no tool calls. */
  conversation: boolean;
  timeline: TimelineEntry[];
}

/** How long the conversation query may take (a worker replays a run that is not in its cache). */
const CONVERSATION_DEADLINE_MS = 3000;

export async function readRunView(agents: AgentClient, runId: string, status?: RunStatus): Promise<RunView> {
  const current = status ?? (await agents.status(runId));
  const [prompt, told] = await Promise.all([readRunPrompt(agents.client, runId, current.agent), conversationOf(agents, runId, current.status)]);
  return {
    runId,
    agent: current.agent,
    ...(current.sessionId !== undefined ? { sessionId: current.sessionId } : {}),
    phase: current.status,
    ...(prompt !== undefined ? { prompt } : {}),
    ...(told.result !== undefined ? { result: told.result } : {}),
    ...(current.error !== undefined ? { error: current.error } : {}),
    conversation: told.messages !== undefined,
    timeline: buildTimeline(current, told.messages ?? [], prompt),
  };
}

async function conversationOf(agents: AgentClient, runId: string, phase: RunPhase): Promise<{ messages?: Message[]; result?: string }> {
  if (phase === 'completed') {
    const result = await agents.result(runId).catch(() => undefined);
    if (result) return { ...(Array.isArray(result.messages) ? { messages: result.messages } : {}), result: result.text };
  }
  const { client } = agents;
  const messages = await client
    .withDeadline(Date.now() + CONVERSATION_DEADLINE_MS, () => client.workflow.getHandle(runId).query(conversationQuery))
    .catch(() => undefined);
  return messages ? { messages } : {};
}
