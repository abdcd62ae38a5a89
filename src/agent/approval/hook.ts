/**
 * The approval policy as a before-tool-call hook: decides per call, asks the people the policy
 * names (as many as its quorum), applies their answer (approve, deny with a reason the model
 * reads, trust for the session, or edit-and-approve), and logs every decision.
 */
import type { BeforeToolCallEvent, HookRegistry } from '../hooks.js';
import { DEADLINE_RESPONDER, type InterruptResponse } from '../interrupts.js';
import type { JsonValue } from '../types.js';
import { ANSWER_HELP, parseApprovalAnswer, type ApprovalAnswer } from './answers.js';
import { classifyRisk } from './classify.js';
import { decide, expandApprovers, timeoutOf, trustKey, type ApprovalPolicy, type PolicyVerdict } from './policy.js';

type AskVerdict = Extract<PolicyVerdict, { action: 'ask' }>;

/** The text the model reads when people refuse a call. */
export function denialMessage(tool: string, reason: string | undefined, by: string | undefined): string {
  const who = by ? ` (${by})` : '';
  return `The user${who} denied this ${tool} call${reason ? `: ${reason}` : ''}. Do not request the same call again.`;
}

/** Registers the policy's hook: `defineAgent({ ..., hooks: approvalPolicy({ ask: ['delete_*'] }) })`. */
export function approvalPolicy(policy: ApprovalPolicy): (hooks: HookRegistry) => void {
  checkPolicy(policy);
  return (hooks) => {
    hooks.on('beforeToolCall', (event) => applyPolicy(policy, event));
  };
}

async function applyPolicy(policy: ApprovalPolicy, event: BeforeToolCallEvent): Promise<void> {
  const { name, input } = event.proposed;
  const verdict = decide(policy, name, input, event.state);
  if (verdict.action === 'allow') {
    event.note('allowed', { because: verdict.because });
    return;
  }
  let risk: JsonValue = null;
  if (verdict.classify) {
    const assessment = await classifyRisk(event, verdict.classify.instructions);
    event.note('classified', assessment);
    if (assessment.risky === false) return;
    risk = assessment;
  }
  const approvedBy: string[] = [];
  for (let round = 1; round <= verdict.quorum; round++) {
    const answer = await askRound(policy, event, verdict, round, approvedBy, risk);
    if (!answer) return;
    approvedBy.push(answer);
  }
  event.note('approved', { by: approvedBy, because: verdict.because });
}

/** One approval round; returns who approved, or undefined when the call was settled otherwise. */
async function askRound(
  policy: ApprovalPolicy,
  event: BeforeToolCallEvent,
  verdict: AskVerdict,
  round: number,
  approvedBy: string[],
  risk: JsonValue,
): Promise<string | undefined> {
  const { name, input } = event.proposed;
  const question = (approvers: string[] | undefined, escalated = false) => ({
    message: `Approve ${name}? (${verdict.trustable ? 't/' : ''}y/N)`,
    tool: name,
    input,
    rule: verdict.because,
    ...(verdict.quorum > 1 ? { approval: `${round} of ${verdict.quorum}`, approvedBy } : {}),
    ...(approvers ? { approvers } : {}),
    ...(risk !== null ? { risk } : {}),
    ...(escalated ? { escalated } : {}),
  });
  const validate = (response: InterruptResponse): string | undefined => problemWith(policy, event, verdict, approvedBy, response);
  const interruptName = round === 1 ? 'approval' : `approval-${round}`;
  let answered = await event.ask({
    name: interruptName,
    reason: question(verdict.approvers),
    validate,
    ...(verdict.approvers ? { allowedResponders: verdict.approvers } : {}),
    ...(verdict.deadline ? { timeout: timeoutOf(verdict.deadline) } : {}),
  });
  let answer = parseApprovalAnswer(policy, answered.response) ?? { decision: 'deny' as const };
  if (answer.decision === 'escalate' && verdict.deadline?.then === 'escalate') {
    const group = expandApprovers(policy, verdict.deadline.escalateTo);
    event.note('escalated', { to: group, after: verdict.deadline.after });
    answered = await event.ask({
      name: `${interruptName}-escalated`,
      reason: question(group, true),
      validate,
      allowedResponders: group,
      timeout: timeoutOf({ after: verdict.deadline.after, then: 'deny' }),
    });
    answer = parseApprovalAnswer(policy, answered.response) ?? { decision: 'deny' };
  }
  return settle(event, answer, answered.respondedBy, answered.reason);
}

function settle(event: BeforeToolCallEvent, answer: ApprovalAnswer, by: string | undefined, reason: string | undefined): string | undefined {
  const { name, input } = event.proposed;
  switch (answer.decision) {
    case 'approve':
      return by ?? 'anonymous';
    case 'trust':
      event.state.set(trustKey(name), true);
      event.note('trusted', { by: by ?? null, key: trustKey(name) });
      return undefined;
    case 'edit':
      event.replaceInput(answer.input);
      event.note('edited', { by: by ?? null, proposed: input, effective: event.toolUse.input });
      return undefined;
    default: {
      const why = (answer.decision === 'deny' ? answer.reason : undefined) ?? (by === DEADLINE_RESPONDER ? 'nobody answered in time' : reason);
      event.cancel = denialMessage(name, why, by);
      event.note('denied', { by: by ?? null, reason: why ?? null });
      return undefined;
    }
  }
}

/** Mistakes in a policy fail when the agent is defined, not when a call needs approval. */
function checkPolicy(policy: ApprovalPolicy): void {
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if ((rule.quorum ?? 1) < 1 || !Number.isInteger(rule.quorum ?? 1)) throw new Error(`approval rule ${index + 1}: quorum must be a whole number of at least 1`);
    // A deadline answers as "deadline", not as distinct people: it cannot make up a quorum.
    if ((rule.quorum ?? 1) > 1 && (rule.deadline ?? policy.deadline)?.then === 'approve') {
      throw new Error(`approval rule ${index + 1}: a deadline cannot approve a call that needs ${rule.quorum} approvers`);
    }
    expandApprovers(policy, [...(rule.approvers ?? []), ...(rule.deadline?.then === 'escalate' ? rule.deadline.escalateTo : [])]);
  }
  if (policy.deadline?.then === 'escalate') expandApprovers(policy, policy.deadline.escalateTo);
}

/** What the update refuses (the signal path records and ignores it). */
function problemWith(
  policy: ApprovalPolicy,
  event: BeforeToolCallEvent,
  verdict: AskVerdict,
  approvedBy: readonly string[],
  response: InterruptResponse,
): string | undefined {
  const answer = parseApprovalAnswer(policy, response.response);
  if (!answer || answer.decision === 'escalate') return `unrecognised answer ${JSON.stringify(response.response)}: ${ANSWER_HELP}`;
  const tool = event.proposed.name;
  if (answer.decision === 'trust' && !verdict.trustable) {
    return `${tool} cannot be trusted under this policy (${verdict.because}); answer y or n`;
  }
  if (answer.decision === 'edit') {
    if (verdict.quorum > 1) return `${tool} needs ${verdict.quorum} approvals of the same input; edits are not allowed`;
    const problem = event.inputProblem(answer.input);
    if (problem) return `the edited input does not fit ${tool}'s schema: ${problem}`;
  }
  if (verdict.quorum > 1 && answer.decision === 'approve') {
    if (!response.respondedBy) return `${tool} needs ${verdict.quorum} distinct approvers: say who you are (respondedBy)`;
    if (approvedBy.includes(response.respondedBy)) {
      return `${response.respondedBy} has already approved this ${tool} call; it needs another approver`;
    }
  }
  return undefined;
}
