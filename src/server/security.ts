/**
 * The web inbox's defences, as hono middleware: security headers with a strict content security
 * policy (scripts and styles from this origin only, no inline code, Trusted Types so no string can
 * become markup), and a same-origin check on every request that can change anything.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ["'none'"],
};

export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({ contentSecurityPolicy: CONTENT_SECURITY_POLICY, referrerPolicy: 'no-referrer', crossOriginEmbedderPolicy: false });
}

/**
 * Refuses a state-changing request from another site: a browser names the page's origin in
 * `Origin` and says `Sec-Fetch-Site`; either one pointing elsewhere is refused. (Requests without
 * both come from scripts, not from a browser someone was lured into; they still need the
 * session's CSRF token for any action.)
 */
export function sameOriginOnly(publicOrigin: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const own = publicOrigin ?? new URL(c.req.url).origin;
    if ((origin !== undefined && origin !== own) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      return c.json({ error: 'cross-site request refused' }, 403);
    }
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) return c.json({ error: 'send JSON (content-type: application/json)' }, 415);
    return next();
  };
}
