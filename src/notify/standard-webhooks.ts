/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the receiver checks
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed
 * with the base64-decoded bytes of the secret `whsec_<base64>`.
 */
import { createHmac } from 'node:crypto';

export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError';
}

/** The key bytes of a `whsec_<base64>` secret; anything else is refused with the reason. */
export function webhookKey(secret: string): Buffer {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim());
  if (!match) throw new WebhookSecretError('NOTIFY_WEBHOOK_SECRET must look like whsec_<base64> (for example whsec_ and 32 random bytes in base64)');
  const key = Buffer.from(match[1]!, 'base64');
  if (key.length < 24) throw new WebhookSecretError(`NOTIFY_WEBHOOK_SECRET holds ${key.length} bytes; use at least 24 (32 recommended)`);
  return key;
}

/** The three headers of one signed delivery. `timestamp` is in seconds since the epoch. */
export function webhookHeaders(key: Buffer, id: string, timestamp: number, body: string): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}
