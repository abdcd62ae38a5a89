/**
 * Signed-in sessions with no state in the service: the session cookie (HttpOnly, Secure,
 * SameSite=Strict, `__Host-`) *is* the session, sealed with AES-256-GCM — who signed in, the
 * session's CSRF token (every action sends it back in `x-csrf-token`), when it expires, and a
 * fingerprint of the person's password hash. Any replica holding the key opens it, and a restart
 * keeps it. So nothing is remembered and nothing needs sharing but the key:
 *
 *   INBOX_SESSION_KEY       the current key (32 random bytes, base64): new sessions are sealed with it
 *   INBOX_SESSION_OLD_KEYS  earlier keys (comma-separated), still opened after a rotation
 *   (neither set)           a key derived (HKDF) from the inbox's service key, which replicas share anyway
 *   INBOX_SESSION_TTL       how long a sign-in lasts (default 12h)
 *
 * Signing out clears the cookie; a copy of it stays valid until it expires, unless the key that
 * sealed it is retired, or the person's password changes or their name leaves the users file.
 * A single sign-on session (oidc.ts) carries the person's name, email and approver groups instead of
 * a password fingerprint, and expires no later than the provider's tokens. The same sealing, under
 * another label, carries a sign-in under way (oidc-pending.ts).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { durationMs } from '../agent/interrupts.js';
import { parseKey } from '../codec/keys.js';

export interface Session {
  user: string;
  csrf: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** Fingerprint of the person's password hash when they signed in (absent for a dev user). */
  password?: string;
  /** Set when the person signed in through single sign-on (OIDC): `user` is then their subject. */
  sso?: SsoIdentity;
}

/** Who the identity provider said signed in, as far as the inbox needs it. */
export interface SsoIdentity {
  name?: string;
  email?: string;
  /** The person's groups (from the configured claim) among the inbox's approver groups. */
  groups: string[];
}

export const SESSION_COOKIE = '__Host-hitl-session';

export interface SessionKey {
  /** A public id (8 bytes of SHA-256 over the key): says which key sealed a cookie. */
  id: Buffer;
  key: Buffer;
}

export interface SessionKeys {
  current: SessionKey;
  /** Every key a cookie may be sealed with: the current one first. */
  all: readonly SessionKey[];
}

export class SessionKeyError extends Error {
  override name = 'SessionKeyError';
}

export const DEFAULT_SESSION_LIFETIME_MS = 12 * 3_600_000;

export function sessionKey(key: Buffer): SessionKey {
  if (key.length !== 32) throw new SessionKeyError('a session key is 32 bytes');
  return { id: createHash('sha256').update('hitl-session-key\0').update(key).digest().subarray(0, 8), key };
}

/** A session key derived from a secret the replicas share (the service key), one per purpose: HKDF-SHA256. */
export function derivedSessionKey(secret: Buffer): SessionKey {
  return sessionKey(Buffer.from(hkdfSync('sha256', secret, 'durable-hitl-agents', 'inbox session cookie v1', 32)));
}

export function sessionKeys(current: SessionKey, old: readonly SessionKey[] = []): SessionKeys {
  return { current, all: [current, ...old.filter((key) => !key.id.equals(current.id))] };
}

/** The keys INBOX_SESSION_KEY and INBOX_SESSION_OLD_KEYS name, or undefined when neither is set (use a derived key). */
export function sessionKeysFromEnv(env: NodeJS.ProcessEnv = process.env): SessionKeys | undefined {
  const currentText = env.INBOX_SESSION_KEY?.trim();
  const oldTexts = (env.INBOX_SESSION_OLD_KEYS ?? '').split(',').map((text) => text.trim()).filter(Boolean);
  if (!currentText) {
    if (oldTexts.length > 0) throw new SessionKeyError('INBOX_SESSION_OLD_KEYS is set but INBOX_SESSION_KEY is not: set the current key too');
    return undefined;
  }
  const parse = (text: string, what: string) => {
    try {
      return sessionKey(parseKey(text, what).key);
    } catch (error) {
      throw new SessionKeyError((error as Error).message);
    }
  };
  return sessionKeys(
    parse(currentText, 'INBOX_SESSION_KEY'),
    oldTexts.map((text, index) => parse(text, `INBOX_SESSION_OLD_KEYS entry ${index + 1}`)),
  );
}

/** INBOX_SESSION_TTL (e.g. "8h", "30m"), default 12 hours. */
export function sessionLifetimeFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.INBOX_SESSION_TTL?.trim();
  if (!text) return DEFAULT_SESSION_LIFETIME_MS;
  let ms: number;
  try {
    ms = durationMs(text);
  } catch (error) {
    throw new SessionKeyError(`INBOX_SESSION_TTL: ${(error as Error).message}`);
  }
  if (ms < 60_000 || ms > 30 * 86_400_000) throw new SessionKeyError(`INBOX_SESSION_TTL must be between 1m and 30d, got ${text}`);
  return ms;
}

/** A fingerprint of a stored password hash: a new password (or none) ends the sessions signed in with the old one. */
export function passwordFingerprint(storedHash: string): string {
  return createHash('sha256').update('hitl-session-password\0').update(storedHash).digest('base64url').slice(0, 22);
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 8 + IV_BYTES;
/** Cookies longer than this are refused before anything else (a session is a name, two tokens and at most a few groups). */
const MAX_COOKIE_LENGTH = 3072;

export const SESSION_PROBLEMS = {
  missing: 'sign in first',
  damaged: 'this session cookie is not valid (damaged or forged): sign in again',
  unknownKey: 'this session was sealed with a key this inbox does not hold (rotated out, or another deployment\'s): sign in again',
} as const;

/**
 * Seals and opens session cookies: `base64url(version | key id | IV | AES-256-GCM(JSON) | tag)`,
 * the version and key id authenticated as associated data.
 */
export class SessionSealer {
  constructor(
    private readonly keys: SessionKeys,
    readonly lifetimeMs = DEFAULT_SESSION_LIFETIME_MS,
  ) {}

  /**
   * A new session for `user` and its cookie value. A single sign-on session passes `sso`, and
   * `notAfter` when its tokens expire sooner than the session lifetime.
   */
  create(user: string, password?: string, now = Date.now(), sso?: { identity: SsoIdentity; notAfter?: number }): { session: Session; cookie: string } {
    const expiresAt = Math.min(now + this.lifetimeMs, sso?.notAfter ?? Number.POSITIVE_INFINITY);
    const session: Session = {
      user,
      csrf: randomBytes(32).toString('base64url'),
      expiresAt,
      ...(password !== undefined ? { password } : {}),
      ...(sso ? { sso: sso.identity } : {}),
    };
    return { session, cookie: this.seal(session) };
  }

  seal(session: Session): string {
    const { sso } = session;
    const body = {
      u: session.user,
      c: session.csrf,
      e: session.expiresAt,
      ...(session.password !== undefined ? { p: session.password } : {}),
      ...(sso ? { s: { g: sso.groups, ...(sso.name !== undefined ? { n: sso.name } : {}), ...(sso.email !== undefined ? { m: sso.email } : {}) } } : {}),
    };
    return sealValue(this.keys, SESSION_COOKIE, body);
  }

  /** The session in the cookie, or why there is none (one line for the person). */
  open(cookie: string | undefined, now = Date.now()): { session: Session } | { problem: string } {
    const opened = openValue(this.keys, SESSION_COOKIE, cookie);
    if ('problem' in opened) return opened;
    const value = parse(opened.value);
    if (!value) return { problem: SESSION_PROBLEMS.damaged };
    if (now >= value.expiresAt) return { problem: `your session expired at ${new Date(value.expiresAt).toISOString()}: sign in again` };
    return { session: value };
  }

  get maxAgeSeconds(): number {
    return Math.floor(this.lifetimeMs / 1000);
  }
}

/**
 * `value` as JSON, sealed for one purpose: `label` is authenticated with the header, so a cookie
 * sealed for one purpose (a sign-in under way) never opens as another (a session).
 */
export function sealValue(keys: SessionKeys, label: string, value: unknown): string {
  const { id, key } = keys.current;
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([Buffer.from([VERSION]), id, iv]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([Buffer.from(`${label} v${VERSION}`), header]));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([header, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** What `sealValue` sealed under `label`, parsed, or why it cannot be opened. */
export function openValue(keys: SessionKeys, label: string, cookie: string | undefined): { value: unknown } | { problem: string } {
  if (!cookie) return { problem: SESSION_PROBLEMS.missing };
  if (cookie.length > MAX_COOKIE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cookie)) return { problem: SESSION_PROBLEMS.damaged };
  const bytes = Buffer.from(cookie, 'base64url');
  if (bytes.length < HEADER_BYTES + TAG_BYTES + 2 || bytes[0] !== VERSION) return { problem: SESSION_PROBLEMS.damaged };
  const header = bytes.subarray(0, HEADER_BYTES);
  const id = header.subarray(1, 9);
  const key = keys.all.find((candidate) => candidate.id.equals(id));
  if (!key) return { problem: SESSION_PROBLEMS.unknownKey };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, header.subarray(9), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([Buffer.from(`${label} v${VERSION}`), header]));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const text = Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { problem: SESSION_PROBLEMS.damaged };
  }
}

function parse(value: unknown): Session | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { u, c, e, p, s } = value as { u?: unknown; c?: unknown; e?: unknown; p?: unknown; s?: unknown };
  if (typeof u !== 'string' || typeof c !== 'string' || typeof e !== 'number' || (p !== undefined && typeof p !== 'string')) return undefined;
  const sso = s === undefined ? undefined : parseSso(s);
  if (s !== undefined && !sso) return undefined;
  return { user: u, csrf: c, expiresAt: e, ...(p !== undefined ? { password: p } : {}), ...(sso ? { sso } : {}) };
}

function parseSso(value: unknown): SsoIdentity | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { g, n, m } = value as { g?: unknown; n?: unknown; m?: unknown };
  if (!Array.isArray(g) || !g.every((group) => typeof group === 'string')) return undefined;
  if ((n !== undefined && typeof n !== 'string') || (m !== undefined && typeof m !== 'string')) return undefined;
  return { groups: g as string[], ...(n !== undefined ? { name: n } : {}), ...(m !== undefined ? { email: m } : {}) };
}

/** Constant-time comparison of the token a request sent with the session's. */
export function csrfMatches(session: Session, sent: string | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
