/**
 * The approval policy as a before-tool-call hook: decides per call, asks the people the policy
 * names (as many as its quorum), applies their answer (approve, deny with a reason the model
 * reads, trust for the session, or edit-and-approve), and logs every decision.
 *
 * A tool's own `needsApproval` (the AI SDK's convention) is an implicit rule of the policy, after
 * its explicit rules. The first approval policy to see a call judges it, this rule included; an
 * agent with such tools and no policy gets one with no rules of its own (`toolApprovals`, added by
 * `defineAgent` after the agent's hooks), so the same code asks, binds and logs either way.
 */
import type { NeedsApproval } from '../definition.js';
import type { BeforeToolCallEvent, HookRegistry } from '../hooks.js';
import { DEADLINE_RESPONDER, type InterruptResponse } from '../interrupts.js';
import { PATCHES } from '../patches.js';
import type { JsonValue } from '../types.js';
import { ANSWER_HELP, ANSWER_HELP_NO_TRUST, parseApprovalAnswer, type ApprovalAnswer } from './answers.js';
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

/** The policy `toolApprovals` applies: no rules but the tools' own `needsApproval`. */
const NO_RULES: ApprovalPolicy = {};

/**
 * Registers the hook that asks for the calls whose tool's `needsApproval` says so, unless an
 * approval policy judged the call already. `defineAgent` adds it after the agent's own hooks.
 */
export function toolApprovals(hooks: HookRegistry): void {
  hooks.on('beforeToolCall', (event) => (claimsToolRule(event) ? applyPolicy(NO_RULES, event, { implicit: true }) : undefined));
}

/** Marks a call whose tool's `needsApproval` a policy has taken up: one policy judges it, once. */
const TOOL_RULE_CLAIMED = Symbol('needsApproval judged');

/** True for the first approval policy to see this call (only it applies the tool's `needsApproval`). */
function claimsToolRule(event: BeforeToolCallEvent): boolean {
  const marked = event as unknown as { [TOOL_RULE_CLAIMED]?: true };
  if (marked[TOOL_RULE_CLAIMED]) return false;
  marked[TOOL_RULE_CLAIMED] = true;
  return true;
}

/**
 * Whether the tool's `needsApproval` asks for this input: a boolean at once, or a promise when the
 * tool's function returned one (only then is anything awaited: calls of other tools take the same
 * steps as before this rule existed).
 */
function toolAsks(event: BeforeToolCallEvent, input: JsonValue, owns: boolean): boolean | Promise<boolean> {
  const rule = owns && 'needsApproval' in event.tool ? (event.tool.needsApproval as NeedsApproval | undefined) : undefined;
  if (rule === undefined || typeof rule === 'boolean') return rule === true;
  const asked = rule(input, { toolCallId: event.proposed.toolUseId });
  return isPromiseLike(asked) ? Promise.resolve(asked).then((value) => value === true) : asked === true;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

async function applyPolicy(policy: ApprovalPolicy, event: BeforeToolCallEvent, options: { implicit?: boolean } = {}): Promise<void> {
  const { name, input } = event.proposed;
  // The first policy to see the call applies the tool's own needsApproval (the implicit hook claimed it already).
  const owns = options.implicit === true || claimsToolRule(event);
  const asking = toolAsks(event, input, owns);
  const toolRule = typeof asking === 'boolean' ? asking : await asking;
  // Only the tools' needsApproval: a call it does not ask for is none of this hook's business.
  if (options.implicit && !toolRule) return;
  let verdict = decide(policy, name, input, event.state, toolRule);
  event.judge();
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
  const asks = { count: 0 };
  let approvedBy: string[] = [];
  while (approvedBy.length < verdict.quorum) {
    const outcome = await askRound(policy, event, verdict, asks, approvedBy, risk);
    if (outcome.type === 'settled') return;
    if (outcome.type === 'approved') {
      approvedBy.push(outcome.by);
      continue;
    }
    // An edit proposes another call: the policy judges the edited input afresh. The editor's
    // answer approves the edited call if they may approve it; whatever more it needs is asked for.
    if (!event.patched(PATCHES.editRecheck)) return;
    const editedAsks = toolAsks(event, event.toolUse.input, owns);
    const next = decide(policy, name, event.toolUse.input, event.state, typeof editedAsks === 'boolean' ? editedAsks : await editedAsks);
    event.judge();
    event.note('rechecked', { because: next.because, action: next.action, ...(next.action === 'ask' ? { quorum: next.quorum } : {}) });
    if (next.action === 'allow') return;
    verdict = next;
    approvedBy = outcome.by !== undefined && (!next.approvers || next.approvers.includes(outcome.by)) ? [outcome.by] : [];
  }
  event.note('approved', { by: approvedBy, because: verdict.because });
}

type RoundOutcome = { type: 'approved'; by: string } | { type: 'edited'; by: string | undefined } | { type: 'settled' };

/** One approval question (and its escalation); interrupt names count up across the event's questions. */
async function askRound(
  policy: ApprovalPolicy,
  event: BeforeToolCallEvent,
  verdict: AskVerdict,
  asks: { count: number },
  approvedBy: string[],
  risk: JsonValue,
): Promise<RoundOutcome> {
  const { name } = event.proposed;
  const input = event.toolUse.input;
  const round = approvedBy.length + 1;
  const edited = event.toolUse !== event.proposed;
  const question = (approvers: string[] | undefined, escalated = false) => ({
    message: `Approve ${name}${edited ? ' (as edited)' : ''}? (${verdict.trustable ? 't/' : ''}y/N)`,
    tool: name,
    input,
    ...(edited ? { proposedInput: event.proposed.input } : {}),
    rule: verdict.because,
    ...(verdict.quorum > 1 ? { approval: `${round} of ${verdict.quorum}`, approvedBy } : {}),
    ...(approvers ? { approvers } : {}),
    ...(risk !== null ? { risk } : {}),
    ...(escalated ? { escalated } : {}),
  });
  const validate = (response: InterruptResponse): string | undefined => problemWith(policy, event, verdict, approvedBy, response);
  asks.count += 1;
  const interruptName = asks.count === 1 ? 'approval' : `approval-${asks.count}`;
  // Distinct people for a quorum must prove who they are, even when anyone may answer.
  const proof = verdict.quorum > 1 ? { requireProof: true } : {};
  const notify = verdict.notify ? { notify: verdict.notify } : {};
  // The forms it takes, for people and programs (the validator checks them).
  const accepts = { accepts: { description: verdict.trustable ? ANSWER_HELP : ANSWER_HELP_NO_TRUST } };
  let answered = await event.ask({
    name: interruptName,
    reason: question(verdict.approvers),
    validate,
    ...proof,
    ...notify,
    ...accepts,
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
      ...proof,
      ...notify,
      ...accepts,
      allowedResponders: group,
      timeout: timeoutOf({ after: verdict.deadline.after, then: 'deny' }),
    });
    answer = parseApprovalAnswer(policy, answered.response) ?? { decision: 'deny' };
  }
  return settle(event, answer, answered.respondedBy, answered.reason);
}

function settle(event: BeforeToolCallEvent, answer: ApprovalAnswer, by: string | undefined, reason: string | undefined): RoundOutcome {
  const { name } = event.proposed;
  switch (answer.decision) {
    case 'approve':
      return { type: 'approved', by: by ?? 'anonymous' };
    case 'trust':
      event.state.set(trustKey(name), true);
      event.note('trusted', { by: by ?? null, key: trustKey(name) });
      return { type: 'settled' };
    case 'edit': {
      const before = event.toolUse.input;
      event.replaceInput(answer.input);
      event.note('edited', { by: by ?? null, proposed: before, effective: event.toolUse.input });
      return { type: 'edited', by };
    }
    default: {
      const why = (answer.decision === 'deny' ? answer.reason : undefined) ?? (by === DEADLINE_RESPONDER ? 'nobody answered in time' : reason);
      event.cancel = denialMessage(name, why, by);
      event.note('denied', { by: by ?? null, reason: why ?? null });
      return { type: 'settled' };
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
