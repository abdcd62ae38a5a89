/**
 * How a user's agents module hands its agents to the workflow bundle: `export const agents = [...]`
 * (or a default export), and optionally `export const graphs = [graph(...)]` and
 * `export const swarms = [swarm(...)]`. Runs inside the workflow sandbox: no Node imports here.
 */
import type { AgentDefinition } from '../agent/definition.js';
import type { GraphDefinition } from '../agent/multi-agent/graph-definition.js';
import type { SwarmDefinition } from '../agent/multi-agent/swarm-definition.js';

function isAgent(value: unknown): value is AgentDefinition {
  return typeof value === 'object' && value !== null && typeof (value as AgentDefinition).name === 'string' && Array.isArray((value as AgentDefinition).tools);
}

/** The agents a module exports, or an error that names the module and what it must export. */
export function agentsOf(module: Record<string, unknown>, from: string): AgentDefinition[] {
  const exported = module['agents'] ?? module['default'];
  if (!Array.isArray(exported) || exported.length === 0 || !exported.every(isAgent)) {
    throw new TypeError(`${from} must export \`agents\` (or a default export): a non-empty array of defineAgent(...) results`);
  }
  const names = exported.map((agent) => agent.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new TypeError(`${from} exports two agents named "${duplicate}"`);
  return exported;
}

/** The module's `graphs` (graph(...) results), or none. */
export function graphsOf(module: Record<string, unknown>, from: string): GraphDefinition[] {
  return namedList(module, 'graphs', 'graph', from, (value) => Array.isArray((value as GraphDefinition).nodes) && Array.isArray((value as GraphDefinition).edges));
}

/** The module's `swarms` (swarm(...) results), or none. */
export function swarmsOf(module: Record<string, unknown>, from: string): SwarmDefinition[] {
  return namedList(module, 'swarms', 'swarm', from, (value) => Array.isArray((value as SwarmDefinition).agents));
}

function namedList<T extends { name: string }>(module: Record<string, unknown>, key: string, maker: string, from: string, shaped: (value: object) => boolean): T[] {
  const exported = module[key];
  if (exported === undefined) return [];
  const fits = (value: unknown) => typeof value === 'object' && value !== null && typeof (value as T).name === 'string' && shaped(value);
  if (!Array.isArray(exported) || !exported.every(fits)) throw new TypeError(`${from}: \`${key}\` must be an array of ${maker}(...) results`);
  const names = exported.map((item: T) => item.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new TypeError(`${from} exports two ${key} named "${duplicate}"`);
  return exported as T[];
}
