/**
 * The web approval inbox (hono): a static page and its script, and a JSON API behind sign-in.
 *
 *   GET  /, /runs/:id, /runs/:id/questions/:question, /links/:token, /signin
 *                                the page (public/index.html; public/app.js builds the DOM)
 *   GET  /api/session            who is signed in, and the CSRF token for actions
 *   POST /api/signin, /api/signout   the session is the sealed cookie itself (sessions.ts): no state here
 *   GET  /api/inbox              every pending question across runs; with any of agent, session, mine=1,
 *                                overdue=1, pageSize, page, details=0: one page of runs
 *                                ({ items, runs, listed, unread, nextPageToken }; details=0: visibility alone, no items)
 *   GET  /api/events             the same, pushed as server-sent events when it changes
 *   GET  /api/runs/:id           a run's status and audit (answers, decisions); questions in web words, with `offersTrust`
 *   GET  /api/runs/:id/timeline  its prompt, final result and timeline (questions, answers, tool calls)
 *   POST /api/runs/:id/answer    approve / deny (reason) / trust / edit, signed as the person
 *   GET  /api/links/:token       what a one-click link would answer (no side effect)
 *   POST /api/links/:token/confirm   give that answer (once: the run takes one answer per question)
 *   POST /codec/encode, /codec/decode   Temporal's codec server protocol (src/codec), signed in or dev mode
 *   GET  /auth/login, /auth/callback, /auth/signed-out   single sign-on (oidc-routes.ts), when configured
 *   GET  /healthz, /readyz       liveness and readiness probes (health.ts), open
 */
import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { InterruptResponse } from '../agent/interrupts.js';
import { codecEndpoint } from '../codec/endpoint.js';
import type { LinkSigner } from '../notify/links.js';
import { AgentClientError, type AgentClient } from '../sdk/agent-client.js';
import { canonicalJson } from '../agent/canonical-json.js';
import type { RunStatus } from '../workflows/messages.js';
import { answerFor } from './answers.js';
import { healthRoutes } from './health.js';
import { InboxFeed } from './inbox-feed.js';
import { readRunView } from './run-view.js';
import { forWeb, offersTrust, webRunEvent } from './web-question.js';
import { RateLimiter } from './rate-limit.js';
import { sameOriginOnly, securityHeaders } from './security.js';
import type { ServiceSigner } from './service-key.js';
import { csrfMatches, passwordFingerprint, SESSION_PROBLEMS, SessionSealer, sessionKeys, type Session, type SessionKeys } from './sessions.js';
import { UsedLinks } from './used-links.js';
import { signIn, storedPassword } from './users.js';
import type { OidcSignedIn, OidcSignIn } from './oidc.js';
import { markSignedOut, oidcRoutes, signInFirst } from './oidc-routes.js';

export interface InboxAppOptions {
  agents: AgentClient;
  /** Signs every answer as the signed-in person (see service-key.ts). */
  signer: ServiceSigner;
  /** People and password hashes (users.ts); required unless `devUser` or `oidc`. */
  usersFile?: string;
  /** Single sign-on through an OIDC provider (oidc.ts), discovered already; instead of `usersFile`. */
  oidc?: OidcSignIn;
  /** Development only: every browser is signed in as this person. */
  devUser?: string;
  /** Verifies one-click links (the secret shared with the workers' NOTIFY_LINK_SECRET). */
  links?: LinkSigner;
  /** The origin browsers use (behind a proxy); default: the request's own. */
  publicOrigin?: string;
  signInLimit?: { max: number; windowMs: number };
  /** Seal the session cookies (INBOX_SESSION_KEY, INBOX_SESSION_OLD_KEYS); default: a key derived from the service key. Replicas must share them. */
  sessionKeys?: SessionKeys;
  /** How long a sign-in lasts (INBOX_SESSION_TTL), default 12 hours. */
  sessionLifetimeMs?: number;
  pollMs?: number;
}

type Env = { Variables: { session: Session } };

const COOKIE = 'hitl-session';
/** How often a run's event stream says it is still there while nothing happens. */
const SSE_KEEPALIVE_MS = 20_000;
const PAGE_PATHS = ['/', '/signin', '/runs/:id', '/runs/:id/questions/:question', '/links/:token'];

function asset(name: string): string {
  return readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
}

export function createInboxApp(options: InboxAppOptions) {
  const { agents, signer } = options;
  const keys = options.sessionKeys ?? sessionKeys(signer.sessionKey());
  const sessions = new SessionSealer(keys, options.sessionLifetimeMs);
  const { oidc } = options;
  const feed = new InboxFeed(agents.client, options.pollMs);
  const signIns = new RateLimiter(options.signInLimit?.max ?? 10, options.signInLimit?.windowMs ?? 60_000);
  // Only a fast path for two clicks on this replica at once: any replica refuses a link whose question is answered (the run took the answer).
  const usedLinks = new UsedLinks();
  const files = { html: asset('index.html'), js: asset('app.js'), css: asset('style.css') };
  const app = new Hono<Env>();

  // Shutting down (start.ts): the event streams end, so that browsers reconnect (to another
  // instance), and every answer closes its connection instead of keeping it for the next request.
  const closing = new AbortController();
  const whenClosing = new Promise<void>((resolve) => closing.signal.addEventListener('abort', () => resolve(), { once: true }));
  let openStreams = 0;
  app.use('*', async (c, next) => {
    if (closing.signal.aborted) c.header('connection', 'close');
    return next();
  });

  // Temporal's codec server protocol for the Web UI and the CLI (src/codec): cross-origin, so it comes before the same-origin check.
  app.route('/codec', codecEndpoint((c) => options.devUser !== undefined || 'session' in currentSession(c as Context<Env>)));

  app.use('*', securityHeaders());
  app.route('/', healthRoutes(options.agents.client, closing.signal));
  app.use('*', sameOriginOnly(options.publicOrigin));
  // The rest of a refused body is never read: the connection is closed after the answer.
  app.use('/api/*', bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.json({ error: 'request too large' }, 413, { connection: 'close' }) }));

  const sso = oidc ? { oidc, keys, startSession: (c: Context, signedIn: OidcSignedIn) => void startSsoSession(c as Context<Env>, signedIn), signedIn: (c: Context) => 'session' in currentSession(c as Context<Env>) } : undefined;
  if (sso) app.route('/auth', oidcRoutes(sso));
  for (const path of PAGE_PATHS) {
    if (sso) app.get(path, signInFirst(sso));
    app.get(path, (c) => c.html(files.html, 200, { 'cache-control': 'no-store' }));
  }
  app.get('/assets/app.js', (c) => c.body(files.js, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/style.css', (c) => c.body(files.css, 200, { 'content-type': 'text/css; charset=utf-8' }));

  const startSession = (c: Context<Env>, user: string, passwordHash?: string) => {
    const { session, cookie } = sessions.create(user, passwordHash !== undefined ? passwordFingerprint(passwordHash) : undefined);
    setCookie(c, COOKIE, cookie, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: sessions.maxAgeSeconds, prefix: 'host' });
    return session;
  };
  /** A single sign-on session: it ends no later than the provider's tokens. */
  const startSsoSession = (c: Context<Env>, signedIn: OidcSignedIn) => {
    const now = Date.now();
    const { session, cookie } = sessions.create(signedIn.user, undefined, now, { identity: signedIn.identity, notAfter: signedIn.notAfter });
    const maxAge = Math.max(1, Math.floor((session.expiresAt - now) / 1000));
    setCookie(c, COOKIE, cookie, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge, prefix: 'host' });
    return session;
  };
  /** The session the cookie carries, or why there is none. With a users file, only while the person is in it with the password they signed in with. */
  const currentSession = (c: Context<Env>): { session: Session } | { problem: string } => {
    const opened = sessions.open(getCookie(c, COOKIE, 'host'));
    if (!('session' in opened)) return opened;
    const { session } = opened;
    if (options.devUser !== undefined) return session.user === options.devUser && session.password === undefined && !session.sso ? opened : { problem: SESSION_PROBLEMS.damaged };
    if (session.sso) return oidc?.issued(session.user) ? opened : { problem: 'your sign-in came from an identity provider this inbox does not use now: sign in again' };
    const stored = options.usersFile !== undefined && session.password !== undefined ? storedPassword(options.usersFile, session.user) : undefined;
    if (stored === undefined || passwordFingerprint(stored) !== session.password) return { problem: 'your sign-in ended (your password changed, or your name left the users file): sign in again' };
    return opened;
  };
  /** 401 with why; a cookie that cannot be used any more is cleared. */
  const refused = (c: Context<Env>, problem: string) => {
    if (problem !== SESSION_PROBLEMS.missing) deleteCookie(c, COOKIE, { path: '/', secure: true, prefix: 'host' });
    // With single sign-on, where to sign in again (a page that finds its session gone can go there).
    return c.json({ error: problem, ...(oidc ? { signIn: '/auth/login' } : {}) }, 401);
  };

  app.get('/api/session', (c) => {
    const current = currentSession(c);
    if (!('session' in current) && options.devUser === undefined) return refused(c, current.problem);
    const session = 'session' in current ? current.session : startSession(c, options.devUser!);
    const sso = session.sso && oidc ? { sso: true, name: session.sso.name, email: session.sso.email, groups: session.sso.groups, mayAnswer: oidc.mayAnswer(session.sso) } : {};
    return c.json({ user: session.user, csrf: session.csrf, dev: options.devUser !== undefined, links: options.links !== undefined, expiresAt: new Date(session.expiresAt).toISOString(), ...sso });
  });

  app.post('/api/signin', async (c) => {
    const client = getConnInfo(c).remote.address ?? 'unknown';
    const wait = signIns.hit(client);
    if (wait > 0) return c.json({ error: `too many sign-in attempts; try again in ${Math.ceil(wait / 1000)} s` }, 429, { 'retry-after': String(Math.ceil(wait / 1000)) });
    if (options.devUser !== undefined) return c.json({ error: `this inbox signs everyone in as ${options.devUser} (--dev-user)` }, 400);
    if (oidc) return c.json({ error: 'this inbox signs people in through their identity provider: open /auth/login' }, 400);
    const { name, password } = ((await c.req.json().catch(() => ({}))) ?? {}) as { name?: unknown; password?: unknown };
    if (typeof name !== 'string' || typeof password !== 'string' || name.length > 200 || password.length > 1000) return c.json({ error: 'give a name and a password' }, 400);
    const stored = options.usersFile ? await signIn(options.usersFile, name, password) : undefined;
    if (stored === undefined) return c.json({ error: 'wrong name or password' }, 401);
    const session = startSession(c, name, stored);
    return c.json({ user: session.user, csrf: session.csrf });
  });

  // Everything below needs a session; every POST below needs its CSRF token too.
  const api = new Hono<Env>();
  api.use('*', async (c, next) => {
    const current = currentSession(c);
    if (!('session' in current)) return refused(c, current.problem);
    const { session } = current;
    if (c.req.method !== 'GET' && !csrfMatches(session, c.req.header('x-csrf-token'))) return c.json({ error: 'missing or wrong CSRF token; reload the page' }, 403);
    c.set('session', session);
    return next();
  });

  // Stateless: the cookie is cleared (a copy of it stays valid until it expires; see sessions.ts).
  api.post('/signout', (c) => {
    deleteCookie(c, COOKIE, { path: '/', secure: true, prefix: 'host' });
    if (!oidc) return c.json({ signedOut: true });
    // The next page goes through the provider's logout (oidc-routes.ts); a script may go there itself.
    markSignedOut(c);
    return c.json({ signedOut: true, logoutUrl: oidc.logoutUrl()?.href ?? '/auth/signed-out' });
  });

  api.get('/inbox', async (c) => {
    const query = c.req.query();
    const paged = ['agent', 'session', 'mine', 'overdue', 'pageSize', 'page', 'details'].some((name) => query[name] !== undefined);
    const pageSize = query.pageSize !== undefined ? Number(query.pageSize) : undefined;
    const flag = (name: string) => query[name] !== undefined && query[name] !== '0' && query[name] !== 'false';
    if (!paged) return clientErrors(c, async () => c.json(await feed.read()), 'cannot list the waiting runs (a namespace without the agent search attributes needs `setup` first)');
    return clientErrors(
      c,
      async () => {
        const page = await feed
          .page({
            ...(query.agent ? { agent: query.agent } : {}),
            ...(query.session ? { sessionId: query.session } : {}),
            ...(flag('mine') ? { mine: c.get('session').user } : {}),
            ...(flag('overdue') ? { overdue: true } : {}),
            ...(pageSize !== undefined ? { pageSize } : {}),
            ...(query.page ? { pageToken: query.page } : {}),
            ...(query.details === '0' || query.details === 'false' ? { details: false } : {}),
          })
          .catch((error: unknown) => (error instanceof TypeError ? error : Promise.reject(error)));
        return page instanceof TypeError ? c.json({ error: page.message }, 400) : c.json(page);
      },
      'cannot list the waiting runs (a namespace without the agent search attributes needs `setup` first)',
    );
  });

  api.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      openStreams++;
      const unsubscribe = feed.subscribe((entries) => void stream.writeSSE({ event: 'inbox', data: JSON.stringify(entries) }).catch(() => undefined));
      stream.onAbort(unsubscribe);
      try {
        while (!stream.aborted && !closing.signal.aborted) {
          await Promise.race([stream.sleep(15_000), whenClosing]);
          if (!stream.aborted && !closing.signal.aborted) await stream.writeSSE({ event: 'ping', data: '' }).catch(() => undefined);
        }
      } finally {
        unsubscribe();
        openStreams--;
      }
    }),
  );

  api.get('/runs/:id', async (c) => clientErrors(c, async () => c.json(webStatus(await agents.status(c.req.param('id'))))));

  api.get('/runs/:id/timeline', async (c) => clientErrors(c, async () => c.json(await readRunView(agents, c.req.param('id')))));

  // The run as it happens (its stream, AgentClient.stream), as server-sent events: `id` is the event's
  // offset, so a browser that reconnects (Last-Event-ID) or a page given ?from=N resumes with nothing
  // lost or twice. A comment every 20 s keeps proxies from closing a stream that waits for a person.
  api.get('/runs/:id/events', (c) =>
    clientErrors(c, async () => {
      const runId = c.req.param('id');
      await agents.ended(runId);
      const reconnect = c.req.header('last-event-id');
      const seen = Number(reconnect ?? c.req.query('from') ?? Number.NaN);
      const from = Number.isSafeInteger(seen) && seen >= 0 ? seen + (reconnect !== undefined ? 1 : 0) : 0;
      return streamSSE(c, async (stream) => {
        openStreams++;
        const keepAlive = setInterval(() => void stream.write(': still here\n\n').catch(() => undefined), SSE_KEEPALIVE_MS);
        const events = agents.stream(runId, { from });
        stream.onAbort(() => void events.return(undefined));
        const closed = whenClosing.then(() => ({ done: true, value: undefined }) as const);
        try {
          // Ends when the run's stream does, or at once when the inbox shuts down (the browser reconnects with Last-Event-ID).
          for (let next = await Promise.race([events.next(), closed]); !next.done; next = await Promise.race([events.next(), closed])) {
            const { offset, event } = next.value;
            await stream.writeSSE({ id: String(offset), event: 'run', data: JSON.stringify(webRunEvent(event)) });
          }
        } catch (error) {
          await stream.writeSSE({ event: 'failed', data: JSON.stringify({ error: oneLine(error) }) }).catch(() => undefined);
        } finally {
          clearInterval(keepAlive);
          // As `for await` would: the run's reader is let go (queued behind a read still waiting, when the inbox shuts down).
          void events.return(undefined).catch(() => undefined);
          openStreams--;
        }
      });
    }),
  );

  /** A single sign-on person outside the approver groups may read the inbox but answer nothing (403). */
  const notAnApprover = (c: Context<Env>) => {
    const { user, sso } = c.get('session');
    if (!sso || oidc?.mayAnswer(sso)) return undefined;
    const groups = oidc?.settings.approverGroups;
    return c.json({ error: `${user} is in none of this inbox's approver groups (${Array.isArray(groups) ? groups.join(', ') : ''}), so may not answer here` }, 403);
  };

  /** Gives `unsigned` (bound to the question as the page showed it) in the run that asks it, signed there as the person. */
  const answer = (c: Context<Env>, runId: string, unsigned: InterruptResponse) =>
    clientErrors(c, async () => {
      if (unsigned.binding === undefined) return c.json({ error: 'the page did not say which question it showed (no binding); reload it and answer what it shows' }, 400);
      const refusal = notAnApprover(c);
      if (refusal) return refusal;
      const { user } = c.get('session');
      const status = await agents.answer(runId, [unsigned], (target, bound) => signer.sign(target, user, bound));
      void feed.refresh().catch(() => undefined);
      return c.json({ status });
    });

  api.post('/runs/:id/answer', async (c) => {
    const request = await c.req.json().catch(() => undefined);
    const checked = answerFor(request);
    if (typeof checked === 'string') return c.json({ error: checked }, 400);
    const runId = c.req.param('id');
    return clientErrors(c, async () => {
      // The question's accepted answers decide the form (words, or the approval policy's objects).
      const status = await agents.status(runId);
      const asked = status.pending.find((pending) => pending.id === checked.interruptId);
      // "Trust always" is offered only where a session remembers it (web-question.ts); the page shows no button elsewhere.
      if (asked && (request as { action?: unknown }).action === 'trust' && !offersTrust(asked, status.sessionId)) {
        return c.json({ error: status.sessionId === undefined ? 'this run belongs to no session, so nothing would remember a trust: approve instead' : 'this question cannot be answered with trust: approve instead' }, 400);
      }
      const unsigned = asked?.accepts ? answerFor(request, asked.accepts) : checked;
      if (typeof unsigned === 'string') return c.json({ error: unsigned }, 400);
      return answer(c, runId, unsigned);
    });
  });

  const openLink = async (c: Context<Env>) => {
    if (!options.links) return { problem: 'one-click links are not enabled on this inbox (NOTIFY_LINK_SECRET)', status: 404 as const };
    const verified = options.links.verify(c.req.param('token') ?? '');
    if ('problem' in verified) return { problem: verified.problem, status: 400 as const };
    const { claims } = verified;
    if (usedLinks.has(claims.linkId)) return { problem: 'this link was used already', status: 410 as const };
    const status = await agents.status(claims.runId);
    const interrupt = status.pending.find((pending) => pending.id === claims.interruptId);
    if (!interrupt) return { problem: notWaiting(status, claims.interruptId), status: 410 as const };
    // A link confirms the question it was made for: not one asked again (another execution, another call) under the same id.
    if (claims.binding && interrupt.binding && canonicalJson({ ...claims.binding }) !== canonicalJson({ ...interrupt.binding })) {
      return { problem: 'this link was made for another question under this id (the run was started again, or the call changed): answer from the inbox instead', status: 410 as const };
    }
    return { claims, interrupt, agent: status.agent, sessionId: status.sessionId };
  };

  api.get('/links/:token', async (c) =>
    clientErrors(c, async () => {
      const link = await openLink(c);
      if ('problem' in link) return c.json({ error: link.problem }, link.status);
      return c.json({ action: link.claims.action, runId: link.claims.runId, agent: link.agent, interrupt: forWeb(link.interrupt, link.sessionId), expiresAt: new Date(link.claims.expiresAt).toISOString() });
    }),
  );

  api.post('/links/:token/confirm', async (c) =>
    clientErrors(c, async () => {
      const link = await openLink(c);
      if ('problem' in link) return c.json({ error: link.problem }, link.status);
      const { reason, binding } = ((await c.req.json().catch(() => ({}))) ?? {}) as { reason?: unknown; binding?: unknown };
      // Bound to what the confirm page showed; the link's own binding, where it has one, was checked against the question above.
      const unsigned = answerFor({ interruptId: link.claims.interruptId, action: link.claims.action, binding, ...(typeof reason === 'string' ? { reason } : {}) }, link.interrupt.accepts);
      if (typeof unsigned === 'string') return c.json({ error: unsigned }, 400);
      const refusal = notAnApprover(c);
      if (refusal) return refusal;
      // Claimed before answering: two clicks at once on this replica cannot both answer. On two
      // replicas at once, the run takes one answer and refuses the other, which is told as here.
      if (!usedLinks.claim(link.claims.linkId, link.claims.expiresAt)) return c.json({ error: 'this link was used already' }, 410);
      const response = await answer(c, link.claims.runId, unsigned);
      if (response.status !== 409) return response;
      const now = await agents.status(link.claims.runId).catch(() => undefined);
      return now && !now.pending.some((pending) => pending.id === link.claims.interruptId) ? c.json({ error: notWaiting(now, link.claims.interruptId) }, 410) : response;
    }),
  );

  app.route('/api', api);
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((error, c) => c.json({ error: `the inbox failed: ${oneLine(error)}` }, 500));
  /** Shutting down: ends every event stream (returns how many were open); later answers close their connections. */
  const endStreams = (): number => {
    closing.abort();
    return openStreams;
  };
  return { app, feed, endStreams };
}

/** Why a link's question takes no answer: who answered it and when (a link answers once, through any replica), or that the run ended. */
function notWaiting(status: RunStatus, interruptId: string): string {
  const given = status.answered.filter((answered) => answered.interruptId === interruptId).at(-1);
  if (given) return `this question is not waiting any more: it was answered${given.respondedBy ? ` by ${given.respondedBy}` : ''} at ${given.answeredAt}, and a link answers once`;
  const ended = status.status === 'completed' || status.status === 'failed' || status.status === 'cancelled';
  return `this question is not waiting any more${ended ? ` (the run ${status.status === 'cancelled' ? 'was cancelled' : status.status === 'failed' ? 'failed' : 'ended'})` : ''}: this link answers nothing now`;
}

/** A run's status for the page: every question (waiting or answered) in web words, with whether trust is offered. */
function webStatus(status: RunStatus) {
  return {
    ...status,
    pending: status.pending.map((interrupt) => forWeb(interrupt, status.sessionId)),
    answered: status.answered.map((answer) => ({ ...answer, interrupt: forWeb(answer.interrupt, status.sessionId) })),
  };
}

/** The client's refusals as 4xx with their message; Temporal trouble as 502. */
async function clientErrors(c: Context<Env>, body: () => Promise<Response>, trouble = 'Temporal did not answer'): Promise<Response> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof AgentClientError) return c.json({ error: error.message }, /^no run with id/.test(error.message) ? 404 : 409);
    return c.json({ error: `${trouble}: ${oneLine(error)}` }, 502);
  }
}

function oneLine(error: unknown): string {
  const err = error as { details?: string; message?: string; cause?: { details?: string; message?: string } };
  return String(err?.cause?.details || err?.details || err?.message || error).replace(/\s+/g, ' ').slice(0, 500);
}
