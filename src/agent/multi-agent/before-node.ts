/**
 * The `beforeNode` hook's event (Strands' BeforeNodeCallEvent): it runs in the workflow before a
 * graph node or a swarm agent starts. `interrupt` asks a person and resolves with the answer; the
 * hook resumes at its `await` (after a continue-as-new while it waits, the hook runs again and the
 * question, carried, keeps its id and age). `cancel` stops the node: the graph or swarm fails with
 * the reason, as in Strands. Workflow-safe.
 */
import type { AnsweredInterrupt, InterruptRequest } from '../interrupts.js';
import type { JsonObject, JsonValue } from '../types.js';
import type { NodeResult } from './graph-definition.js';

/** How the workflow asks: the question's id is already decided. */
export type AskNodeQuestion = (id: string, request: InterruptRequest) => Promise<AnsweredInterrupt>;

export class BeforeNodeEvent {
  /** Set to `true` or a reason: the node does not run and the graph (or swarm) fails with the reason. */
  cancel: boolean | string = false;
  private readonly names = new Set<string>();

  constructor(
    /** The graph node's id, or the swarm agent's name. */
    readonly nodeId: string,
    /** The agent that will run the node (absent for a function node). */
    readonly agent: string | undefined,
    /** The graph's (or swarm's) task. */
    readonly task: string,
    /** The results so far, by node (a swarm: by agent, the latest visit). */
    readonly results: Readonly<Record<string, NodeResult>>,
    /** The shared agent state. */
    readonly state: JsonObject,
    /** Where this node's questions are scoped: the node id (a swarm: the visit, so a second visit asks again). */
    private readonly scope: string,
    private readonly ask: AskNodeQuestion,
  ) {}

  /** Asks a person; resolves with the answer (a preset `response` resolves at once). Id: `hook:beforeNode:<scope>:<name>`. */
  async interrupt(request: InterruptRequest): Promise<JsonValue> {
    if (this.names.has(request.name)) throw new Error(`interrupt name "${request.name}" is used twice in hook beforeNode of node ${this.nodeId}`);
    this.names.add(request.name);
    return (await this.ask(`hook:beforeNode:${this.scope}:${request.name}`, request)).response;
  }
}
