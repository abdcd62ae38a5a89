/**
 * What a run shows while it lives: current details in words for the Web UI ("waiting for
 * approval: delete_files ..."), and search attributes for the inbox, when the namespace has them.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { escapeMarkdown } from '../agent/escape.js';
import { questionOf, type Interrupt } from '../agent/interrupts.js';
import type { JsonValue } from '../agent/types.js';
import type { RunPhase } from './messages.js';
import {
  AgentApprovers,
  AgentDeadline,
  AgentName,
  AgentQuestion,
  AgentStatus,
  AgentTool,
  AgentWaitingSince,
  ANY_APPROVER,
  PendingInterrupts,
  QUESTION_SUMMARY_MAX,
  SessionId,
  type Indexing,
} from './search-attributes.js';

export interface RunIdentity {
  agent: string;
  sessionId?: string;
  /** Which agent search attributes the namespace has (upserting unknown ones would fail the workflow task). */
  indexed: Indexing;
  /**
   * The run keeps the inbox's attributes (approvers, deadline, waiting since, question): the
   * namespace has them and the run took the `inboxAttributes` patch (runs from before do not).
   */
  inbox?: boolean;
  /** Payloads are encrypted: the question's text and tool stay out of visibility, which is stored in clear. */
  sealed?: boolean;
}

/** More approvers than this, or a name longer than a keyword holds, and the run lists as anyone's (the run still checks who answers). */
const MAX_APPROVERS = 32;
const MAX_KEYWORD = 255;

export function publishStart(identity: RunIdentity): void {
  if (!identity.indexed) return;
  upsertSearchAttributes([
    { key: AgentName, value: identity.agent },
    { key: AgentStatus, value: 'running' },
    { key: PendingInterrupts, value: 0 },
    ...(identity.sessionId !== undefined ? [{ key: SessionId, value: identity.sessionId }] : []),
  ]);
}

export function publishState(identity: RunIdentity, phase: RunPhase, pending: readonly Interrupt[]): void {
  setCurrentDetails(describe(phase, pending));
  if (!identity.indexed) return;
  // One upsert (one command, one history event) for the base and the inbox's attributes.
  upsertSearchAttributes([
    { key: AgentStatus, value: phase },
    { key: PendingInterrupts, value: pending.length },
    ...(identity.inbox ? inboxAttributes(pending, identity.sealed === true) : []),
  ]);
}

/**
 * The inbox's attributes of a run's own questions (a sub-agent's, mirrored here, are listed in
 * the sub-agent's run); all removed when it has none.
 */
export function inboxAttributes(pending: readonly Interrupt[], sealed = false): SearchAttributeUpdatePair[] {
  const own = pending.filter((interrupt) => interrupt.runId === undefined);
  const oldest = own.reduce<Interrupt | undefined>((first, interrupt) => (first === undefined || interrupt.raisedAt < first.raisedAt ? interrupt : first), undefined);
  if (oldest === undefined) {
    return [AgentApprovers, AgentDeadline, AgentWaitingSince, AgentTool, AgentQuestion].map((key) => ({ key, value: null }) as SearchAttributeUpdatePair);
  }
  const deadlines = own.flatMap((interrupt) => (interrupt.deadline !== undefined ? [interrupt.deadline] : [])).sort();
  const question = questionOf(oldest.reason) ?? JSON.stringify(oldest.reason ?? null);
  return [
    { key: AgentApprovers, value: approversOf(own) },
    { key: AgentDeadline, value: deadlines.length > 0 ? new Date(deadlines[0]!) : null },
    { key: AgentWaitingSince, value: new Date(oldest.raisedAt) },
    ...(sealed
      ? []
      : [
          { key: AgentTool, value: oldest.toolName !== undefined ? clip(oldest.toolName, MAX_KEYWORD) : null },
          { key: AgentQuestion, value: clip(question, QUESTION_SUMMARY_MAX) },
        ]),
  ] as SearchAttributeUpdatePair[];
}

function approversOf(own: readonly Interrupt[]): string[] {
  const names = new Set<string>();
  for (const interrupt of own) for (const name of interrupt.allowedResponders ?? [ANY_APPROVER]) names.add(name);
  if (names.size > MAX_APPROVERS || [...names].some((name) => name.length > MAX_KEYWORD)) return [ANY_APPROVER];
  return [...names].sort();
}

/**
 * Markdown for the Web UI's "current details". Every value that a model, a tool or a hook wrote
 * is escaped for markdown and HTML (see escape.ts): it renders as its text, on its own line.
 */
export function describe(phase: RunPhase, pending: readonly Interrupt[]): string {
  if (pending.length === 0) return phase === 'running' ? 'running: working on the prompt' : phase;
  const lines = pending.map((interrupt) => {
    const edited = interrupt.proposedInput !== undefined ? ` (edited by an approver; the model proposed ${inline(interrupt.proposedInput)})` : '';
    const batch = interrupt.calls?.map((call) => `${escapeMarkdown(call.tool)} ${inline(call.input)}`).join(', ');
    const what = interrupt.toolName ? `${escapeMarkdown(interrupt.toolName)} ${inline(interrupt.toolInput)}${edited}` : `the batch of tool calls${batch ? ` (${batch})` : ''}`;
    const question = questionOf(interrupt.reason);
    const who = interrupt.allowedResponders ? `; may answer: ${interrupt.allowedResponders.map((name) => escapeMarkdown(name)).join(', ')}` : '';
    const deadline = interrupt.deadline ? `; deadline ${escapeMarkdown(interrupt.deadline)}` : '';
    const asked = `asked ${escapeMarkdown(interrupt.raisedAt)}${deadline}${who}; id ${escapeMarkdown(interrupt.id)}`;
    // A sub-agent's question names the sub-agent that asks it.
    const asker = interrupt.runId !== undefined ? `sub-agent ${escapeMarkdown(interrupt.path?.at(-1)?.agent ?? '?')}` : escapeMarkdown(interrupt.name);
    return `- waiting for ${asker}: ${what}${question ? ` — “${escapeMarkdown(clip(question, 500))}”` : ''} (${asked})`;
  });
  return [`**waiting for ${pending.length === 1 ? 'a human' : `${pending.length} answers`}**`, '', ...lines].join('\n');
}

/** Tool input in one short escaped line: `{"paths":["a.txt","b.txt"]}` reads as ['a.txt', 'b.txt']. */
function inline(input: JsonValue | undefined): string {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const values = Object.values(input);
    if (values.length === 1 && Array.isArray(values[0])) {
      const items = values[0].map((item) => (typeof item === 'string' ? `'${item}'` : JSON.stringify(item)));
      return escapeMarkdown(clip(`[${items.join(', ')}]`, 200));
    }
  }
  return escapeMarkdown(clip(JSON.stringify(input ?? null), 200));
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
