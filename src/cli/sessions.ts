/** `session show` and `session revoke`: a session's durable state, and taking a trust back. */
import { withAgents } from './connect.js';
import { CliError } from './errors.js';
import { escapeInline } from '../agent/escape.js';
import { outputFor, shown, shownJson, type JsonFlag } from './output.js';
import type { SessionView } from '../workflows/session-messages.js';

/** Keys under this prefix are trusts (`trust.<tool>`); `revoke` without a key removes them all. */
export const TRUST_PREFIX = 'trust.';

function formatSession(view: SessionView): string[] {
  // State, prompts and errors were written by hooks, tools, models and users: escaped (see escape.ts).
  const lines = [`session ${escapeInline(view.sessionId)}: ${view.messageCount} messages, ${view.runs.length} recent runs`];
  const keys = Object.keys(view.state);
  lines.push(keys.length === 0 ? 'state: (empty)' : 'state:');
  for (const key of keys) lines.push(`  ${escapeInline(key)} = ${shownJson(view.state[key])}`);
  if (view.active) lines.push(`running now: ${escapeInline(view.active.runId)} (${escapeInline(view.active.agent)}, since ${escapeInline(view.active.startedAt)})`);
  for (const run of view.runs) {
    lines.push(`  ${escapeInline(run.endedAt)} ${run.outcome.padEnd(9)} ${escapeInline(run.runId)}: ${shown(run.prompt, 200)}${run.error ? ` (${shown(run.error, 200)})` : ''}`);
  }
  return lines;
}

export async function sessionShowCommand(sessionId: string, flags: JsonFlag): Promise<void> {
  const view = await withAgents((agents) => agents.session(sessionId));
  outputFor(flags).emit(view, () => formatSession(view));
}

export async function sessionRevokeCommand(sessionId: string, key: string | undefined, flags: JsonFlag): Promise<void> {
  const view = await withAgents(async (agents) => {
    const current = await agents.session(sessionId);
    const keys = key !== undefined ? [key] : Object.keys(current.state).filter((name) => name.startsWith(TRUST_PREFIX));
    if (keys.length === 0) throw new CliError(`session ${sessionId} holds no trust to revoke`);
    const missing = keys.filter((name) => !(name in current.state));
    if (missing.length > 0) throw new CliError(`session ${sessionId} has no state key ${missing.join(', ')}; it has: ${Object.keys(current.state).join(', ') || 'nothing'}`);
    return agents.editSession(sessionId, keys.map((name) => ({ op: 'delete' as const, key: name })));
  });
  outputFor(flags).emit(view, () => formatSession(view));
}
