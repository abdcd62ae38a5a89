/**
 * Your own orchestration, as plain Temporal code: a `planner` agent writes a plan, then the
 * `file-approval` agent carries it out, asking a person before it deletes anything. Each agent
 * is a child run (`runAgent`): its questions wait in its own run and in the inbox, and
 * `approve <run>` answers them, exactly as for runs started from the CLI.
 *
 *   hitl start ... is for agents; start this workflow with any Temporal client:
 *   client.workflow.start('planAndExecute', { taskQueue: 'hitl-agents', workflowId, args: [{ prompt, workspace }] })
 */
import { workflowInfo } from '@temporalio/workflow';
import type { ModelChoice } from '../agent/types.js';
import type { AgentRunResult } from './messages.js';
import { runAgent } from './run-agent.js';
import type { Indexing } from './search-attributes.js';

export interface PlanAndExecuteInput {
  prompt: string;
  workspace?: string;
  model?: ModelChoice;
  /** Which agent search attributes the namespace has (the children then show in the inbox; see search-attributes.ts). */
  indexed?: Indexing;
}

export async function planAndExecute(input: PlanAndExecuteInput): Promise<{ plan: string; result: AgentRunResult }> {
  const shared = { ...(input.model ? { model: input.model } : {}), ...(input.indexed !== undefined ? { indexed: input.indexed } : {}) };
  const { workflowId } = workflowInfo();
  const plan = await runAgent({ agent: 'planner', prompt: input.prompt, workflowId: `${workflowId}--plan`, ...shared });
  const result = await runAgent({
    agent: 'file-approval',
    workflowId: `${workflowId}--execute`,
    prompt: `Carry out this plan: ${plan.text}`,
    ...shared,
    ...(input.workspace !== undefined ? { workspace: input.workspace } : {}),
  });
  return { plan: plan.text, result };
}
