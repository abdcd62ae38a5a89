/**
 * Where notifications go, from the worker's environment:
 *
 *   NOTIFY_WEBHOOK_URL, NOTIFY_WEBHOOK_SECRET (whsec_<base64>)   a Standard Webhooks endpoint
 *   NOTIFY_SLACK_WEBHOOK_URL                                      a Slack incoming webhook
 *   NOTIFY_SMTP_URL (smtp[s]://user:pass@host:port),              email over SMTP
 *     NOTIFY_EMAIL_FROM, NOTIFY_EMAIL_TO (comma-separated)
 *   NOTIFY_INBOX_URL                                              the web inbox (`serve`) that links point at
 *   NOTIFY_LINK_SECRET, NOTIFY_LINK_TTL (default 24h)             one-click links (the secret is shared with `serve`)
 *   NOTIFY_CHANNELS                                               default channels (default: every one configured)
 *   NOTIFY_ROUTES  {"alice":["email:alice@example.com"],"dana":["slack"]}  extra channels per approver
 *
 * Channel names: `webhook`, `slack`, `email` (to NOTIFY_EMAIL_TO) and `email:<address>`.
 */
import { durationMs } from '../agent/interrupts.js';
import { LinkSigner } from './links.js';
import { webhookKey } from './standard-webhooks.js';

export interface NotifyConfig {
  webhook?: { url: string; key: Buffer };
  slack?: { url: string };
  email?: { smtpUrl: string; from: string; to: string[] };
  /** The web inbox's public address: questions and one-click links point there. */
  inboxUrl?: string;
  /** Signs one-click links (absent: notifications carry only the link to the inbox). */
  links?: { signer: LinkSigner; ttlMs: number };
  /** Channels for events that name none. */
  defaultChannels: string[];
  /** Extra channels by approver name (an interrupt's allowed responders). */
  routes: Record<string, string[]>;
  /** How long one delivery may take before it counts as failed. */
  timeoutMs: number;
}

export class NotifyConfigError extends Error {
  override name = 'NotifyConfigError';
}

const DEFAULT_LINK_TTL = '24h';
const DELIVERY_TIMEOUT_MS = 15_000;

export function notifyConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const config: NotifyConfig = { defaultChannels: [], routes: {}, timeoutMs: DELIVERY_TIMEOUT_MS };
  if (env.NOTIFY_WEBHOOK_URL) {
    if (!env.NOTIFY_WEBHOOK_SECRET) throw new NotifyConfigError('NOTIFY_WEBHOOK_URL is set without NOTIFY_WEBHOOK_SECRET (whsec_<base64>): webhooks are always signed');
    config.webhook = { url: httpUrl('NOTIFY_WEBHOOK_URL', env.NOTIFY_WEBHOOK_URL), key: webhookKey(env.NOTIFY_WEBHOOK_SECRET) };
  }
  if (env.NOTIFY_SLACK_WEBHOOK_URL) config.slack = { url: httpUrl('NOTIFY_SLACK_WEBHOOK_URL', env.NOTIFY_SLACK_WEBHOOK_URL) };
  if (env.NOTIFY_SMTP_URL) {
    if (!/^smtps?:\/\//.test(env.NOTIFY_SMTP_URL)) throw new NotifyConfigError('NOTIFY_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://...');
    if (!env.NOTIFY_EMAIL_FROM) throw new NotifyConfigError('NOTIFY_SMTP_URL is set without NOTIFY_EMAIL_FROM (the sender address)');
    config.email = { smtpUrl: env.NOTIFY_SMTP_URL, from: env.NOTIFY_EMAIL_FROM, to: list(env.NOTIFY_EMAIL_TO) };
  }
  if (env.NOTIFY_INBOX_URL) config.inboxUrl = httpUrl('NOTIFY_INBOX_URL', env.NOTIFY_INBOX_URL).replace(/\/+$/, '');
  if (env.NOTIFY_LINK_SECRET) {
    if (!config.inboxUrl) throw new NotifyConfigError('NOTIFY_LINK_SECRET is set without NOTIFY_INBOX_URL: links need the address of the web inbox');
    config.links = { signer: new LinkSigner(env.NOTIFY_LINK_SECRET), ttlMs: ttl(env.NOTIFY_LINK_TTL ?? DEFAULT_LINK_TTL) };
  }
  const configured = [config.webhook && 'webhook', config.slack && 'slack', config.email && config.email.to.length > 0 && 'email'].filter(
    (name): name is string => typeof name === 'string',
  );
  config.defaultChannels = env.NOTIFY_CHANNELS ? list(env.NOTIFY_CHANNELS) : configured;
  if (env.NOTIFY_ROUTES) config.routes = routes(env.NOTIFY_ROUTES);
  return config;
}

function httpUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new NotifyConfigError(`${name} must be an http(s) URL`);
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function ttl(value: string): number {
  try {
    return durationMs(value);
  } catch (error) {
    throw new NotifyConfigError(`NOTIFY_LINK_TTL: ${(error as Error).message}`);
  }
}

function routes(text: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const valid =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) &&
    Object.values(parsed).every((channels) => Array.isArray(channels) && channels.every((channel) => typeof channel === 'string'));
  if (!valid) throw new NotifyConfigError('NOTIFY_ROUTES must be a JSON object of approver name to channel names, e.g. {"alice":["email:alice@example.com"]}');
  return parsed as Record<string, string[]>;
}
