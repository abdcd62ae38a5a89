/**
 * Starting graphs and swarms from a client (AgentClient.startGraph / startSwarm use it). Once
 * started, a graph or swarm is read and answered like a run: AgentClient's `status`, `wait`,
 * `respond`, `answer`, `result` and `cancel` take its id; its status carries `multiAgent` (the
 * nodes, `interruptedNodes`, Strands' `interrupted`), read typed with `multiAgentView`.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { nameProblem } from '../agent/names.js';
import { promptProblem } from '../agent/payload-budget.js';
import type { RunStatus } from '../workflows/messages.js';
import type { MultiAgentInput, MultiAgentView } from '../workflows/multi-agent-messages.js';
import { GRAPH_WORKFLOW } from '../workflows/multi-agent-messages.js';

export type MultiAgentStartOptions = Omit<MultiAgentInput, 'indexed'> & { workflowId?: string };

/** A user mistake or a refused request (AgentClient's error class, passed in to keep one). */
type ErrorClass = new (message: string) => Error;

export async function startMultiAgent(
  client: Client,
  workflowType: string,
  options: MultiAgentStartOptions,
  setup: { taskQueue: string; indexed: MultiAgentInput['indexed']; error: ErrorClass },
): Promise<{ workflowId: string }> {
  const kind = workflowType === GRAPH_WORKFLOW ? 'graph' : 'swarm';
  const problem = nameProblem(`${kind} name`, options.name) ?? promptProblem(options.prompt);
  if (problem) throw new setup.error(problem);
  const { workflowId: chosen, ...input } = options;
  const workflowId = chosen ?? `${options.name}-${crypto.randomUUID()}`;
  try {
    await client.workflow.start(workflowType, {
      taskQueue: setup.taskQueue,
      workflowId,
      args: [{ ...input, indexed: setup.indexed }],
      staticSummary: `${kind} ${options.name}`,
      memo: { agent: options.name, ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}) },
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new setup.error(`a run with id "${workflowId}" exists already`);
    throw error;
  }
  return { workflowId };
}

/** The graph or swarm part of a status; an error when the status is an agent run's. */
export function multiAgentView(status: RunStatus, workflowId: string, error: ErrorClass): MultiAgentView {
  const view = (status as RunStatus & { multiAgent?: MultiAgentView }).multiAgent;
  if (!view) throw new error(`${workflowId} is an agent run, not a graph or swarm`);
  return view;
}
