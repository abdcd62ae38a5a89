/**
 * The inbox: interrupts waiting for a human, across runs. Built on visibility: `listInboxPage` is
 * one visibility page (Temporal's page token and page size) whose rows come from the runs' search
 * attributes alone (agent, session, questions pending, who may answer, deadline, waiting since, the
 * oldest question in short): no query to any run. `mine`, `agent`, `session` and `overdue` are
 * clauses of the visibility query. A run's questions in full (call, input, binding) are read when
 * it is opened (`openRun`: one `status` query), or for a whole page with `details: true`. A run
 * whose details cannot be read (no worker, a timeout) is still listed, in `unread`. `listInbox` is
 * every page with details, oldest question first (small inboxes).
 */
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import type { AcceptsInfo } from '../agent/accepted-answers.js';
import type { AnswerBinding } from '../agent/binding.js';
import { questionOf, type PathStep } from '../agent/interrupts.js';
import { nameProblem } from '../agent/names.js';
import type { JsonValue } from '../agent/types.js';
import { statusQuery, type RunStatus } from '../workflows/messages.js';
import {
  AgentApprovers,
  AgentDeadline,
  AgentName,
  AgentQuestion,
  AgentTool,
  AgentWaitingSince,
  ANY_APPROVER,
  PendingInterrupts,
  SessionId,
} from '../workflows/search-attributes.js';

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
   * Only runs with a question this person may answer: one that names them (or one of their groups,
   * given after the person) among its responders, or one that names nobody (anyone the approval
   * policy lets answer). With details, only those questions of the run.
   */
  mine?: string | readonly string[];
  /** Only runs with a question whose deadline has passed. */
  overdue?: boolean;
}

export interface InboxPageOptions extends InboxFilter {
  /** Runs per visibility page (default 50, at most 1000). */
  pageSize?: number;
  /** The `nextPageToken` of the page before. */
  pageToken?: string;
  /**
   * `true`: also read the questions of the page's runs in full (one `status` query per run, at
   * most 20 at once). Default false: the page is the visibility list alone (`listed`).
   */
  details?: boolean;
}

/** A waiting run as visibility lists it (search attributes; runs started before the inbox's attributes have only the first five). */
export interface ListedRun {
  workflowId: string;
  agent?: string;
  sessionId?: string;
  /** Questions pending (`PendingInterrupts`; a sub-agent's count in its callers too). */
  pending?: number;
  startedAt?: string;
  /** When its oldest own question was asked. */
  waitingSince?: string;
  /** How long it has waited (from `waitingSince`). */
  ageMs?: number;
  /** The earliest deadline of its questions. */
  deadline?: string;
  /** Who may answer its questions, as the policy names them (`*`: anyone the policy lets answer). */
  approvers?: string[];
  /** The oldest question's tool. */
  tool?: string;
  /** The oldest question in short (at most 200 characters). */
  question?: string;
}

/** A waiting run listed by visibility whose questions could not be read (no worker polls its queue, a timeout). */
export interface UnreadRun extends ListedRun {
  problem: string;
}

export interface InboxPage {
  /** With `details`: the page's questions that pass the filters, oldest first (else empty). */
  items: InboxItem[];
  /** Runs on this page. */
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
/** Names `mine` may hold (a person and their groups). */
const MAX_MINE_NAMES = 50;

export const WAITING_QUERY = 'AgentStatus = "waiting" AND ExecutionStatus = "Running"';

async function mapInBatches<T, R>(items: readonly T[], size: number, body: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(body))));
  return results;
}

/** A filter value as a visibility-query string literal; values that could break out of the literal are refused. */
function literal(kind: string, value: string): string {
  const problem = nameProblem(kind, value) ?? (/["'\\`]/.test(value) ? `the ${kind} may not contain quotes, backquotes or backslashes` : undefined);
  if (problem) throw new TypeError(problem);
  return `"${value}"`;
}

function mineNames(mine: string | readonly string[]): string[] {
  const names = typeof mine === 'string' ? [mine] : [...mine];
  if (names.length === 0 || names.length > MAX_MINE_NAMES) throw new TypeError(`mine names a person and their groups: 1 to ${MAX_MINE_NAMES} names, not ${names.length}`);
  return names;
}

/**
 * The visibility query of an inbox filter; every value is checked and quoted (a hostile one is
 * refused with a TypeError before anything is sent). `now` is what "overdue" compares with.
 */
export function inboxQuery(filter: InboxFilter = {}, now = new Date()): string {
  const clauses = [WAITING_QUERY];
  if (filter.agent) clauses.push(`AgentName = ${literal('agent name', filter.agent)}`);
  if (filter.sessionId) clauses.push(`SessionId = ${literal('session id', filter.sessionId)}`);
  if (filter.mine !== undefined) {
    const names = [ANY_APPROVER, ...mineNames(filter.mine).map((name) => literal('approver name', name).slice(1, -1))];
    clauses.push(`AgentApprovers IN (${[...new Set(names)].map((name) => `"${name}"`).join(', ')})`);
  }
  if (filter.overdue) clauses.push(`AgentDeadline < "${now.toISOString()}"`);
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

/** A namespace set up before the inbox's attributes refuses a query that names them: say what to do. */
function setupHint(error: unknown, filter: InboxFilter): never {
  const text = error instanceof Error ? error.message : String(error);
  if ((filter.mine !== undefined || filter.overdue) && /AgentApprovers|AgentDeadline/.test(text)) {
    throw new InboxSetupError(`the namespace lacks the inbox's search attributes (mine and overdue need AgentApprovers and AgentDeadline): run \`hitl setup\` (${text.split('\n')[0]})`);
  }
  throw error;
}

/** The namespace needs `hitl setup` for this filter. */
export class InboxSetupError extends Error {
  override name = 'InboxSetupError';
}

/** One page of the inbox: one visibility call; with `details`, then the questions of this page's runs only. */
export async function listInboxPage(client: Client, options: InboxPageOptions = {}, now = new Date()): Promise<InboxPage> {
  const pageSize = pageSizeOf(options.pageSize);
  const nextPageToken = tokenBytes(options.pageToken);
  // Built before any call: a filter that would break out of the query is refused with nothing sent.
  const query = inboxQuery(options, now);
  const response = await client.workflowService
    .listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, ...(nextPageToken ? { nextPageToken } : {}) })
    .catch((error: unknown) => setupHint(error, options));
  const runs = (response.executions ?? []).map((execution) => listedRun(execution, now));
  const unread: UnreadRun[] = [];
  const perRun = await mapInBatches(options.details ? runs : [], DETAILS_CONCURRENCY, async (run) => {
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

type Execution = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

/** A row of the page, from the run's search attributes alone. */
function listedRun(execution: Execution, now: Date): ListedRun {
  const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
  const seconds = execution.startTime?.seconds;
  const waitingSince = attributes.get(AgentWaitingSince);
  const deadline = attributes.get(AgentDeadline);
  const optional = {
    agent: attributes.get(AgentName),
    sessionId: attributes.get(SessionId),
    pending: attributes.get(PendingInterrupts),
    startedAt: seconds != null ? new Date(Number(seconds) * 1000).toISOString() : undefined,
    waitingSince: waitingSince?.toISOString(),
    ageMs: waitingSince ? Math.max(0, now.getTime() - waitingSince.getTime()) : undefined,
    deadline: deadline?.toISOString(),
    approvers: attributes.get(AgentApprovers),
    tool: attributes.get(AgentTool),
    question: attributes.get(AgentQuestion),
  };
  const run: ListedRun = { workflowId: execution.execution?.workflowId ?? '' };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(run, { [key]: value });
  return run;
}

/**
 * A run's questions in full, as the inbox shows them (one `status` query): what opening a row
 * reads. `problem` when they cannot be read now; no questions when it no longer waits.
 */
export async function openRun(client: Client, workflowId: string, now = new Date()): Promise<{ items: InboxItem[] } | { problem: string }> {
  const read = await readRun(client, workflowId, now);
  return 'problem' in read && read.problem === 'gone' ? { items: [] } : read;
}

/** Every question waiting for a human (every page), oldest first. */
export async function listInbox(client: Client, filter: InboxFilter = {}, now = new Date()): Promise<InboxItem[]> {
  const items: InboxItem[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listInboxPage(client, { ...filter, pageSize: MAX_PAGE_SIZE, details: true, ...(pageToken ? { pageToken } : {}) }, now);
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
  const mine = filter.mine === undefined ? undefined : typeof filter.mine === 'string' ? [filter.mine] : filter.mine;
  if (mine !== undefined && item.allowedResponders !== undefined && !item.allowedResponders.some((name) => mine.includes(name))) return false;
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
