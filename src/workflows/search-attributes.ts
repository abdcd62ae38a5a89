/**
 * The search attributes that make runs findable in Temporal visibility and the Web UI:
 * `AgentStatus = "waiting"` lists every run waiting for a human, without scanning workflows.
 * Registered at start by the dev server (tests, `dev`, `demo`) and by `setup` on a real cluster.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AgentStatus = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const AgentName = defineSearchAttributeKey('AgentName', SearchAttributeType.KEYWORD);
export const SessionId = defineSearchAttributeKey('SessionId', SearchAttributeType.KEYWORD);
export const PendingInterrupts = defineSearchAttributeKey('PendingInterrupts', SearchAttributeType.INT);

export const AGENT_SEARCH_ATTRIBUTES = [AgentStatus, AgentName, SessionId, PendingInterrupts];
