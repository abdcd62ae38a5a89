/**
 * A declarative approval policy: which tool calls run freely and which wait for people.
 *
 * Precedence, first match wins:
 *   1. `!tool` in `ask`: always asks, and can never be trusted;
 *   2. the first rule whose tool pattern and `when` match the call;
 *   3. the tool's own `needsApproval` (the AI SDK's convention), when it says this call needs
 *      approval: asks, and cannot be trusted (an implicit rule per tool; false falls through);
 *   4. a pattern in `allow`: runs freely;
 *   5. a pattern in `ask` (`*` for every tool): asks;
 *   6. anything else runs freely.
 * A trustable "ask" (2 or 5) runs freely when the session trusts the tool (answer `t`).
 */
import type { AgentState } from '../state.js';
import type { JsonValue } from '../types.js';
import type { InterruptTimeout, NotifySettings } from '../interrupts.js';

export interface ApprovalRule {
  /** Tool name, or a pattern with `*` wildcards. */
  tool: string;
  /** Argument-aware condition: a plain, deterministic function of the (schema-checked) input. */
  when?: (input: JsonValue) => boolean;
  action: 'allow' | 'ask';
  /** Shown to the approver and kept in the decision log. */
  description?: string;
  /** Approvals needed from distinct people before the call runs (default 1); one denial ends it. */
  quorum?: number;
  /** Who may answer: names, and `group:<name>` for a group of `groups`. Anyone when absent. */
  approvers?: string[];
  /** May an approver answer "trust" to stop being asked for this tool in the session (default true). */
  trustable?: boolean;
  /** Ask the run's model first: "not risky" runs the call; "risky", or any failure, asks people. */
  classify?: { instructions?: string };
  /** What happens when nobody answers in time. */
  deadline?: ApprovalDeadline;
  /** Where to tell the approvers and how often to remind them (default: the agent's `notify`). */
  notify?: NotifySettings;
}

export type ApprovalDeadline =
  | { after: number | string; then: 'deny' | 'approve' }
  /** Ask a second group, which has the same time before the call is denied. */
  | { after: number | string; then: 'escalate'; escalateTo: string[] };

export interface ApprovalPolicy {
  /** Tool patterns that run freely (unless `!tool` or a rule says otherwise). */
  allow?: string[];
  /** Tool patterns that ask; `!tool` always asks and cannot be trusted. */
  ask?: string[];
  rules?: ApprovalRule[];
  groups?: Record<string, string[]>;
  /** Custom evaluators; when given, an answer that is neither approval nor trust denies. */
  isApproval?: (answer: JsonValue) => boolean;
  isTrust?: (answer: JsonValue) => boolean;
  /** Deadline of asks that come from `ask` patterns (rules carry their own). */
  deadline?: ApprovalDeadline;
}

export type PolicyVerdict =
  | { action: 'allow'; because: string }
  | {
      action: 'ask';
      because: string;
      trustable: boolean;
      quorum: number;
      approvers?: string[];
      classify?: { instructions?: string };
      deadline?: ApprovalDeadline;
      notify?: NotifySettings;
    };

export const trustKey = (tool: string): string => `trust.${tool}`;

/**
 * Glob match with `*` wildcards, in one greedy left-to-right pass (linear in the name: a tool name
 * comes from the model, and a regex built from the pattern could backtrack on it).
 */
export function matchesTool(pattern: string, tool: string): boolean {
  const pieces = pattern.split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (pieces.length === 1) return pattern === tool;
  if (!tool.startsWith(first) || !tool.endsWith(last) || tool.length < first.length + last.length) return false;
  let at = first.length;
  const end = tool.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = tool.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** `toolAsks`: the tool's own `needsApproval` said this call needs approval (see approval/hook.ts). */
export function decide(policy: ApprovalPolicy, tool: string, input: JsonValue, state: AgentState, toolAsks = false): PolicyVerdict {
  const verdict = decideIgnoringTrust(policy, tool, input, toolAsks);
  if (verdict.action === 'ask' && verdict.trustable && state.get(trustKey(tool)) === true) {
    return { action: 'allow', because: `trusted in this session (${trustKey(tool)}), ${verdict.because}` };
  }
  return verdict;
}

function decideIgnoringTrust(policy: ApprovalPolicy, tool: string, input: JsonValue, toolAsks: boolean): PolicyVerdict {
  const ask = policy.ask ?? [];
  const pinned = ask.find((pattern) => pattern.startsWith('!') && matchesTool(pattern.slice(1), tool));
  if (pinned) return { action: 'ask', because: `"${pinned}" always asks`, trustable: false, quorum: 1, ...deadlineOf(policy.deadline) };

  const ruleIndex = (policy.rules ?? []).findIndex((rule) => matchesTool(rule.tool, tool) && (rule.when?.(input) ?? true));
  const rule = policy.rules?.[ruleIndex];
  if (rule) {
    const because = `rule ${ruleIndex + 1}${rule.description ? ` (${rule.description})` : ` (${rule.tool})`}`;
    if (rule.action === 'allow') return { action: 'allow', because };
    const quorum = rule.quorum ?? 1;
    return {
      action: 'ask',
      because,
      // Trust stands in for one person's yes; it cannot stand in for a quorum.
      trustable: (rule.trustable ?? true) && quorum === 1,
      quorum,
      ...(rule.approvers ? { approvers: expandApprovers(policy, rule.approvers) } : {}),
      ...(rule.classify ? { classify: rule.classify } : {}),
      ...(rule.notify ? { notify: rule.notify } : {}),
      ...deadlineOf(rule.deadline ?? policy.deadline),
    };
  }
  if (toolAsks) return { action: 'ask', because: `${tool} needs approval (needsApproval)`, trustable: false, quorum: 1, ...deadlineOf(policy.deadline) };
  const allowed = (policy.allow ?? []).find((pattern) => matchesTool(pattern, tool));
  if (allowed) return { action: 'allow', because: `"${allowed}" is allowed` };
  const asked = ask.find((pattern) => !pattern.startsWith('!') && matchesTool(pattern, tool));
  if (asked) return { action: 'ask', because: `"${asked}" asks`, trustable: true, quorum: 1, ...deadlineOf(policy.deadline) };
  return { action: 'allow', because: 'not covered by the policy' };
}

export function expandApprovers(policy: ApprovalPolicy, approvers: readonly string[]): string[] {
  const names = approvers.flatMap((entry) => {
    if (!entry.startsWith('group:')) return [entry];
    const group = policy.groups?.[entry.slice('group:'.length)];
    if (!group) throw new Error(`approval policy names unknown group "${entry}"`);
    return group;
  });
  return [...new Set(names)];
}

/** The timeout an approval interrupt gets from a deadline: its default answer once time is up. */
export function timeoutOf(deadline: ApprovalDeadline): InterruptTimeout {
  const response: JsonValue = deadline.then === 'approve' ? 'y' : deadline.then === 'deny' ? 'n' : { decision: 'escalate' };
  return { after: deadline.after, response, reason: `no answer within ${deadline.after}` };
}

function deadlineOf(deadline: ApprovalDeadline | undefined): { deadline?: ApprovalDeadline } {
  return deadline ? { deadline } : {};
}
