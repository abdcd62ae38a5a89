/**
 * A graph of nodes (Strands' `Graph`), as code registered in the worker beside its agents. Agent
 * nodes are child runs of an agent; function nodes are deterministic code that runs in the
 * workflow (like hooks: no I/O, clock or randomness; work that touches the world belongs in an
 * agent node's tools). Edges may carry a condition over the graph's results. Workflow-safe.
 */
import type { JsonObject, JsonValue, ModelChoice } from '../types.js';
import type { BeforeNodeEvent } from './before-node.js';

/** What a node's code and an edge's condition see: the task and every result so far. */
export interface GraphContext {
  /** The prompt the graph was started with. */
  task: string;
  /** Each finished node's result, by node id. */
  results: Readonly<Record<string, NodeResult>>;
  /** The graph's shared agent state (agent nodes start from it; their changes come back). */
  state: JsonObject;
}

export interface NodeResult {
  status: 'completed' | 'failed' | 'cancelled' | 'skipped';
  /** An agent node's final text, or a function node's value as text. */
  text: string;
  /** A function node's value. */
  value?: JsonValue;
  /** Why it failed or was cancelled. */
  error?: string;
  /** The child run of an agent node. */
  runId?: string;
}

export interface AgentNode {
  id: string;
  /** The agent that runs this node (registered in the same worker). */
  agent: string;
  /** The prompt of its run (default: the task, then each input node's result). */
  prompt?: (context: GraphContext, inputs: readonly string[]) => string;
  /** This node's model (default: the graph run's model for this node, else the agent's, else the run's). */
  model?: ModelChoice;
}

export interface FunctionNode {
  id: string;
  /** Deterministic workflow code: its value (text or JSON) is the node's result; a throw fails the node. */
  run: (context: GraphContext, inputs: readonly string[]) => JsonValue | Promise<JsonValue>;
}

export type GraphNode = AgentNode | FunctionNode;

export interface GraphEdge {
  from: string;
  to: string;
  /** Traversed only when true (decided when `from` has finished); default: always. */
  when?: (context: GraphContext) => boolean;
}

export interface GraphDefinition {
  name: string;
  description?: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The nodes that start (default: every node without incoming edges). */
  entry?: string[];
  /** Runs before each node; may ask a person (`event.interrupt`) or cancel the node (which fails the graph, as in Strands). */
  beforeNode?: (event: BeforeNodeEvent) => void | Promise<void>;
}

export function isAgentNode(node: GraphNode): node is AgentNode {
  return 'agent' in node;
}

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `graph({ nodes, edges, entry })`, checked: unique ids, edges between known nodes, a known entry, no cycle. */
export function graph(definition: GraphDefinition): GraphDefinition {
  const problem = graphProblem(definition);
  if (problem) throw new TypeError(`graph "${definition.name}": ${problem}`);
  return definition;
}

function graphProblem(definition: GraphDefinition): string | undefined {
  const ids = new Set<string>();
  for (const node of definition.nodes) {
    if (!NODE_ID.test(node.id)) return `node id ${JSON.stringify(node.id)} must be 1-64 letters, digits, - or _ (it becomes part of a workflow id)`;
    if (ids.has(node.id)) return `node id "${node.id}" is used twice`;
    ids.add(node.id);
  }
  if (ids.size === 0) return 'a graph needs at least one node';
  for (const edge of definition.edges) {
    for (const end of [edge.from, edge.to]) if (!ids.has(end)) return `edge ${edge.from} -> ${edge.to} names unknown node "${end}"`;
  }
  for (const id of definition.entry ?? []) if (!ids.has(id)) return `entry "${id}" is not a node`;
  if (entriesOf(definition).length === 0) return 'no entry node (every node has an incoming edge)';
  const cycle = cycleIn(definition);
  if (cycle) return `edges form a cycle (${cycle.join(' -> ')}); graphs here are acyclic: loop inside an agent, or use a swarm`;
  return undefined;
}

export function entriesOf(definition: GraphDefinition): string[] {
  if (definition.entry && definition.entry.length > 0) return [...definition.entry];
  const targets = new Set(definition.edges.map((edge) => edge.to));
  return definition.nodes.map((node) => node.id).filter((id) => !targets.has(id));
}

function cycleIn(definition: GraphDefinition): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    for (const edge of definition.edges.filter((candidate) => candidate.from === id)) {
      const found = walk(edge.to, [...path, id]);
      if (found) return found;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const node of definition.nodes) {
    const found = walk(node.id, []);
    if (found) return found;
  }
  return undefined;
}
