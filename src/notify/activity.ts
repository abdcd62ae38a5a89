/**
 * The `notify` activity: delivers one event to every channel it is routed to, and says how each
 * delivery ended. Retried by Temporal while a channel fails; each channel that got the event is
 * remembered in the heartbeat details, so a retry (after a failure or a worker crash) sends only
 * to the channels still missing. On the last attempt it returns the failures instead of throwing:
 * a notification never fails or blocks the run.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { notifyConfigFromEnv, type NotifyConfig } from './config.js';
import { emailSender } from './email.js';
import type { DeliveryStatus, NotificationEvent } from './event.js';
import { viewOf, type NotificationView } from './message.js';
import { sendSlack } from './slack.js';
import { sendWebhook } from './webhook.js';

type Send = (event: NotificationEvent, view: NotificationView) => Promise<void>;

/** What an attempt leaves for the next one. */
interface NotifyProgress {
  delivered: DeliveryStatus[];
}

/** The channels this event goes to: the event's own, else the defaults, plus the routes of the people it asks. */
export function channelsFor(event: NotificationEvent, config: Pick<NotifyConfig, 'defaultChannels' | 'routes'>): string[] {
  const base = event.channels.length > 0 ? event.channels : config.defaultChannels;
  const routed = (event.interrupt.allowedResponders ?? []).flatMap((name) => (Object.hasOwn(config.routes, name) ? config.routes[name]! : []));
  return [...new Set([...base, ...routed])];
}

/** The sender of a channel name, or why there is none. */
function senderFor(name: string, config: NotifyConfig, email: ReturnType<typeof emailSender> | undefined): Send | string {
  if (name === 'webhook') return config.webhook ? (event, view) => sendWebhook(config.webhook!, event, view, config.timeoutMs) : 'no webhook is configured (NOTIFY_WEBHOOK_URL)';
  if (name === 'slack') return config.slack ? (event, view) => sendSlack(config.slack!.url, event, view, config.timeoutMs) : 'no Slack webhook is configured (NOTIFY_SLACK_WEBHOOK_URL)';
  if (name === 'email' || name.startsWith('email:')) {
    if (!email) return 'no SMTP server is configured (NOTIFY_SMTP_URL)';
    const to = name === 'email' ? config.email!.to : [name.slice('email:'.length)];
    if (to.length === 0 || to.some((address) => !/^[^\s@<>,]+@[^\s@<>,]+$/.test(address))) return `no valid recipient for channel "${name}" (NOTIFY_EMAIL_TO or email:<address>)`;
    return (event, view) => email(to, event, view);
  }
  return `no channel named "${name}" (channels: webhook, slack, email, email:<address>)`;
}

export function createNotifyActivity(config: NotifyConfig = notifyConfigFromEnv()) {
  const email = config.email ? emailSender(config.email, config.timeoutMs) : undefined;
  return async function notify(event: NotificationEvent): Promise<DeliveryStatus[]> {
    const activity = currentActivity();
    const attempt = activity?.info.attempt ?? 1;
    const maximumAttempts = activity ? (activity.info.retryPolicy?.maximumAttempts ?? 0) : 1;
    // 0 means unlimited: then it never gives up by itself.
    const lastAttempt = maximumAttempts > 0 && attempt >= maximumAttempts;
    const previous = (activity?.info.heartbeatDetails as NotifyProgress | undefined)?.delivered ?? [];
    const delivered = new Map(previous.map((status) => [status.channel, status]));
    const view = viewOf(event, config);
    const status = (channel: string, outcome: DeliveryStatus['outcome'], detail?: string): DeliveryStatus => ({
      eventId: event.eventId,
      kind: event.kind,
      interruptId: event.interrupt.id,
      channel,
      outcome,
      ...(detail !== undefined ? { detail } : {}),
      at: new Date().toISOString(),
    });

    const results = await Promise.all(
      channelsFor(event, config).map(async (channel): Promise<DeliveryStatus> => {
        const done = delivered.get(channel);
        if (done) return done;
        const send = senderFor(channel, config, email);
        if (typeof send === 'string') return status(channel, 'skipped', send);
        try {
          await send(event, view);
        } catch (error) {
          return status(channel, 'failed', `attempt ${attempt}: ${oneLine(error)}`);
        }
        const ok = status(channel, 'delivered', attempt > 1 ? `on attempt ${attempt}` : undefined);
        delivered.set(channel, ok);
        // Recorded at once: a retry after this point must not send to this channel again.
        activity?.heartbeat({ delivered: [...delivered.values()] } satisfies NotifyProgress);
        return ok;
      }),
    );
    const failed = results.filter((result) => result.outcome === 'failed');
    if (failed.length > 0 && !lastAttempt) {
      throw ApplicationFailure.retryable(
        `notification ${event.eventId} not delivered to ${failed.map((result) => `${result.channel} (${result.detail})`).join(', ')}`,
        'NotificationNotDelivered',
      );
    }
    return results;
  };
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
