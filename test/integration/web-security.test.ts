/**
 * The web inbox's defences, each attacked: sign-in (hashed passwords, one message for every
 * failure, rate limit), cookies (HttpOnly, Secure, SameSite=Strict, __Host-), CSRF (no token, a
 * wrong token, another site's origin, a form post from another site's page in Chromium), the
 * content security policy (no inline script runs), forged / expired / reused links, `--dev-user`
 * off loopback, a question's own page and a run's timeline (served like every page, read only when
 * signed in), and, in the dev setup, a `temporal workflow update` that merely claims who answered.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { LinkSigner } from '../../src/notify/links.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { startInboxServer } from '../../src/server/start.js';
import { setUserPassword } from '../../src/server/users.js';
import { findTemporalCli } from '../../src/temporal/binaries.js';
import { TestEnv } from '../support/env.js';
import { chromiumAvailable, CHROMIUM, launchChromium, links, SessionClient, startTestInbox, type TestInbox } from './inbox-web-support.js';

const TEMPORAL = findTemporalCli();
let env: TestEnv;
let signedIn: TestInbox;
let dev: TestInbox;
let usersFile: string;
before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
  usersFile = path.join(mkdtempSync(path.join(tmpdir(), 'inbox-users-')), 'users.json');
  await setUserPassword(usersFile, 'bob', 'correct horse battery staple');
  signedIn = await startTestInbox(env, { usersFile, signInLimit: { max: 4, windowMs: 600_000 } });
  dev = await startTestInbox(env, { devUser: 'alice' });
});
after(async () => {
  await signedIn?.close();
  await dev?.close();
  await env?.teardown();
});

async function waitingRun(agent: string, label: string) {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: `finished ${label}` });
  const { workflowId } = await env.agents.start({ agent, prompt: `record ${label}`, model });
  const status = await env.untilPending(workflowId, 1);
  return { workflowId, interruptId: status.pending[0]!.id, binding: status.pending[0]!.binding };
}

test('sign-in: a wrong password and an unknown name get the same answer; the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict', async () => {
  const stranger = new SessionClient(signedIn.url);
  assert.equal((await stranger.request('/api/inbox')).status, 401, 'nothing without a session');
  const wrong = await stranger.start({ name: 'bob', password: 'wrong' });
  const unknown = await stranger.start({ name: 'nobody', password: 'wrong' });
  assert.deepEqual([wrong.status, wrong.json], [401, { error: 'wrong name or password' }]);
  assert.deepEqual([unknown.status, unknown.json], [401, { error: 'wrong name or password' }]);

  const bob = new SessionClient(signedIn.url);
  const ok = await bob.start({ name: 'bob', password: 'correct horse battery staple' });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.user, 'bob');
  const cookie = ok.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^__Host-hitl-session=[\w-]{40,};/);
  for (const attribute of [/; HttpOnly/i, /; Secure/i, /; SameSite=Strict/i, /; Path=\//, /; Max-Age=\d+/]) assert.match(cookie, attribute);
  assert.doesNotMatch(cookie, /Domain=/i);
  assert.equal((await bob.request('/api/inbox')).status, 200);
  const { status } = await bob.request('/api/signout', { body: {} });
  assert.equal(status, 200);
  assert.equal((await bob.request('/api/inbox')).status, 401, 'signed out');
});

test('sign-in is rate-limited per client: past the limit even the right password waits', async () => {
  const inbox = await startTestInbox(env, { usersFile, signInLimit: { max: 3, windowMs: 600_000 } });
  try {
    const client = new SessionClient(inbox.url);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await client.start({ name: 'bob', password: `guess-${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 401]);
    const limited = await client.start({ name: 'bob', password: 'correct horse battery staple' });
    assert.equal(limited.status, 429);
    assert.match(String(limited.json.error), /too many sign-in attempts; try again in \d+ s/);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  } finally {
    await inbox.close();
  }
});

test('CSRF: an answer without the token, with a wrong one, from another origin or as a form is refused; the run still waits', async () => {
  const run = await waitingRun('test-guarded', 'csrf-target');
  const bob = new SessionClient(signedIn.url);
  await bob.start({ name: 'bob', password: 'correct horse battery staple' });
  const route = `/api/runs/${run.workflowId}/answer`;
  const body = { interruptId: run.interruptId, action: 'approve', binding: run.binding };
  const token = bob.csrf;

  bob.csrf = '';
  assert.deepEqual(await bob.request(route, { body }).then((r) => [r.status, r.json.error]), [403, 'missing or wrong CSRF token; reload the page']);
  bob.csrf = `${token.slice(0, -2)}xx`;
  assert.equal((await bob.request(route, { body })).status, 403);
  bob.csrf = token;
  assert.deepEqual(await bob.request(route, { body, headers: { origin: 'https://evil.example' } }).then((r) => [r.status, r.json.error]), [403, 'cross-site request refused']);
  assert.equal((await bob.request(route, { body, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
  const form = await bob.request(route, { body: `interruptId=${encodeURIComponent(run.interruptId)}&action=approve`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
  assert.equal((await env.agents.status(run.workflowId)).status, 'waiting', 'none of them answered');

  const good = await bob.request(route, { body });
  assert.equal(good.status, 200, JSON.stringify(good.json));
  assert.equal((await env.agents.result(run.workflowId)).text, 'finished csrf-target');
});

/** A page on another origin that posts to the inbox as soon as it loads (a form, and a fetch with credentials). */
async function evilSite(target: string): Promise<{ url: string; server: Server }> {
  const page = `<!doctype html><html><body>
<form id="f" method="POST" action="${target}" enctype="text/plain"><input name='{"interruptId":"x","action":"approve","padding":"' value='"}'></form>
<script>
fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }).finally(() => document.getElementById('f').submit());
</script></body></html>`;
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return { url: `http://127.0.0.2:${(server.address() as AddressInfo).port}/`, server };
}

test('CSRF in a browser: a signed-in person visiting another site that posts to the inbox answers nothing', { skip: !chromiumAvailable && `no Chromium at ${CHROMIUM}` }, async () => {
  const run = await waitingRun('test-guarded', 'csrf-browser');
  const browser = await launchChromium();
  const evil = await evilSite(`${dev.url}/api/runs/${run.workflowId}/answer`);
  try {
    const page = await browser.newPage();
    await page.goto(dev.url);
    await page.locator('#who').getByText('alice (dev)').waitFor();
    const refused = page.waitForResponse((response) => response.url().endsWith('/answer') && response.request().method() === 'POST' && response.request().resourceType() === 'document');
    await page.goto(evil.url);
    const response = await refused;
    assert.ok([403, 415].includes(response.status()), `the form post was refused (${response.status()})`);
    assert.equal((await env.agents.status(run.workflowId)).status, 'waiting');
    assert.equal((await env.agents.status(run.workflowId)).answered.length, 0);
  } finally {
    await browser.close();
    evil.server.close();
    await env.agents.cancel(run.workflowId);
  }
});

test('the content security policy: scripts from the inbox only, no inline code, no framing; an injected inline script does not run', async (t) => {
  const page = await fetch(`${dev.url}/`);
  const csp = page.headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "require-trusted-types-for 'script'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
  if (!chromiumAvailable) return t.skip(`no Chromium at ${CHROMIUM}`);
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const violations: string[] = [];
    tab.on('console', (message) => violations.push(message.text()));
    await tab.goto(dev.url);
    await tab.locator('#who').getByText('alice (dev)').waitFor();
    // Run in the page, as a string: the page's own DOM, not this file's types.
    const outcome = (await tab.evaluate(`(() => {
      const results = [];
      try {
        const script = document.createElement('script');
        script.textContent = 'globalThis.__injected = true';
        document.body.append(script);
        results.push('appended');
      } catch (error) {
        results.push('script refused: ' + error.name);
      }
      try {
        document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="globalThis.__injected = true">');
        results.push('html inserted');
      } catch (error) {
        results.push('markup refused: ' + error.name);
      }
      return results;
    })()`)) as string[];
    await tab.waitForTimeout(200);
    assert.equal(await tab.evaluate(() => (globalThis as unknown as { __injected?: boolean }).__injected), undefined, `nothing injected ran (${outcome.join(', ')})`);
    assert.deepEqual(outcome, ['script refused: TypeError', 'markup refused: TypeError'], 'Trusted Types refuse strings as script or markup');
  } finally {
    await browser.close();
  }
});

test('links over the API: forged and expired links are refused, a used one is refused the second time; GET answers nothing', async () => {
  const run = await waitingRun('test-guarded', 'link-api');
  const alice = new SessionClient(dev.url);
  await alice.start();
  const forged = new LinkSigner(randomBytes(32).toString('hex')).sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'approve' }, 60_000);
  assert.equal((await alice.request(`/api/links/${forged}/confirm`, { body: {} })).status, 400);
  const expired = links.sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'approve' }, -1);
  assert.match(String((await alice.request(`/api/links/${expired}/confirm`, { body: {} })).json.error), /expired/);
  const good = links.sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'deny' }, 60_000);
  for (let i = 0; i < 3; i++) assert.equal((await alice.request(`/api/links/${good}`)).json.action, 'deny');
  assert.equal((await env.agents.status(run.workflowId)).status, 'waiting', 'opening a link three times answered nothing');
  const confirmed = await alice.request(`/api/links/${good}/confirm`, { body: { reason: 'by link', binding: run.binding } });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
  const reused = await alice.request(`/api/links/${good}/confirm`, { body: { binding: run.binding } });
  assert.deepEqual([reused.status, reused.json.error], [410, 'this link was used already']);
  const status = await env.agents.status(run.workflowId);
  assert.deepEqual([status.answered.length, status.answered[0]?.respondedBy, status.answered[0]?.reason], [1, 'alice', 'by link']);
  // Another link to the same (answered) question is refused too.
  const another = links.sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'approve' }, 60_000);
  assert.match(String((await alice.request(`/api/links/${another}`)).json.error), /not waiting any more|no run|ended/);
});

test("a question's own page is served like every page, with the same headers; a run's timeline only to a signed-in person, in the run's own words as data", async () => {
  const run = await waitingRun('test-guarded', '<img src=x onerror=alert(1)>');
  try {
    const own = `/runs/${encodeURIComponent(run.workflowId)}/questions/${encodeURIComponent(run.interruptId)}`;
    const page = await fetch(`${dev.url}${own}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(await page.text(), await (await fetch(`${dev.url}/`)).text(), 'the one page; its script reads the question');

    const timeline = `/api/runs/${encodeURIComponent(run.workflowId)}/timeline`;
    assert.equal((await new SessionClient(dev.url).request(timeline)).status, 401, 'nothing without a session');
    const alice = new SessionClient(dev.url);
    await alice.start();
    const view = await alice.request(timeline);
    assert.equal(view.status, 200, view.text);
    assert.equal(view.headers.get('content-type'), 'application/json');
    assert.equal(view.json.prompt, 'record <img src=x onerror=alert(1)>');
    assert.equal(view.json.phase, 'waiting');
    assert.deepEqual(
      (view.json.timeline as Array<{ kind: string; waiting?: boolean; status?: string }>).map((entry) => [entry.kind, entry.waiting ?? entry.status]),
      [['question', true], ['tool', 'waiting']],
    );
    assert.equal((await alice.request('/api/runs/no-such-run/timeline')).status, 404);
  } finally {
    await env.agents.cancel(run.workflowId);
  }
});

test('--dev-user is refused on any non-loopback address', async () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'inbox.example.com']) {
    await assert.rejects(startTestInbox(env, { devUser: 'alice', host }), /--dev-user signs every browser in as alice: it is refused on/);
  }
  await assert.rejects(startInboxServer({ agents: env.agents, signer: dev.signer, host: '127.0.0.1', port: 0 }), /needs --users FILE/);
});

test('a spoofed respondedBy is refused in the dev setup: the temporal CLI cannot claim to be alice; the inbox, signed in as alice, can', { skip: !TEMPORAL && !process.env.CI && 'no temporal CLI' }, async () => {
  const run = await waitingRun('test-policy', 'escalate-spoofed');
  // Bound as the run shows it: what is refused is the claimed name without a signature.
  const input = JSON.stringify({ interruptId: run.interruptId, response: 'y', respondedBy: 'alice', binding: run.binding });
  const args = ['workflow', 'update', 'execute', '--address', env.address, '--workflow-id', run.workflowId, '--name', 'respond', '--input', input];
  const refused = await promisify(execFile)(TEMPORAL!, args).then(
    () => '',
    (error: { stderr?: string; message: string }) => error.stderr ?? error.message,
  );
  assert.match(refused, /proof/i, `the update was refused for want of proof: ${refused}`);
  assert.equal((await env.agents.status(run.workflowId)).status, 'waiting');

  const alice = new SessionClient(dev.url);
  await alice.start();
  const answered = await alice.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'approve', binding: run.binding } });
  assert.equal(answered.status, 200, JSON.stringify(answered.json));
  const status = await env.agents.status(run.workflowId);
  assert.deepEqual([status.answered[0]?.respondedBy, status.answered[0]?.verified], ['alice', true]);
});

test('health probes: /healthz and /readyz answer anyone, saying nothing else; /readyz is 503 when Temporal cannot be reached', async () => {
  const stranger = new SessionClient(signedIn.url);
  assert.deepEqual([(await stranger.request('/healthz')).status, (await stranger.request('/healthz')).json], [200, { ok: true }]);
  assert.deepEqual([(await stranger.request('/readyz')).status, (await stranger.request('/readyz')).json], [200, { ok: true }]);
  // An inbox whose server is gone: alive, not ready.
  const nowhere = new AgentClient(new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) }));
  const cutOff = await startTestInbox(env, { agents: nowhere, devUser: 'alice' });
  try {
    const probe = new SessionClient(cutOff.url);
    assert.equal((await probe.request('/healthz')).status, 200);
    const ready = await probe.request('/readyz');
    assert.deepEqual([ready.status, ready.json], [503, { ok: false, error: 'Temporal is not reachable' }]);
  } finally {
    await cutOff.close();
  }
});
