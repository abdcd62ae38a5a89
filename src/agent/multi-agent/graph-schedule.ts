/**
 * Which graph nodes run next. A node is decided once every node with an edge into it has ended:
 * it runs when at least one of those edges is traversed (its source completed and its condition
 * holds), with the traversed sources as its inputs; otherwise it is skipped. Nodes decided
 * together run in parallel. Entry nodes run at once. Pure and deterministic.
 */
import { entriesOf, type GraphContext, type GraphDefinition } from './graph-definition.js';

export type NodeStatus = 'pending' | 'executing' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export interface Decision {
  /** Nodes to start now, each with the nodes whose results are its inputs. */
  run: Array<{ id: string; inputs: string[] }>;
  skip: string[];
}

export function decide(definition: GraphDefinition, statuses: Readonly<Record<string, NodeStatus>>, context: GraphContext): Decision {
  const entries = new Set(entriesOf(definition));
  const decision: Decision = { run: [], skip: [] };
  for (const node of definition.nodes) {
    if (statuses[node.id] !== 'pending') continue;
    if (entries.has(node.id)) {
      decision.run.push({ id: node.id, inputs: [] });
      continue;
    }
    const incoming = definition.edges.filter((edge) => edge.to === node.id);
    if (!incoming.every((edge) => isEnded(statuses[edge.from]))) continue;
    const inputs = incoming.filter((edge) => statuses[edge.from] === 'completed' && (edge.when?.(context) ?? true)).map((edge) => edge.from);
    if (inputs.length > 0) decision.run.push({ id: node.id, inputs: [...new Set(inputs)] });
    else decision.skip.push(node.id);
  }
  return decision;
}

function isEnded(status: NodeStatus | undefined): boolean {
  return status === 'completed' || status === 'skipped' || status === 'failed' || status === 'cancelled';
}

/** The default prompt of an agent node: the task, then each input node's result. */
export function defaultPrompt(context: GraphContext, inputs: readonly string[]): string {
  if (inputs.length === 0) return context.task;
  const parts = inputs.map((id) => `From ${id}:\n${context.results[id]?.text ?? ''}`);
  return `${context.task}\n\nInputs from previous nodes:\n\n${parts.join('\n\n')}`;
}
