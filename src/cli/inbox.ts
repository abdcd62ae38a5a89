/** `inbox` (everything waiting for a human) and `setup` (search attributes on a real cluster). */
import type { InboxFilter, InboxItem, InboxPage } from '../sdk/inbox.js';
import { registerSearchAttributes } from '../sdk/search-attributes-setup.js';
import { withAgents } from './connect.js';
import { escapeInline } from '../agent/escape.js';
import { CliError } from './errors.js';
import { callLines, outputFor, shown, shownJson, type JsonFlag } from './output.js';
import { signerFor } from './signing.js';

export interface InboxFlags extends JsonFlag {
  agent?: string;
  session?: string;
  mine?: boolean;
  by?: string;
  overdue?: boolean;
  pageSize?: string;
  page?: string;
  /** false with --no-details. */
  details?: boolean;
}

export async function inboxCommand(flags: InboxFlags): Promise<void> {
  const filter: InboxFilter = {
    ...(flags.agent ? { agent: flags.agent } : {}),
    ...(flags.session ? { sessionId: flags.session } : {}),
    ...(flags.mine ? { mine: signerFor({ ...(flags.by !== undefined ? { by: flags.by } : {}) }).respondedBy } : {}),
    ...(flags.overdue ? { overdue: true } : {}),
  };
  if (flags.by !== undefined && !flags.mine) throw new CliError('--by names who "me" is for --mine: add --mine');
  const details = flags.details !== false;
  if (flags.pageSize === undefined && flags.page === undefined && details) {
    const items = await withAgents((agents) => agents.inbox(filter));
    outputFor(flags).emit(items, () => (items.length === 0 ? ['nothing waits for a human'] : formatInbox(items)));
    return;
  }
  const pageSize = flags.pageSize === undefined ? undefined : Number(flags.pageSize);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)) throw new CliError(`--page-size takes a whole number from 1 to 1000, not "${flags.pageSize}"`);
  const page = await withAgents((agents) =>
    agents.inboxPage({ ...filter, ...(pageSize !== undefined ? { pageSize } : {}), ...(flags.page !== undefined ? { pageToken: flags.page } : {}), details }).catch((error: unknown) => {
      throw error instanceof TypeError ? new CliError(error.message) : error;
    }),
  );
  outputFor(flags).emit(page, () => (details ? formatPage(page) : formatListed(page)));
}

/** A page without details: the runs as visibility lists them. */
export function formatListed(page: InboxPage): string[] {
  const lines = [`${page.runs} run${page.runs === 1 ? '' : 's'} waiting for a human on this page (newest first; their questions: status <id>):`];
  for (const run of page.listed) {
    lines.push(`  ${escapeInline(run.workflowId)}  ${escapeInline(run.agent ?? '?')}${run.sessionId ? ` (session ${escapeInline(run.sessionId)})` : ''}  ${run.pending ?? '?'} waiting  started ${run.startedAt ?? '?'}`);
  }
  lines.push('');
  lines.push(page.nextPageToken ? `next page: hitl inbox --no-details --page ${page.nextPageToken} (with the same filters and --page-size)` : 'last page');
  return lines;
}

/** One page: its questions, the runs whose questions could not be read, and how to get the next page. */
export function formatPage(page: InboxPage): string[] {
  const lines = page.items.length === 0 ? [`nothing on this page waits for a human (${page.runs} run${page.runs === 1 ? '' : 's'} listed)`] : formatInbox(page.items);
  for (const run of page.unread) {
    lines.push('');
    lines.push(`${escapeInline(run.workflowId)}  ${escapeInline(run.agent ?? '?')}${run.sessionId ? ` (session ${escapeInline(run.sessionId)})` : ''}: ${run.pending ?? '?'} waiting, ${escapeInline(run.problem)}`);
  }
  lines.push('');
  lines.push(page.nextPageToken ? `next page: hitl inbox --page ${page.nextPageToken} (with the same filters and --page-size)` : 'last page');
  return lines;
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
