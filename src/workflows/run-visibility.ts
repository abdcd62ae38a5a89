/**
 * What a run shows while it lives: current details in words for the Web UI ("waiting for
 * approval: delete_files ..."), and search attributes for the inbox, when the namespace has them.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { escapeMarkdown } from '../agent/escape.js';
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
