/** `inbox` (everything waiting for a human) and `setup` (search attributes on a real cluster). */
import { inboxQuery, InboxSetupError, type InboxFilter, type InboxItem, type InboxPage } from '../sdk/inbox.js';
import { ANY_APPROVER } from '../workflows/search-attributes.js';
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
  const refused = (error: unknown) => {
    throw error instanceof TypeError || error instanceof InboxSetupError ? new CliError(error.message) : error;
  };
  // A filter that would break out of the visibility query is refused before connecting.
  try {
    inboxQuery(filter);
  } catch (error) {
    refused(error);
  }
  // Without paging flags: every question in full (one query per run: for small inboxes).
  if (flags.pageSize === undefined && flags.page === undefined && flags.details !== false) {
    const items = await withAgents((agents) => agents.inbox(filter).catch(refused));
    outputFor(flags).emit(items, () => (items.length === 0 ? ['nothing waits for a human'] : formatInbox(items)));
    return;
  }
  const pageSize = flags.pageSize === undefined ? undefined : Number(flags.pageSize);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)) throw new CliError(`--page-size takes a whole number from 1 to 1000, not "${flags.pageSize}"`);
  // A page is the visibility list alone (no query to any run): `status <id>` opens a run's questions.
  const page = await withAgents((agents) =>
    agents.inboxPage({ ...filter, ...(pageSize !== undefined ? { pageSize } : {}), ...(flags.page !== undefined ? { pageToken: flags.page } : {}) }).catch(refused),
  );
  outputFor(flags).emit(page, () => formatListed(page));
}

/** A page: the runs as visibility lists them, each with its oldest question in short. */
export function formatListed(page: InboxPage): string[] {
  const lines = [page.runs === 0 ? 'nothing on this page waits for a human' : `${page.runs} run${page.runs === 1 ? '' : 's'} waiting for a human on this page (newest first; a run's questions in full: status <id>):`];
  for (const run of page.listed) {
    const id = escapeInline(run.workflowId);
    lines.push('');
    lines.push(`${run.ageMs !== undefined ? `${age(run.ageMs)} ago  ` : ''}${id}  ${escapeInline(run.agent ?? '?')}${run.sessionId ? ` (session ${escapeInline(run.sessionId)})` : ''}  ${run.pending ?? '?'} waiting`);
    if (run.tool !== undefined || run.question !== undefined) lines.push(`  ${run.tool !== undefined ? `${escapeInline(run.tool)}: ` : ''}${escapeInline(run.question ?? '')}`);
    if (run.deadline) lines.push(`  deadline: ${escapeInline(run.deadline)}`);
    if (run.approvers) lines.push(`  may answer: ${run.approvers.map((name) => (name === ANY_APPROVER ? 'anyone the policy lets' : escapeInline(name))).join(', ')}`);
    if (run.waitingSince === undefined) lines.push(`  started ${run.startedAt ?? '?'} (its questions: status ${id})`);
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
