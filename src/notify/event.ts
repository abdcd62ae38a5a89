/**
 * What a run tells the people it waits for (the notification activity's input). Plain JSON, built
 * in workflow code: everything in it is data a model or tool may have written, so channels must
 * escape it for their medium (escape.ts).
 */
import type { Interrupt } from '../agent/interrupts.js';

export type NotificationKind =
  /** An interrupt started waiting. */
  | 'waiting'
  /** It still waits (a reminder interval passed). */
  | 'reminder'
  /** Nobody answered in time; it now asks another group. */
  | 'escalated'
  /** Nobody answered in time; the deadline's default answer was taken. */
  | 'deadline';

export interface NotificationEvent {
  /** Unique per event and stable across retries and replays (the webhook-id; receivers may dedupe on it). */
  eventId: string;
  kind: NotificationKind;
  /** The run's workflow id. */
  runId: string;
  agent: string;
  sessionId?: string;
  /** The question (id, name, reason, tool, input, deadline, allowed responders). */
  interrupt: Interrupt;
  /** Sub-agent path from the top run down to the run that asks: [{ runId, agent, toolUseId? }]. */
  path?: Array<{ runId: string; agent: string; toolUseId?: string }>;
  /** The prompt that started the run, shortened. */
  prompt?: string;
  /** Channel names this event is routed to (from the agent or the policy rule); empty: the worker's defaults. */
  channels: string[];
  /** ISO time of the event (workflow time). */
  at: string;
}

/** What one delivery attempt series ended with, as recorded in the run's status and audit. */
export interface DeliveryStatus {
  eventId: string;
  kind: NotificationKind;
  interruptId: string;
  channel: string;
  outcome: 'delivered' | 'failed' | 'skipped';
  /** Why it failed or was skipped (e.g. "no webhook configured"). */
  detail?: string;
  at: string;
}
