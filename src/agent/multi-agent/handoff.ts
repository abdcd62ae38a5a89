/**
 * The handoff tool of swarm members (Strands' `handoff_to_agent`). It runs in the workflow as a
 * beforeToolCall hook, so no worker needs an implementation: the hook checks the target against
 * the swarm's members (which the swarm puts in the run's state), records the handoff in the state
 * (which comes back to the swarm when the run ends) and answers the model that the task was handed
 * off. The model then ends its turn. The hook's check only helps the model: the state is the
 * member's to write (its tools and hooks may change both keys), so the swarm checks the handoff it
 * reads back against its own definition (`handoffProblem`). Workflow-safe.
 */
import { z } from 'zod';
import type { AgentDefinition, ToolDefinition } from '../definition.js';
import type { JsonObject, JsonValue } from '../types.js';

export const HANDOFF_TOOL = 'handoff_to_agent';
/** Where the swarm tells a member who the others are (run state; removed again by the swarm). */
export const SWARM_STATE_KEY = '__swarm';
/** Where the hook records the handoff (run state; read and removed by the swarm). */
export const HANDOFF_STATE_KEY = '__swarm_handoff';

export interface SwarmMembership {
  swarm: string;
  self: string;
  members: string[];
}

export interface Handoff {
  agent: string;
  message: string;
  context?: JsonObject;
}

const handoffInput = z.object({
  agent_name: z.string().min(1).describe('The agent to hand the task to: one of the swarm agents named in your prompt'),
  message: z.string().min(1).describe('What the next agent should do, and what you found'),
  context: z.record(z.string(), z.json()).optional().describe('Facts to share with every later agent (JSON object)'),
});

export const handoffTool: ToolDefinition<typeof handoffInput> = {
  name: HANDOFF_TOOL,
  description: 'Hand the task to another agent of the swarm, with a message; end your turn after calling it.',
  input: handoffInput,
};

/**
 * `swarmMember(defineAgent({...}))`: the agent with the handoff tool, for use in a swarm (under
 * another name with `{ name }`, so that an agent can also be registered as itself). Outside a
 * swarm the tool refuses.
 */
export function swarmMember(agent: AgentDefinition, options: { name?: string } = {}): AgentDefinition {
  return {
    ...agent,
    name: options.name ?? agent.name,
    tools: [...agent.tools, handoffTool],
    hooks: (hooks) => {
      agent.hooks?.(hooks);
      hooks.on(
        'beforeToolCall',
        (event) => {
          if (event.toolUse.name !== HANDOFF_TOOL) return;
          const input = event.toolUse.input as { agent_name: string; message: string; context?: JsonObject };
          const membership = event.state.get<JsonValue>(SWARM_STATE_KEY) as SwarmMembership | undefined;
          if (!membership) event.cancel = 'This run is not part of a swarm: there is nobody to hand off to.';
          else if (event.state.has(HANDOFF_STATE_KEY)) event.cancel = 'You already handed off in this turn: end your turn now.';
          else if (input.agent_name === membership.self) event.cancel = `You are ${membership.self}: hand off to another agent (${others(membership)}).`;
          else if (!membership.members.includes(input.agent_name)) event.cancel = `Agent "${input.agent_name}" not found in swarm ${membership.swarm}; its agents: ${others(membership)}.`;
          else {
            const handoff: Handoff = { agent: input.agent_name, message: input.message, ...(input.context ? { context: input.context } : {}) };
            event.state.set(HANDOFF_STATE_KEY, handoff as unknown as JsonValue);
            event.cancel = `Handed off to ${input.agent_name}. Your part is done: end your turn with a one-line summary.`;
          }
        },
        { name: 'swarm-handoff' },
      );
    },
  };
}

function others(membership: SwarmMembership): string {
  return membership.members.filter((name) => name !== membership.self).join(', ') || 'none';
}

/**
 * Why a swarm must not follow `value`, the handoff read back from a member's run state (which that
 * run's tools and hooks may have written), or undefined: the target must be another of `members`
 * (the swarm definition's agents, never the state's list).
 */
export function handoffProblem(value: unknown, members: readonly string[], self: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the handoff is not an object';
  const { agent, message, context } = value as Record<string, unknown>;
  if (typeof agent !== 'string') return 'the handoff names no agent';
  if (agent === self) return `${self} handed off to itself`;
  if (!members.includes(agent)) return `${JSON.stringify(agent.slice(0, 100))} is not an agent of the swarm (${members.join(', ')})`;
  if (typeof message !== 'string') return 'the handoff has no message';
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) return 'the handoff context is not an object';
  return undefined;
}
