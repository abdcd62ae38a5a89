/** What the inbox's buttons mean as answers (the approval policy's forms; see src/agent/approval/answers.ts). */
import type { AcceptsInfo } from '../agent/accepted-answers.js';
import type { AnswerBinding } from '../agent/binding.js';
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
  /** The binding of the question as the page showed it: the answer is about exactly that call. */
  binding?: AnswerBinding;
}

/** The word each button gives a question that accepts only words (`accepts.choices`). */
const WORDS: Record<Exclude<InboxAction, 'edit'>, string> = { approve: 'y', deny: 'n', trust: 't' };

/**
 * The request as an answer, or why it is not one. A question that accepts only words gets the
 * button's word (a deny reason then travels in the answer's `reason`); others get the approval
 * policy's forms. The answer carries the binding the page showed (the run checks every part of it).
 */
export function answerFor(request: unknown, accepts?: AcceptsInfo): InterruptResponse | string {
  const { interruptId, action, reason, input, binding } = (request ?? {}) as Partial<ActionRequest>;
  if (typeof interruptId !== 'string' || interruptId === '') return 'say which question (interruptId)';
  if (!INBOX_ACTIONS.includes(action as InboxAction)) return `action must be one of ${INBOX_ACTIONS.join(', ')}`;
  if (reason !== undefined && typeof reason !== 'string') return 'reason must be text';
  if (binding !== undefined && (binding === null || typeof binding !== 'object' || Array.isArray(binding))) return 'binding must be the question\'s binding, as shown';
  const why = { ...(reason?.trim() ? { reason: reason.trim() } : {}), ...(binding !== undefined ? { binding } : {}) };
  if (accepts?.choices) {
    const word = action === 'edit' ? undefined : accepts.choices.find((choice) => choice.toLowerCase() === WORDS[action as Exclude<InboxAction, 'edit'>]);
    if (word === undefined) return `this question accepts ${accepts.description}; ${action} is not one of them`;
    return { interruptId, response: word, ...why };
  }
  switch (action) {
    case 'approve':
      return { interruptId, response: 'y', ...why };
    case 'trust':
      return { interruptId, response: 't', ...why };
    case 'deny':
      // The model reads the reason (approval policy); hooks that test for "y" see a refusal either way.
      return { interruptId, response: why.reason !== undefined ? { decision: 'deny', reason: why.reason } : 'n', ...why };
    default:
      if (input === undefined) return 'edit needs the new input (JSON)';
      return { interruptId, response: { decision: 'edit', input }, ...why };
  }
}
