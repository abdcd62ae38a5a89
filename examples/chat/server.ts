/**
 * The chat's server (Hono): the page built by build.ts, and the chat handler that turns useChat's
 * requests into durable runs and their answers. Run it beside the worker:
 *
 *   npx tsx examples/chat/server.ts          # builds the page, serves http://localhost:3000
 *
 * Who is signed in decides who answers: the handler signs each approval with the service key as
 * that person. Here a `chat_user` cookie names them (`/signin?as=alice` sets it), else CHAT_USER,
 * else your login name: fine on your own machine, nowhere else. Behind real sign-in, pass your own
 * `user(request)`.
 *
 * In your project, import from `durable-hitl-agents/client` (here: this repository's source).
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { AgentClient, chatHandler, connectClient, ServiceSigner } from '../../src/entries/client.js';
import { CHAT_AGENT } from './agents.js';
import { buildChatPage, DEFAULT_OUTDIR } from './build.js';
import { CHAT_TASK_QUEUE } from './worker.js';

export interface ChatAppOptions {
  agents: AgentClient;
  signer: ServiceSigner;
  /** Where build.ts put the page. */
  publicDir: string;
  /** Who is signed in; default: the `chat_user` cookie. */
  user?(request: Request): string | undefined;
}

/** The person the `chat_user` cookie names (set by /signin?as=<name>). */
export function cookieUser(request: Request): string | undefined {
  const named = /(?:^|;\s*)chat_user=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
  return named ? decodeURIComponent(named) : undefined;
}

export function createChatApp(options: ChatAppOptions): Hono {
  const app = new Hono();
  const user = options.user ?? cookieUser;
  const chat = chatHandler({ agents: options.agents, agent: CHAT_AGENT, signer: options.signer, user });
  // useChat's POST (messages, approvals) and its resume (GET <api>/<chat id>/stream).
  app.post('/api/chat', (c) => chat(c.req.raw));
  app.get('/api/chat/:id/stream', (c) => chat(c.req.raw));
  app.get('/api/me', (c) => c.json({ user: user(c.req.raw) ?? null }));
  app.get('/signin', (c) => {
    const name = c.req.query('as')?.trim();
    if (!name || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) return c.text('sign in with /signin?as=<name>', 400);
    setCookie(c, 'chat_user', name, { path: '/', httpOnly: true, sameSite: 'Strict' });
    return c.redirect('/');
  });
  const page = readFileSync(path.join(options.publicDir, 'index.html'), 'utf8');
  const script = readFileSync(path.join(options.publicDir, 'app.js'));
  app.get('/', (c) => c.html(page));
  app.get('/app.js', (c) => c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  return app;
}

async function main(): Promise<void> {
  await buildChatPage(DEFAULT_OUTDIR);
  const agents = new AgentClient(await connectClient(), CHAT_TASK_QUEUE);
  const { signer, created, file } = ServiceSigner.load();
  if (created) console.log(`made the service key ${file}`);
  const fallback = process.env['CHAT_USER'] || userInfo().username;
  const app = createChatApp({
    agents,
    signer,
    publicDir: DEFAULT_OUTDIR,
    user: (request) => cookieUser(request) ?? fallback,
  });
  const port = Number(process.env['PORT'] ?? 3000);
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => console.log(`refund chat on http://localhost:${port} (signed in as ${fallback} unless /signin?as=<name>)`));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
