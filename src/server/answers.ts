/** What the inbox's buttons mean as answers (the approval policy's forms; see src/agent/approval/answers.ts). */
import type { InterruptResponse } from '../agent/interrupts.js';
import type { JsonValue } from '../agent/types.js';

export type InboxAction = 'approve' | 'deny' | 'trust' | 'edit';
export const INBOX_ACTIONS: readonly InboxAction[] = ['approve', 'deny', 'trust', 'edit'];

export interface ActionRequest {
  interruptId: string;
  action: InboxAction;
  reason?: string;
  /** edit only: the tool's new input. */
  input?: JsonValue;
}

/** The request as an answer, or why it is not one. */
export function answerFor(request: unknown): InterruptResponse | string {
  const { interruptId, action, reason, input } = (request ?? {}) as Partial<ActionRequest>;
  if (typeof interruptId !== 'string' || interruptId === '') return 'say which question (interruptId)';
  if (!INBOX_ACTIONS.includes(action as InboxAction)) return `action must be one of ${INBOX_ACTIONS.join(', ')}`;
  if (reason !== undefined && typeof reason !== 'string') return 'reason must be text';
  const why = reason?.trim() ? { reason: reason.trim() } : {};
  switch (action) {
    case 'approve':
      return { interruptId, response: 'y', ...why };
    case 'trust':
      return { interruptId, response: 't', ...why };
    case 'deny':
      // The model reads the reason (approval policy); hooks that test for "y" see a refusal either way.
      return { interruptId, response: why.reason ? { decision: 'deny', reason: why.reason } : 'n', ...why };
    default:
      if (input === undefined) return 'edit needs the new input (JSON)';
      return { interruptId, response: { decision: 'edit', input }, ...why };
  }
}
