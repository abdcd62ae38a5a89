/**
 * Delegation: a coordinator that hands file work to the `file-approval` agent as a sub-agent tool.
 * Each call is a child run of file-approval; its question ("Approve deleting these files?")
 * reaches people through this run and the inbox, once, with the path that led to it.
 */
import { agentTool, defineAgent } from '../agent/definition.js';
import { fileApprovalAgent } from './file-approval.js';

export const fileCoordinatorAgent = defineAgent({
  name: 'file-coordinator',
  description: 'Plans file clean-ups and hands the deleting to the file-approval agent, which asks before it deletes.',
  systemPrompt:
    'You coordinate file clean-ups. You cannot touch files yourself: give the file work to file_worker, ' +
    'with a prompt that names every file, then report what it did.',
  tools: [agentTool(fileApprovalAgent, { name: 'file_worker', description: 'Inspects and deletes files in the workspace; a person approves every delete.' })],
});

/** Writes a plan (no tools); the plan-and-execute workflow hands it to file-approval. */
export const plannerAgent = defineAgent({
  name: 'planner',
  description: 'Writes a short plan for a file clean-up, naming the files; it touches nothing.',
  systemPrompt: 'You plan file clean-ups. Write a short plan that names every file to delete. You have no tools.',
  tools: [],
});
