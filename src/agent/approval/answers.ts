/**
 * What a person may answer to an approval: `y` / `n` / `t` (as in the seed), or an object that
 * says more: `{ "decision": "deny", "reason": "..." }`, `{ "decision": "edit", "input": {...} }`.
 */
import type { JsonValue } from '../types.js';
import type { ApprovalPolicy } from './policy.js';

export type ApprovalAnswer =
  | { decision: 'approve' }
  | { decision: 'deny'; reason?: string }
  | { decision: 'trust' }
  | { decision: 'edit'; input: JsonValue }
  /** Only the deadline gives this: hand the question to the escalation group. */
  | { decision: 'escalate' };

const WORDS: Record<string, ApprovalAnswer['decision']> = {
  y: 'approve',
  yes: 'approve',
  approve: 'approve',
  n: 'deny',
  no: 'deny',
  deny: 'deny',
  t: 'trust',
  trust: 'trust',
};

/** The answer's meaning, or undefined when it means nothing (the update then refuses it). */
export function parseApprovalAnswer(policy: ApprovalPolicy, answer: JsonValue): ApprovalAnswer | undefined {
  if (policy.isTrust || policy.isApproval) {
    if (policy.isTrust?.(answer)) return { decision: 'trust' };
    if (policy.isApproval?.(answer)) return { decision: 'approve' };
    return { decision: 'deny' };
  }
  if (answer === true) return { decision: 'approve' };
  if (answer === false) return { decision: 'deny' };
  if (typeof answer === 'string') {
    const decision = WORDS[answer.trim().toLowerCase()];
    return decision === 'approve' || decision === 'trust' || decision === 'deny' ? { decision } : undefined;
  }
  if (answer && typeof answer === 'object' && !Array.isArray(answer)) {
    const { decision, reason, input } = answer as { decision?: unknown; reason?: unknown; input?: JsonValue };
    if (decision === 'approve' || decision === 'trust' || decision === 'escalate') return { decision };
    if (decision === 'deny') return typeof reason === 'string' ? { decision, reason } : { decision };
    if (decision === 'edit' && input !== undefined) return { decision, input };
  }
  return undefined;
}

export const ANSWER_HELP = 'y (approve), n (deny), t (trust for this session), {"decision":"deny","reason":"..."} or {"decision":"edit","input":{...}}';
export const ANSWER_HELP_NO_TRUST = 'y (approve), n (deny), {"decision":"deny","reason":"..."} or {"decision":"edit","input":{...}}';
