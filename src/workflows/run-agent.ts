/**
 * Runs an agent from any workflow, as a child run, and returns its result (with `output` — a JSON
 * Schema of an object — the result's `output` is the child's typed result, docs/writing-agents.md): graph- and swarm-like
 * flows are then plain Temporal code. The child is an ordinary agent run: its questions wait in
 * its own status and in the inbox (when `indexed`), `approve <child run>` answers them, and
 * cancelling the calling workflow cancels it.
 *
 *   const plan = await runAgent({ agent: 'planner', prompt });
 *   const done = await runAgent({ agent: 'file-approval', prompt: plan.text });
 */
import { executeChild, uuid4, workflowInfo } from '@temporalio/workflow';
import { AGENT_RUN_WORKFLOW, type AgentRunInput, type AgentRunResult } from './messages.js';

export type RunAgentOptions = Pick<AgentRunInput, 'agent' | 'prompt' | 'model' | 'workspace' | 'state' | 'maxModelCalls' | 'timeouts' | 'sessionId' | 'indexed' | 'output'> & {
  /** Default: `<this workflow's id>--<agent>-<8 hex digits>` (from the workflow's deterministic uuid4). */
  workflowId?: string;
};

export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const { workflowId, ...input } = options;
  return executeChild(AGENT_RUN_WORKFLOW, {
    workflowId: workflowId ?? `${workflowInfo().workflowId}--${options.agent}-${uuid4().slice(0, 8)}`,
    args: [input],
    staticSummary: `${options.agent}, run by ${workflowInfo().workflowType}`,
    memo: { agent: options.agent },
  });
}
