/**
 * The single sign-on routes, server-rendered (the inbox page's own script knows only passwords):
 *
 *   GET /auth/login?return=PATH   a new sign-in: the sealed pending cookie, then the provider
 *   GET /auth/callback            the provider's answer: checked, a session cookie, back to PATH
 *   GET /auth/signed-out          where the provider's logout comes back to
 *
 * and the guard of the inbox's pages: without a session they send the browser to sign in. After
 * "Sign out" (a marker cookie says so) the next page goes to the provider's logout instead, so
 * that the provider's own session does not sign the person straight back in.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { OidcSignedIn, OidcSignIn } from './oidc.js';
import { openPending, PENDING_LIFETIME_MS, safeReturnPath, sealPending } from './oidc-pending.js';
import type { SessionKeys } from './sessions.js';

export interface OidcRouteDeps {
  oidc: OidcSignIn;
  keys: SessionKeys;
  /** Sets the session cookie for the person who signed in. */
  startSession(c: Context, signedIn: OidcSignedIn): void;
  /** Whether the request carries a session that still counts. */
  signedIn(c: Context): boolean;
}

const PENDING = 'hitl-oidc-pending';
const SIGNED_OUT = 'hitl-signed-out';
// Lax, not Strict: the provider's redirect back to the callback is a navigation from another site.
const LAX = { path: '/', secure: true, httpOnly: true, sameSite: 'Lax', prefix: 'host' } as const;

export function oidcRoutes(deps: OidcRouteDeps): Hono {
  const routes = new Hono();

  routes.get('/login', async (c) => {
    const { url, pending } = await deps.oidc.begin(safeReturnPath(c.req.query('return')));
    setCookie(c, PENDING, sealPending(deps.keys, pending), { ...LAX, maxAge: PENDING_LIFETIME_MS / 1000 });
    deleteCookie(c, SIGNED_OUT, { path: '/', secure: true, prefix: 'host' });
    return c.redirect(url.href, 302);
  });

  routes.get('/callback', async (c) => {
    const opened = openPending(deps.keys, getCookie(c, PENDING, 'host'));
    // One use: whatever happens next, this sign-in is over.
    deleteCookie(c, PENDING, { path: '/', secure: true, prefix: 'host' });
    if ('problem' in opened) return refusedPage(c, opened.problem);
    const providerError = c.req.query('error');
    if (providerError !== undefined) return refusedPage(c, `the identity provider said: ${providerError}${c.req.query('error_description') ? ` (${c.req.query('error_description')})` : ''}`);
    let signedIn: OidcSignedIn;
    try {
      signedIn = await deps.oidc.finish(new URL(c.req.url), opened.pending);
    } catch (error) {
      return refusedPage(c, (error as Error).message);
    }
    deps.startSession(c, signedIn);
    // A page that moves on by itself rather than a redirect: the next request is then same-site, so the SameSite=Strict session cookie goes with it.
    return page(c, 'Signed in', `<p>Signed in as ${escapeHtml(signedIn.identity.name ?? signedIn.user)}.</p><p><a href="${escapeHtml(opened.pending.returnTo)}">Continue to the inbox</a></p>`, 200, opened.pending.returnTo);
  });

  routes.get('/signed-out', (c) => page(c, 'Signed out', '<p>You signed out of the approval inbox.</p><p><a href="/auth/login">Sign in again</a></p>'));

  return routes;
}

/** For the inbox's pages: a browser without a session signs in first (or, just after signing out, signs out of the provider). */
export function signInFirst(deps: OidcRouteDeps): MiddlewareHandler {
  return async (c, next) => {
    if (deps.signedIn(c)) return next();
    const here = safeReturnPath(`${c.req.path}${new URL(c.req.url).search}`);
    if (getCookie(c, SIGNED_OUT, 'host') !== undefined) {
      deleteCookie(c, SIGNED_OUT, { path: '/', secure: true, prefix: 'host' });
      return c.redirect(deps.oidc.logoutUrl()?.href ?? '/auth/signed-out', 302);
    }
    // Arriving from another site (a link in an email), the Strict session cookie was not sent: ask again from here before signing in anew.
    const site = c.req.header('sec-fetch-site');
    if ((site === 'cross-site' || site === 'same-site') && c.req.query('signin') === undefined) {
      const again = new URL(here, 'http://inbox');
      again.searchParams.set('signin', '1');
      return page(c, 'Opening the inbox', `<p><a href="${escapeHtml(again.pathname + again.search)}">Open the inbox</a></p>`, 200, again.pathname + again.search);
    }
    return c.redirect(`/auth/login?return=${encodeURIComponent(here)}`, 302);
  };
}

/** Called on sign-out: the next page the browser opens goes through the provider's logout. */
export function markSignedOut(c: Context): void {
  setCookie(c, SIGNED_OUT, '1', { ...LAX, maxAge: 300 });
}

function refusedPage(c: Context, problem: string) {
  return page(c, 'Sign-in refused', `<p class="error">${escapeHtml(problem)}</p><p><a href="/auth/login">Sign in again</a></p>`, 400);
}

function page(c: Context, title: string, body: string, status: 200 | 400 = 200, refreshTo?: string) {
  const refresh = refreshTo !== undefined ? `<meta http-equiv="refresh" content="0;url=${escapeHtml(refreshTo)}">` : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · approval inbox</title>${refresh}<link rel="stylesheet" href="/assets/style.css"></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return c.html(html, status, { 'cache-control': 'no-store' });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
