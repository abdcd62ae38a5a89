/**
 * Signed-in sessions, in memory: a random id in an HttpOnly, Secure, SameSite=Strict cookie, and
 * per session a CSRF token that every action must send back in the `x-csrf-token` header.
 * Restarting the service signs everyone out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  user: string;
  csrf: string;
  expiresAt: number;
}

export const SESSION_COOKIE = '__Host-hitl-session';

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly lifetimeMs = 12 * 3_600_000) {}

  create(user: string, now = Date.now()): Session {
    this.prune(now);
    const session: Session = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(32).toString('base64url'), expiresAt: now + this.lifetimeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get maxAgeSeconds(): number {
    return Math.floor(this.lifetimeMs / 1000);
  }

  private prune(now: number): void {
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Constant-time comparison of the token a request sent with the session's. */
export function csrfMatches(session: Session, sent: string | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
