/**
 * Starting graphs and swarms from a client (AgentClient.startGraph / startSwarm use it). Once
 * started, a graph or swarm is read and answered like a run: AgentClient's `status`, `wait`,
 * `respond`, `answer`, `result` and `cancel` take its id; its status carries `multiAgent` (the
 * nodes, `interruptedNodes`, Strands' `interrupted`), read typed with `multiAgentView`.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { nameProblem } from '../agent/names.js';
import { promptProblem } from '../agent/payload-budget.js';
import { waitUpdate, type RunStatus } from '../workflows/messages.js';
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
  await refusalOf(client, workflowId, setup.error);
  return { workflowId };
}

/** How long `start` waits for a worker's first look at the graph (an unknown name is refused there). */
const FIRST_TASK_DEADLINE_MS = 10_000;

/**
 * A worker refuses an unknown graph or swarm, or one that names agents it does not have, in its
 * first task: asked for its status at once (a `wait` of 1 ms), a refused one has failed, and its
 * reason is this start's error. Without a worker in time it stays queued, as a run does.
 */
async function refusalOf(client: Client, workflowId: string, error: ErrorClass): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const answered = await client
    .withDeadline(Date.now() + FIRST_TASK_DEADLINE_MS, () => handle.executeUpdate<RunStatus, [{ timeoutMs: number }]>(waitUpdate.name, { args: [{ timeoutMs: 1 }] }))
    .then(() => true, () => false);
  if (answered) return;
  const { status } = await handle.describe();
  if (status.name !== 'FAILED') return;
  const refusal = await handle.result().then(
    () => undefined,
    (failed: unknown) => (failed instanceof WorkflowFailedError ? (failed.cause as { type?: string; message?: string } | undefined) : undefined),
  );
  // A graph that failed at once for its own reasons (a function node that throws) is not refused: its status says why.
  if (refusal?.type === 'GraphRefused' || refusal?.type === 'SwarmRefused') throw new error(`${workflowId} was refused: ${refusal.message}`);
}

/** The graph or swarm part of a status; an error when the status is an agent run's. */
export function multiAgentView(status: RunStatus, workflowId: string, error: ErrorClass): MultiAgentView {
  const view = (status as RunStatus & { multiAgent?: MultiAgentView }).multiAgent;
  if (!view) throw new error(`${workflowId} is an agent run, not a graph or swarm`);
  return view;
}
