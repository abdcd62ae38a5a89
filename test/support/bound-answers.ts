/**
 * Raw answers as a client that shows the question sends them: bound to the question as the run
 * shows it now (see src/agent/binding.ts), and signed by a test approver when asked.
 */
import type { AnswerBinding } from '../../src/agent/binding.js';
import type { InterruptResponse } from '../../src/agent/interrupts.js';
import type { AgentClient } from '../../src/sdk/agent-client.js';
import { signedBy, type Person } from './approvers.js';

export async function bindingOf(agents: AgentClient, workflowId: string, interruptId: string): Promise<AnswerBinding> {
  const question = (await agents.status(workflowId)).pending.find((pending) => pending.id === interruptId);
  if (!question?.binding) throw new Error(`run ${workflowId} does not show question ${interruptId} (with a binding)`);
  return question.binding;
}

export async function bound(agents: AgentClient, workflowId: string, answer: InterruptResponse): Promise<InterruptResponse> {
  return { ...answer, binding: await bindingOf(agents, workflowId, answer.interruptId) };
}

export async function signedFor(
  person: Person,
  agents: AgentClient,
  workflowId: string,
  answer: Omit<InterruptResponse, 'respondedBy' | 'proof' | 'binding'>,
  now = new Date(),
): Promise<InterruptResponse> {
  return signedBy(person, workflowId, await bound(agents, workflowId, answer), now);
}
