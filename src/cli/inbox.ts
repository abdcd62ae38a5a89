/** `inbox` (everything waiting for a human) and `setup` (search attributes on a real cluster). */
import type { InboxItem } from '../sdk/inbox.js';
import { registerSearchAttributes } from '../sdk/search-attributes-setup.js';
import { withAgents } from './connect.js';
import { escapeInline } from '../agent/escape.js';
import { callLines, outputFor, shown, shownJson, type JsonFlag } from './output.js';

export interface InboxFlags extends JsonFlag {
  agent?: string;
  session?: string;
}

export async function inboxCommand(flags: InboxFlags): Promise<void> {
  const items = await withAgents((agents) =>
    agents.inbox({ ...(flags.agent ? { agent: flags.agent } : {}), ...(flags.session ? { sessionId: flags.session } : {}) }),
  );
  outputFor(flags).emit(items, () => (items.length === 0 ? ['nothing waits for a human'] : formatInbox(items)));
}

export function formatInbox(items: InboxItem[]): string[] {
  const runs = new Set(items.map((item) => item.workflowId)).size;
  const lines = [`${items.length} waiting for a human in ${runs} run${runs === 1 ? '' : 's'}, oldest first:`];
  for (const item of items) {
    // Everything but the age came from a run, a model or a tool: escaped (see escape.ts).
    const id = escapeInline(item.workflowId);
    const where = `${escapeInline(item.agent)}${item.sessionId ? ` (session ${escapeInline(item.sessionId)})` : ''}`;
    lines.push('');
    lines.push(`${age(item.ageMs)} ago  ${id}  ${where}`);
    lines.push(`  ${escapeInline(item.name)}: ${escapeInline(item.interruptId)}`);
    for (const line of callLines({ ...item, ...(item.tool !== undefined ? { toolName: item.tool } : {}) })) lines.push(`  ${line}`);
    lines.push(`  question: ${typeof item.question === 'string' ? shown(item.question) : shownJson(item.question)}`);
    if (item.deadline) lines.push(`  deadline: ${escapeInline(item.deadline)}`);
    if (item.allowedResponders) lines.push(`  may answer: ${item.allowedResponders.map(escapeInline).join(', ')}${item.proofRequired ? ' (signed answers only)' : ''}`);
    if (item.accepts) lines.push(`  accepts: ${escapeInline(item.accepts.description)}`);
    if (item.path) lines.push(`  via: ${item.path.map((step) => `${escapeInline(step.agent)}${step.tool ? ` → ${escapeInline(step.tool)}` : ''}`).join(' → ')}`);
    lines.push(`  answer: approve ${id} ${escapeInline(item.interruptId)}   (or deny / respond; approve ${id} --all for the whole run)`);
  }
  return lines;
}

function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)}s`;
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

export async function setupCommand(flags: JsonFlag): Promise<void> {
  const { namespace, added } = await withAgents(async (agents) => {
    const namespace = agents.client.options.namespace;
    return { namespace, added: await registerSearchAttributes(agents.client, namespace) };
  });
  outputFor(flags).emit({ namespace, added }, added.length > 0 ? `registered ${added.join(', ')} in namespace ${namespace}` : `namespace ${namespace} already has the agent search attributes`);
}
