/**
 * The search attributes that make runs findable in Temporal visibility and the Web UI:
 * `AgentStatus = "waiting"` lists every run waiting for a human, without scanning workflows.
 * Registered at start by the dev server (tests, `dev`, `demo`) and by `setup` on a real cluster.
 *
 * The inbox's attributes (`INBOX_SEARCH_ATTRIBUTES`) describe a waiting run's own questions, so that
 * a page of the inbox is the visibility list alone, and "mine" and "overdue" are query clauses.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AgentStatus = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const AgentName = defineSearchAttributeKey('AgentName', SearchAttributeType.KEYWORD);
export const SessionId = defineSearchAttributeKey('SessionId', SearchAttributeType.KEYWORD);
export const PendingInterrupts = defineSearchAttributeKey('PendingInterrupts', SearchAttributeType.INT);

/** Who may answer the run's questions, as the policy names them (`*`: a question that names nobody). */
export const AgentApprovers = defineSearchAttributeKey('AgentApprovers', SearchAttributeType.KEYWORD_LIST);
/** The earliest deadline of its questions (absent: none has one). */
export const AgentDeadline = defineSearchAttributeKey('AgentDeadline', SearchAttributeType.DATETIME);
/** When its oldest question was asked. */
export const AgentWaitingSince = defineSearchAttributeKey('AgentWaitingSince', SearchAttributeType.DATETIME);
/** The oldest question's tool (absent for a question about a batch of calls, or a hook's). */
export const AgentTool = defineSearchAttributeKey('AgentTool', SearchAttributeType.KEYWORD);
/** The oldest question in short (at most `QUESTION_SUMMARY_MAX` characters). */
export const AgentQuestion = defineSearchAttributeKey('AgentQuestion', SearchAttributeType.TEXT);

export const QUESTION_SUMMARY_MAX = 200;
/** Anyone the approval policy lets answer: the approvers value of a question that names nobody. */
export const ANY_APPROVER = '*';

export const BASE_SEARCH_ATTRIBUTES = [AgentStatus, AgentName, SessionId, PendingInterrupts];
export const INBOX_SEARCH_ATTRIBUTES = [AgentApprovers, AgentDeadline, AgentWaitingSince, AgentTool, AgentQuestion];
export const AGENT_SEARCH_ATTRIBUTES = [...BASE_SEARCH_ATTRIBUTES, ...INBOX_SEARCH_ATTRIBUTES];

/**
 * What a run may upsert, as the client that started it found the namespace (passed in its input,
 * so replay sees the same): `false` nothing, `true` the base attributes (a namespace set up before
 * the inbox's), `'inbox'` every agent attribute, `'inbox-sealed'` every one but the question's
 * text and tool: search attributes are stored in clear, so a client that encrypts payloads keeps
 * what the model and the tools wrote out of them.
 */
export type Indexing = boolean | 'inbox' | 'inbox-sealed';
