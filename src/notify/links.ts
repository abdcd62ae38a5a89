/**
 * One-click links: `<inbox>/links/<token>`, where the token is a signed, expiring description of
 * one answer to one question (`base64url(json).base64url(HMAC-SHA256)`, keyed with the secret that
 * the worker and `serve` share, `NOTIFY_LINK_SECRET`). Opening a link only shows the question with
 * the answer pre-filled; the answer is given by a confirm step from a signed-in person, so a link
 * proves where it came from, never who clicks it. Single use holds across `serve` replicas because
 * a question answered already takes no answer (the run refuses it); each `serve` also remembers the
 * link ids used through it, a fast path for two clicks at once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AnswerBinding } from '../agent/binding.js';

export type LinkAction = 'approve' | 'deny';
export const LINK_ACTIONS: readonly LinkAction[] = ['approve', 'deny'];

export interface LinkClaims {
  /** Unique per link: what "used" is remembered by. */
  linkId: string;
  runId: string;
  interruptId: string;
  action: LinkAction;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
  /**
   * The question's binding when the link was made (runs since bindings): a link confirms only that
   * question of that execution, about that call, never one asked again under the same id.
   */
  binding?: AnswerBinding;
}

export class LinkSecretError extends Error {
  override name = 'LinkSecretError';
}

const DOMAIN = 'durable-hitl-agents link v1.';
/** Tokens longer than this are refused before any parsing (a link carries two ids and a few words). */
const MAX_TOKEN_LENGTH = 4096;

export class LinkSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new LinkSecretError('NOTIFY_LINK_SECRET must be at least 32 characters (for example 32 random bytes in hex)');
    this.key = Buffer.from(secret, 'utf8');
  }

  /** A fresh token for `action` on the question, valid for `ttlMs` from `now`. */
  sign(claims: Omit<LinkClaims, 'linkId' | 'expiresAt'>, ttlMs: number, now = Date.now()): string {
    const full: LinkClaims = { linkId: randomBytes(16).toString('base64url'), ...claims, expiresAt: now + ttlMs };
    const body = Buffer.from(JSON.stringify(full)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The token's claims, or why it is refused: forged or damaged, or expired. */
  verify(token: string, now = Date.now()): { claims: LinkClaims } | { problem: string } {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { problem: 'this link is not valid' };
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return { problem: 'this link is not valid' };
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'this link is not valid (its signature does not match)' };
    const claims = parseClaims(Buffer.from(body, 'base64url').toString('utf8'));
    if (!claims) return { problem: 'this link is not valid' };
    if (now >= claims.expiresAt) return { problem: `this link expired at ${new Date(claims.expiresAt).toISOString()}; answer from the inbox instead` };
    return { claims };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(DOMAIN + body).digest('base64url');
  }
}

function parseClaims(text: string): LinkClaims | undefined {
  try {
    const value = JSON.parse(text) as Partial<LinkClaims>;
    const strings = [value.linkId, value.runId, value.interruptId].every((field) => typeof field === 'string' && field.length > 0);
    if (!strings || !LINK_ACTIONS.includes(value.action as LinkAction) || typeof value.expiresAt !== 'number') return undefined;
    return value as LinkClaims;
  } catch {
    return undefined;
  }
}
