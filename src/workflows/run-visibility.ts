/**
 * What a run shows while it lives: current details in words for the Web UI ("waiting for
 * approval: delete_files ..."), and search attributes for the inbox, when the namespace has them.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { questionOf, type Interrupt } from '../agent/interrupts.js';
import type { JsonValue } from '../agent/types.js';
import type { RunPhase } from './messages.js';
import { AgentName, AgentStatus, PendingInterrupts, SessionId } from './search-attributes.js';

export interface RunIdentity {
  agent: string;
  sessionId?: string;
  /** Whether the namespace has the agent search attributes (upserting unknown ones would fail the workflow task). */
  indexed: boolean;
}

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
  upsertSearchAttributes([
    { key: AgentStatus, value: phase },
    { key: PendingInterrupts, value: pending.length },
  ]);
}

/** Markdown for the Web UI's "current details". */
export function describe(phase: RunPhase, pending: readonly Interrupt[]): string {
  if (pending.length === 0) return phase === 'running' ? 'running: working on the prompt' : phase;
  const lines = pending.map((interrupt) => {
    const what = interrupt.toolName ? `${interrupt.toolName} ${inline(interrupt.toolInput)}` : 'the batch of tool calls';
    const question = questionOf(interrupt.reason);
    const who = interrupt.allowedResponders ? `; may answer: ${interrupt.allowedResponders.join(', ')}` : '';
    const deadline = interrupt.deadline ? `; deadline ${interrupt.deadline}` : '';
    return `- waiting for ${interrupt.name}: ${what}${question ? ` — "${question}"` : ''} (asked ${interrupt.raisedAt}${deadline}${who}; id \`${interrupt.id}\`)`;
  });
  return [`**waiting for ${pending.length === 1 ? 'a human' : `${pending.length} answers`}**`, '', ...lines].join('\n');
}

/** Tool input in one short line: `{"paths":["a.txt","b.txt"]}` reads as ['a.txt', 'b.txt']. */
function inline(input: JsonValue | undefined): string {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const values = Object.values(input);
    if (values.length === 1 && Array.isArray(values[0])) return `[${values[0].map((item) => JSON.stringify(item).replace(/^"|"$/g, "'")).join(', ')}]`;
  }
  const text = JSON.stringify(input ?? null);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
