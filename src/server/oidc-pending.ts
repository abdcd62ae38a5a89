/**
 * A sign-in under way, kept in the browser: the PKCE verifier, state, nonce and the page to go back
 * to, sealed with the session keys under a label of its own (it never opens as a session) and
 * good for 10 minutes. Any replica that holds the keys finishes the sign-in; nothing is stored.
 */
import { openValue, sealValue, type SessionKeys } from './sessions.js';
import type { PendingSignIn } from './oidc.js';

export const PENDING_LIFETIME_MS = 10 * 60_000;
const LABEL = '__Host-hitl-oidc-pending';

export function sealPending(keys: SessionKeys, pending: PendingSignIn, now = Date.now()): string {
  return sealValue(keys, LABEL, { v: pending.verifier, s: pending.state, n: pending.nonce, r: pending.returnTo, e: now + PENDING_LIFETIME_MS });
}

/** The sign-in the cookie carries, or why it cannot finish (one line for the person). */
export function openPending(keys: SessionKeys, cookie: string | undefined, now = Date.now()): { pending: PendingSignIn } | { problem: string } {
  if (!cookie) return { problem: 'this browser did not start this sign-in (or its cookie was lost): sign in again' };
  const opened = openValue(keys, LABEL, cookie);
  if ('problem' in opened) return { problem: 'this sign-in cannot be checked (its cookie is damaged, forged or sealed with another key): sign in again' };
  const { v, s, n, r, e } = (opened.value ?? {}) as Record<string, unknown>;
  if (typeof v !== 'string' || typeof s !== 'string' || typeof n !== 'string' || typeof r !== 'string' || typeof e !== 'number') {
    return { problem: 'this sign-in cannot be checked (its cookie is damaged): sign in again' };
  }
  if (now >= e) return { problem: 'this sign-in was started more than 10 minutes ago: sign in again' };
  return { pending: { verifier: v, state: s, nonce: n, returnTo: r } };
}

/** An inbox path to come back to after signing in: a path on this origin, never another site. */
export function safeReturnPath(value: string | undefined): string {
  if (!value || value.length > 2000 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\u0000-\u001f]/.test(value)) return '/';
  return value;
}
