/** `session show` and `session revoke`: a session's durable state, and taking a trust back. */
import { withAgents } from './connect.js';
import { CliError } from './errors.js';
import { outputFor, type JsonFlag } from './output.js';
import type { SessionView } from '../workflows/session-messages.js';

/** Keys under this prefix are trusts (`trust.<tool>`); `revoke` without a key removes them all. */
export const TRUST_PREFIX = 'trust.';

function formatSession(view: SessionView): string[] {
  const lines = [`session ${view.sessionId}: ${view.messageCount} messages, ${view.runs.length} recent runs`];
  const keys = Object.keys(view.state);
  lines.push(keys.length === 0 ? 'state: (empty)' : 'state:');
  for (const key of keys) lines.push(`  ${key} = ${JSON.stringify(view.state[key])}`);
  if (view.active) lines.push(`running now: ${view.active.runId} (${view.active.agent}, since ${view.active.startedAt})`);
  for (const run of view.runs) lines.push(`  ${run.endedAt} ${run.outcome.padEnd(9)} ${run.runId}: ${run.prompt}${run.error ? ` (${run.error})` : ''}`);
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
