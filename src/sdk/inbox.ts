/**
 * The inbox: every interrupt waiting for a human, across all runs, oldest first. Built on
 * visibility (`AgentStatus = "waiting"`), then one `status` query per waiting run for the details.
 */
import type { Client } from '@temporalio/client';
import type { AcceptsInfo } from '../agent/accepted-answers.js';
import type { AnswerBinding } from '../agent/binding.js';
import { questionOf, type PathStep } from '../agent/interrupts.js';
import { nameProblem } from '../agent/names.js';
import type { JsonValue } from '../agent/types.js';
import { statusQuery } from '../workflows/messages.js';

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
}

/** Status queries in flight at once: parked runs outside the worker's cache are replayed to answer. */
const QUERY_CONCURRENCY = 20;

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

export async function listInbox(client: Client, filter: InboxFilter = {}, now = new Date()): Promise<InboxItem[]> {
  const clauses = [WAITING_QUERY];
  if (filter.agent) clauses.push(`AgentName = ${literal('agent name', filter.agent)}`);
  if (filter.sessionId) clauses.push(`SessionId = ${literal('session id', filter.sessionId)}`);
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query: clauses.join(' AND ') })) ids.push(execution.workflowId);

  const perRun = await mapInBatches(ids, QUERY_CONCURRENCY, async (workflowId) => {
      // Visibility lags a little: a run answered a moment ago may still be listed, or be gone.
      const status = await client.workflow.getHandle(workflowId).query(statusQuery).catch(() => undefined);
      // A sub-agent's question shows in its own run and, mirrored, in each run above it: list it once, where it is asked.
      return (status?.pending ?? []).filter((interrupt) => interrupt.runId === undefined).map(
        (interrupt): InboxItem => ({
          workflowId,
          agent: status!.agent,
          ...(status!.sessionId !== undefined ? { sessionId: status!.sessionId } : {}),
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
      );
  });
  return perRun.flat().sort((a, b) => a.raisedAt.localeCompare(b.raisedAt) || a.interruptId.localeCompare(b.interruptId));
}
