/**
 * How a user's agents module hands its agents to the workflow bundle: `export const agents = [...]`
 * (or a default export). Runs inside the workflow sandbox: no Node imports here.
 */
import type { AgentDefinition } from '../agent/definition.js';

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
