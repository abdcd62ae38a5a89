/**
 * Graph and swarm runs: their workflow types, inputs, results and the view of their nodes that
 * their `status` query adds to an agent run's status. Defined once for the workflows and clients.
 */
import type { CarriedInterrupts } from '../agent/interrupt-book.js';
import type { Interrupt } from '../agent/interrupts.js';
import type { NodeResult } from '../agent/multi-agent/graph-definition.js';
import type { NodeStatus } from '../agent/multi-agent/graph-schedule.js';
import type { Handoff } from '../agent/multi-agent/handoff.js';
import type { JsonObject, ModelChoice } from '../agent/types.js';
import type { AgentRunInput, RunStatus } from './messages.js';
import type { SubAgentFinished } from './sub-agent-messages.js';
import type { WaitingChild } from './sub-agents.js';

export const GRAPH_WORKFLOW = 'agentGraph';
export const SWARM_WORKFLOW = 'agentSwarm';
export const MULTI_AGENT_WORKFLOWS: readonly string[] = [GRAPH_WORKFLOW, SWARM_WORKFLOW];

/** What starts a graph or a swarm. */
export interface MultiAgentInput {
  /** The graph's (or swarm's) name, as registered in the worker. */
  name: string;
  prompt: string;
  /** The model of every agent node that names none (default: each agent's own, else the worker's). */
  model?: ModelChoice;
  /** Models by node id (a graph) or agent name (both): scripted runs give each node its own script. */
  models?: Record<string, ModelChoice>;
  workspace?: string;
  sessionId?: string;
  state?: JsonObject;
  indexed?: AgentRunInput['indexed'];
  timeouts?: AgentRunInput['timeouts'];
}

/** What the machinery under both carries across a continue-as-new. */
export interface MultiAgentCarry {
  children: WaitingChild[];
  /** Reports of children that ended as the run handed off, before their node took them. */
  reports?: SubAgentFinished[];
  questions: CarriedInterrupts;
  state: JsonObject;
}

export interface GraphInput extends MultiAgentInput {
  carried?: MultiAgentCarry & { statuses: Record<string, NodeStatus>; results: Record<string, NodeResult>; order: string[] };
}

export interface SwarmVisit {
  agent: string;
  /** The visit's key: its child run is `<swarm id>--<key>`, its questions' scope. */
  key: string;
  runId: string;
  status: 'executing' | 'completed' | 'failed' | 'cancelled';
  text?: string;
  error?: string;
  handoff?: Handoff;
}

export interface SwarmInput extends MultiAgentInput {
  carried?: MultiAgentCarry & { visits: SwarmVisit[]; context: Record<string, JsonObject> };
}

/** Strands' statuses, in lower case. */
export type MultiAgentPhase = 'executing' | 'interrupted' | 'completed' | 'failed' | 'cancelled';

export interface MultiAgentView {
  kind: 'graph' | 'swarm';
  name: string;
  /** `interrupted` while any node's question waits (the run's `status` then says `waiting`). */
  status: MultiAgentPhase;
  /** Each node's state: a graph's nodes by id, a swarm's agents by name (their latest turn). */
  nodes: Record<string, { status: NodeStatus | 'interrupted'; text?: string; error?: string; runId?: string }>;
  /** The nodes whose questions wait, with those questions (as this run's status lists them). */
  interruptedNodes: Array<{ node: string; questions: Interrupt[] }>;
  /** The nodes in the order they started (a swarm: every turn, repeats included). */
  order: string[];
  /** A swarm's handoffs so far. */
  handoffs?: Array<{ from: string; to: string; message: string }>;
  /** A swarm's shared context: what each agent shared when it handed off. */
  context?: Record<string, JsonObject>;
  error?: string;
}

/** A graph's or swarm's status: an agent run's status (so status, wait, respond, inbox work as for runs) with its nodes. */
export interface MultiAgentStatus extends RunStatus {
  multiAgent: MultiAgentView;
}

export interface MultiAgentResult {
  kind: 'graph' | 'swarm';
  name: string;
  status: 'completed';
  /** The final node's text: a graph's last completed node without a completed successor; a swarm's last agent. */
  text: string;
  stopReason: 'completed';
  results: Record<string, NodeResult>;
  order: string[];
  state: JsonObject;
  handoffs?: Array<{ from: string; to: string; message: string }>;
  context?: Record<string, JsonObject>;
}
