/**
 * The inbox: interrupts waiting for a human, across runs. Built on visibility
 * (`AgentStatus = "waiting"`, `AgentName`, `SessionId`): `listInboxPage` reads one page of
 * visibility (Temporal's own page token and page size; no query to find or count the runs), then
 * reads the question details of that page's runs only (one `status` query per run shown, at most
 * `DETAILS_CONCURRENCY` at once, each bounded by `DETAILS_TIMEOUT_MS`). A run whose details cannot
 * be read (no worker, a timeout) is still listed, from visibility, in `unread`. `listInbox` is every
 * page, oldest question first.
 */
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import type { AcceptsInfo } from '../agent/accepted-answers.js';
import type { AnswerBinding } from '../agent/binding.js';
import { questionOf, type PathStep } from '../agent/interrupts.js';
import { nameProblem } from '../agent/names.js';
import type { JsonValue } from '../agent/types.js';
import { statusQuery, type RunStatus } from '../workflows/messages.js';
import { AgentName, PendingInterrupts, SessionId } from '../workflows/search-attributes.js';

export interface InboxItem {
  workflowId: string;
  agent: string;
  sessionId?: string;
  interruptId: string;
  name: string;
  source: 'hook' | 'tool';
  tool?: string;
  /** The input the call will run with (after an approver's edit, the edited one). */
  toolInput?: JsonValue;
  /** Set when an edit changed the input: what the model proposed. */
  proposedInput?: JsonValue;
  /** A before-tools question: every call of the batch. */
  calls?: Array<{ tool: string; input: JsonValue }>;
  /** What an answer repeats to count (see agent/binding.ts): the run refuses it if the call or the question changed. */
  binding?: AnswerBinding;
  /** What the run asks: the reason's `message` when it has one, else the whole reason. */
  question: JsonValue;
  raisedAt: string;
  ageMs: number;
  deadline?: string;
  allowedResponders?: string[];
  /** For a sub-agent's question: how it was reached, from the top run down to this one. */
  path?: PathStep[];
  /** Only signed answers count (see `keys create`). */
  proofRequired?: boolean;
  /** The answers the question takes. */
  accepts?: AcceptsInfo;
}

export interface InboxFilter {
  agent?: string;
  sessionId?: string;
  /**
   * Only questions this person may answer: those that name them among their responders
   * (`allowedResponders`), and those that name nobody (anyone the approval policy lets answer).
   */
  mine?: string;
  /** Only questions whose deadline has passed. */
  overdue?: boolean;
}

export interface InboxPageOptions extends InboxFilter {
  /** Runs per visibility page (default 50, at most 1000). */
  pageSize?: number;
  /** The `nextPageToken` of the page before. */
  pageToken?: string;
  /**
   * `false`: the page from visibility alone (`listed`: run, agent, session, questions pending,
   * start), no query at all; a run's questions are then read when it is opened (`AgentClient.status`).
   * `mine` and `overdue` need the questions. Default true.
   */
  details?: boolean;
}

/** A waiting run as visibility lists it (search attributes). */
export interface ListedRun {
  workflowId: string;
  agent?: string;
  sessionId?: string;
  /** Questions pending (`PendingInterrupts`). */
  pending?: number;
  startedAt?: string;
}

/** A waiting run listed by visibility whose questions could not be read (no worker polls its queue, a timeout). */
export interface UnreadRun extends ListedRun {
  problem: string;
}

export interface InboxPage {
  /** The page's questions that pass the filters, oldest first. */
  items: InboxItem[];
  /** Runs on this page (visibility's count, before `mine` and `overdue`, which filter questions). */
  runs: number;
  /** The page's runs as visibility lists them, in its order (newest start first). */
  listed: ListedRun[];
  unread: UnreadRun[];
  /** Pass it back as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** Status queries in flight at once: parked runs outside the worker's cache are replayed to answer. */
const DETAILS_CONCURRENCY = 20;
/** A run's details wait this long at most (a query to a run no worker polls for waits for one). */
const DETAILS_TIMEOUT_MS = 5000;

export const WAITING_QUERY = 'AgentStatus = "waiting" AND ExecutionStatus = "Running"';

async function mapInBatches<T, R>(items: readonly T[], size: number, body: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(body))));
  return results;
}

/** A filter value as a visibility-query string literal; names that could break out of the literal are refused. */
function literal(kind: string, value: string): string {
  const problem = nameProblem(kind, value) ?? (/["'\\]/.test(value) ? `the ${kind} may not contain quotes or backslashes` : undefined);
  if (problem) throw new TypeError(problem);
  return `"${value}"`;
}

/** The visibility query of an inbox filter (`mine` and `overdue` are not in visibility: they filter the page's questions). */
export function inboxQuery(filter: InboxFilter = {}): string {
  const clauses = [WAITING_QUERY];
  if (filter.agent) clauses.push(`AgentName = ${literal('agent name', filter.agent)}`);
  if (filter.sessionId) clauses.push(`SessionId = ${literal('session id', filter.sessionId)}`);
  return clauses.join(' AND ');
}

function pageSizeOf(size: number | undefined): number {
  if (size === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new TypeError(`the page size is a whole number from 1 to ${MAX_PAGE_SIZE}, not ${size}`);
  return size;
}

function tokenBytes(token: string | undefined): Uint8Array | undefined {
  if (token === undefined || token === '') return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new TypeError('the page token is not one an inbox page gave');
  return Buffer.from(token, 'base64url');
}

/** One page of the inbox: one visibility call, then the details of this page's runs only. */
export async function listInboxPage(client: Client, options: InboxPageOptions = {}, now = new Date()): Promise<InboxPage> {
  const pageSize = pageSizeOf(options.pageSize);
  const details = options.details ?? true;
  if (!details && (options.mine !== undefined || options.overdue)) throw new TypeError('mine and overdue filter the questions: they need the details of the page');
  const nextPageToken = tokenBytes(options.pageToken);
  // Built before any call: a filter that would break out of the query is refused with nothing sent.
  const query = inboxQuery(options);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize,
    ...(nextPageToken ? { nextPageToken } : {}),
  });
  const runs = (response.executions ?? []).map((execution): ListedRun => {
    const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
    const agent = attributes.get(AgentName);
    const sessionId = attributes.get(SessionId);
    const pending = attributes.get(PendingInterrupts);
    const seconds = execution.startTime?.seconds;
    return {
      workflowId: execution.execution?.workflowId ?? '',
      ...(agent !== undefined ? { agent } : {}),
      ...(sessionId !== undefined ? { sessionId } : {}),
      ...(pending !== undefined ? { pending } : {}),
      ...(seconds != null ? { startedAt: new Date(Number(seconds) * 1000).toISOString() } : {}),
    };
  });
  const unread: UnreadRun[] = [];
  const perRun = await mapInBatches(details ? runs : [], DETAILS_CONCURRENCY, async (run) => {
    const read = await readRun(client, run.workflowId, now);
    if ('problem' in read) {
      // Visibility lags a little: a run answered a moment ago may still be listed, with nothing pending.
      if (read.problem !== 'gone') unread.push({ ...run, problem: read.problem });
      return [];
    }
    return read.items;
  });
  const items = sortItems(perRun.flat().filter((item) => passes(item, options, now)));
  const token = response.nextPageToken && response.nextPageToken.length > 0 ? Buffer.from(response.nextPageToken).toString('base64url') : undefined;
  return { items, runs: runs.length, listed: runs, unread, ...(token ? { nextPageToken: token } : {}) };
}

/** Every question waiting for a human (every page), oldest first. */
export async function listInbox(client: Client, filter: InboxFilter = {}, now = new Date()): Promise<InboxItem[]> {
  const items: InboxItem[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listInboxPage(client, { ...filter, pageSize: MAX_PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, now);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return sortItems(items);
}

function sortItems(items: InboxItem[]): InboxItem[] {
  return items.sort((a, b) => a.raisedAt.localeCompare(b.raisedAt) || a.workflowId.localeCompare(b.workflowId) || a.interruptId.localeCompare(b.interruptId));
}

/** Whether a question passes `mine` and `overdue`. */
export function passes(item: Pick<InboxItem, 'allowedResponders' | 'deadline'>, filter: InboxFilter, now = new Date()): boolean {
  if (filter.mine !== undefined && item.allowedResponders !== undefined && !item.allowedResponders.includes(filter.mine)) return false;
  if (filter.overdue && (item.deadline === undefined || Date.parse(item.deadline) > now.getTime())) return false;
  return true;
}

async function readRun(client: Client, workflowId: string, now: Date): Promise<{ items: InboxItem[] } | { problem: string }> {
  let status: RunStatus;
  try {
    status = await client.connection.withDeadline(Date.now() + DETAILS_TIMEOUT_MS, () => client.workflow.getHandle(workflowId).query(statusQuery));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/not found|already completed|workflow execution already/i.test(text)) return { problem: 'gone' };
    return { problem: `its questions could not be read (is a worker running for its task queue?): ${text.split('\n')[0]}` };
  }
  // A sub-agent's question shows in its own run and, mirrored, in each run above it: list it once, where it is asked.
  return {
    items: (status.pending ?? []).filter((interrupt) => interrupt.runId === undefined).map(
      (interrupt): InboxItem => ({
        workflowId,
        agent: status.agent,
        ...(status.sessionId !== undefined ? { sessionId: status.sessionId } : {}),
        interruptId: interrupt.id,
        name: interrupt.name,
        source: interrupt.source,
        ...(interrupt.toolName !== undefined ? { tool: interrupt.toolName } : {}),
        ...(interrupt.toolInput !== undefined ? { toolInput: interrupt.toolInput } : {}),
        ...(interrupt.proposedInput !== undefined ? { proposedInput: interrupt.proposedInput } : {}),
        ...(interrupt.calls !== undefined ? { calls: interrupt.calls } : {}),
        ...(interrupt.binding !== undefined ? { binding: interrupt.binding } : {}),
        question: questionOf(interrupt.reason) ?? interrupt.reason,
        raisedAt: interrupt.raisedAt,
        ageMs: Math.max(0, now.getTime() - Date.parse(interrupt.raisedAt)),
        ...(interrupt.deadline !== undefined ? { deadline: interrupt.deadline } : {}),
        ...(interrupt.allowedResponders !== undefined ? { allowedResponders: interrupt.allowedResponders } : {}),
        ...(interrupt.path !== undefined ? { path: interrupt.path } : {}),
        ...(interrupt.proofRequired ? { proofRequired: true } : {}),
        ...(interrupt.accepts ? { accepts: interrupt.accepts } : {}),
      }),
    ),
  };
}
