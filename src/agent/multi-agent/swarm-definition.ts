/**
 * A swarm (Strands' `Swarm`): agents that hand the task to each other through a handoff tool the
 * model calls, naming the next agent and a message; the swarm ends when an agent ends its turn
 * without handing off. Registered in the worker beside its agents. Workflow-safe.
 */
import type { BeforeNodeEvent } from './before-node.js';

export interface SwarmDefinition {
  name: string;
  description?: string;
  /** The member agents' names (each made with `swarmMember`, registered in the same worker). */
  agents: string[];
  /** The agent that starts (default: the first). */
  entry?: string;
  /** The most handoffs one run of the swarm may take (default 20, as Strands); past it, the swarm fails. */
  maxHandoffs?: number;
  /**
   * Ping-pong detection: among the last `window` agents to run, fewer than `minUniqueAgents`
   * different ones fails the swarm (default 6 and 3: A, B, A, B, A, B fails). 0 turns it off.
   */
  repetitiveHandoff?: { window: number; minUniqueAgents: number };
  /** Runs before each agent takes its turn; may ask a person or cancel (the swarm then fails). */
  beforeNode?: (event: BeforeNodeEvent) => void | Promise<void>;
}

export const DEFAULT_MAX_HANDOFFS = 20;
export const DEFAULT_REPETITIVE_HANDOFF = { window: 6, minUniqueAgents: 3 };

export function swarm(definition: SwarmDefinition): SwarmDefinition {
  const problem = swarmProblem(definition);
  if (problem) throw new TypeError(`swarm "${definition.name}": ${problem}`);
  return definition;
}

function swarmProblem(definition: SwarmDefinition): string | undefined {
  if (definition.agents.length === 0) return 'a swarm needs at least one agent';
  const seen = new Set<string>();
  for (const agent of definition.agents) {
    if (seen.has(agent)) return `agent "${agent}" is named twice`;
    seen.add(agent);
  }
  if (definition.entry !== undefined && !seen.has(definition.entry)) return `entry "${definition.entry}" is not one of its agents`;
  if (definition.maxHandoffs !== undefined && !(Number.isSafeInteger(definition.maxHandoffs) && definition.maxHandoffs >= 0)) return 'maxHandoffs must be an integer of at least 0';
  return undefined;
}

/** Why the swarm must stop before `next` takes its turn, given the agents that ran so far, or undefined. */
export function swarmLimitProblem(definition: SwarmDefinition, history: readonly string[], next: string): string | undefined {
  const maxHandoffs = definition.maxHandoffs ?? DEFAULT_MAX_HANDOFFS;
  // The first agent's turn is no handoff.
  if (history.length > maxHandoffs) return `handoff limit reached: ${maxHandoffs} handoffs (${[...history, next].join(' -> ')})`;
  const { window, minUniqueAgents } = definition.repetitiveHandoff ?? DEFAULT_REPETITIVE_HANDOFF;
  const recent = [...history, next].slice(-window);
  if (window > 0 && recent.length >= window && new Set(recent).size < minUniqueAgents) {
    return `repetitive handoff: the last ${window} turns went to only ${[...new Set(recent)].join(' and ')} (fewer than ${minUniqueAgents} agents)`;
  }
  return undefined;
}
