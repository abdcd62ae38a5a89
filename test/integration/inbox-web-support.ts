/**
 * The web inbox for tests: `serve` started in-process against a test environment, its service key
 * listed under the test approvers (so their answers from the inbox are proven), headless Chromium
 * (Debian's package), and a fetch client that keeps the session cookie like a browser.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { LinkSigner } from '../../src/notify/links.js';
import { ServiceSigner } from '../../src/server/service-key.js';
import { startInboxServer, type InboxServer } from '../../src/server/start.js';
import type { InboxAppOptions } from '../../src/server/app.js';
import { approverFiles, PEOPLE } from '../support/approvers.js';
import type { TestEnv } from '../support/env.js';
import { CLIENT, TSX } from './cli-support.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM) || Boolean(process.env.CI);

export const LINK_SECRET = randomBytes(32).toString('hex');
export const links = new LinkSigner(LINK_SECRET);

export interface TestInbox extends InboxServer {
  signer: ServiceSigner;
}

/** The inbox on a free loopback port; the service key is listed under every test person. */
export async function startTestInbox(env: TestEnv, options: Partial<InboxAppOptions> & { host?: string } = {}): Promise<TestInbox> {
  const { signer } = ServiceSigner.load(path.join(mkdtempSync(path.join(tmpdir(), 'inbox-key-')), 'service.json'));
  signer.register(approverFiles().approvers, PEOPLE.filter((person) => person !== 'mallory'));
  const server = await startInboxServer({ agents: env.agents, signer, links, host: '127.0.0.1', port: 0, pollMs: 300, ...options });
  return { ...server, signer };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** fetch with a cookie jar of one session, and the CSRF token once known. */
export class SessionClient {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}

  async request(route: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${this.base}${route}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON (a page)
    }
    return { status: response.status, headers: response.headers, json, text };
  }

  /** Signs in (dev user: just asks for the session). */
  async start(signIn?: { name: string; password: string }) {
    const answer = signIn ? await this.request('/api/signin', { body: signIn }) : await this.request('/api/session');
    if (typeof answer.json.csrf === 'string') this.csrf = answer.json.csrf;
    return answer;
  }
}

/** `hitl serve` as a process of its own (the real CLI), listening once it printed its address. */
export interface ServeProcess {
  url: string;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startServeProcess(args: string[], childEnv: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', TSX, CLIENT, 'serve', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!(url = /approval inbox: (http\S+)/.exec(output)?.[1])) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve ${child.exitCode !== null ? `exited (${child.exitCode})` : 'did not listen in time'}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    output: () => output,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
