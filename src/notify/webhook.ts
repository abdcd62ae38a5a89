/**
 * The webhook channel: the event as JSON, signed per Standard Webhooks. The `webhook-id` is the
 * event's id, the same on every retry, so receivers drop a repeat.
 */
import type { NotifyConfig } from './config.js';
import type { NotificationEvent } from './event.js';
import { postJson } from './http.js';
import type { NotificationView } from './message.js';
import { webhookHeaders } from './standard-webhooks.js';

/** The JSON body receivers get (plain data: a receiver that shows it must escape it). */
export function webhookBody(event: NotificationEvent, view: NotificationView) {
  const { interrupt } = event;
  return {
    type: `interrupt.${event.kind}`,
    eventId: event.eventId,
    kind: event.kind,
    at: event.at,
    run: { id: event.runId, agent: event.agent, ...(event.sessionId !== undefined ? { sessionId: event.sessionId } : {}), ...(event.prompt !== undefined ? { prompt: event.prompt } : {}) },
    interrupt: {
      id: interrupt.id,
      name: interrupt.name,
      question: view.question,
      reason: interrupt.reason,
      source: interrupt.source,
      ...(interrupt.toolName !== undefined ? { tool: interrupt.toolName } : {}),
      ...(interrupt.toolInput !== undefined ? { input: interrupt.toolInput } : {}),
      raisedAt: interrupt.raisedAt,
      ...(interrupt.deadline !== undefined ? { deadline: interrupt.deadline } : {}),
      ...(interrupt.allowedResponders !== undefined ? { allowedResponders: interrupt.allowedResponders } : {}),
    },
    path: event.path ?? [],
    links: view.links,
  };
}

export async function sendWebhook(target: NonNullable<NotifyConfig['webhook']>, event: NotificationEvent, view: NotificationView, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(webhookBody(event, view));
  await postJson(target.url, body, webhookHeaders(target.key, event.eventId, Math.floor(Date.now() / 1000), body), timeoutMs);
}
