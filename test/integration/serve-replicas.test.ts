/**
 * Stateless, replicable `serve`: two `hitl serve` processes (the real CLI) on two ports, sharing
 * the session key (INBOX_SESSION_KEY), the service key, the users file and NOTIFY_LINK_SECRET, as
 * replicas behind a load balancer would. A sign-in on A works on B (the inbox, its live feed, an
 * answer that the audit gives to the signed-in person); both restart, one with a rotated key, and
 * the cookie still works; tampered, foreign-key and expired cookies are refused; a one-click link
 * used through A is refused by B (and two clicks through both at once answer once); sign-out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ServiceSigner } from '../../src/server/service-key.js';
import { passwordFingerprint, SESSION_PROBLEMS, SessionSealer, sessionKey, sessionKeys } from '../../src/server/sessions.js';
import { readUsers, setUserPassword } from '../../src/server/users.js';
import { freePort } from '../../src/temporal/ports.js';
import { approverFiles } from '../support/approvers.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';
import { cleanEnv } from './cli-support.js';
import { LINK_SECRET, links, SessionClient, startServeProcess, type ServeProcess } from './inbox-web-support.js';

const PASSWORD = 'correct horse battery staple';
const KEY_1 = randomBytes(32);
const KEY_2 = randomBytes(32);

let env: TestEnv;
let scratch: string;
let usersFile: string;
let serviceKey: string;
const ports: { a: number; b: number } = { a: 0, b: 0 };
let a: ServeProcess | undefined;
let b: ServeProcess | undefined;

/** The configuration every replica shares; `keys` overrides the session keys. */
function serveEnv(keys: { current: Buffer; old?: Buffer[] } = { current: KEY_1 }): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    TEMPORAL_ADDRESS: env.address,
    AGENT_TASK_QUEUE: env.taskQueue,
    AGENT_KEYS_DIR: path.join(scratch, 'keys'),
    AGENT_APPROVER_KEYS: approverFiles().approvers,
    NOTIFY_LINK_SECRET: LINK_SECRET,
    INBOX_SESSION_KEY: keys.current.toString('base64'),
    ...(keys.old ? { INBOX_SESSION_OLD_KEYS: keys.old.map((key) => key.toString('base64')).join(',') } : {}),
    ...(process.env.PAYLOAD_ENCRYPTION_KEY ? { PAYLOAD_ENCRYPTION_KEY: process.env.PAYLOAD_ENCRYPTION_KEY } : {}),
    ...(process.env.PAYLOAD_ENCRYPTION_OLD_KEYS ? { PAYLOAD_ENCRYPTION_OLD_KEYS: process.env.PAYLOAD_ENCRYPTION_OLD_KEYS } : {}),
  };
}

const startReplica = (port: number, keys?: { current: Buffer; old?: Buffer[] }) =>
  startServeProcess(['--users', usersFile, '--service-key', serviceKey, '--port', String(port)], serveEnv(keys));

before(async () => {
  env = await TestEnv.start();
  await env.startWorker();
  scratch = mkdtempSync(path.join(tmpdir(), 'serve-replicas-'));
  usersFile = path.join(scratch, 'users.json');
  await setUserPassword(usersFile, 'bob', PASSWORD);
  serviceKey = path.join(scratch, 'inbox-service.json');
  // One service key for both replicas, listed under bob where the workers look.
  ServiceSigner.load(serviceKey).signer.register(approverFiles().approvers, ['bob']);
  [ports.a, ports.b] = [await freePort(), await freePort()];
  [a, b] = await Promise.all([startReplica(ports.a), startReplica(ports.b)]);
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await env?.teardown();
});

async function waitingRun(label: string) {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: `finished ${label}` });
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: `record ${label}`, model });
  const status = await env.untilPending(workflowId, 1);
  return { workflowId, interruptId: status.pending[0]!.id, binding: status.pending[0]!.binding };
}

const ran = (label: string) => readLedger(env.ledger).filter((entry) => entry.tool === 'record_action' && entry.label === label).length;

/** The same browser session (cookie and CSRF token) pointed at another replica. */
function on(replica: ServeProcess, session: SessionClient): SessionClient {
  return Object.assign(new SessionClient(replica.url), { cookie: session.cookie, csrf: session.csrf });
}

/** A session cookie as a browser would send it, with `value` as its value. */
function withCookie(replica: ServeProcess, value: string): SessionClient {
  return Object.assign(new SessionClient(replica.url), { cookie: `__Host-hitl-session=${value}` });
}

/** Reads the replica's live inbox (`/api/events`) until an `inbox` event lists `workflowId`. */
async function liveInboxLists(replica: ServeProcess, session: SessionClient, workflowId: string): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 60_000);
  try {
    const response = await fetch(`${replica.url}/api/events`, { headers: { cookie: session.cookie }, signal: abort.signal });
    assert.equal(response.status, 200);
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      for (const event of text.split('\n\n')) {
        const data = /^event: inbox\ndata: (.*)$/m.exec(event)?.[1];
        if (data && (JSON.parse(data) as Array<{ runId?: string; workflowId?: string }>).some((entry) => JSON.stringify(entry).includes(workflowId))) return true;
      }
    }
    return false;
  } catch (error) {
    if (abort.signal.aborted) return false;
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

let signedIn: SessionClient;

test('a sign-in on A is a session on B: B lists the inbox, streams it live, and answers as bob (the audit says bob)', async () => {
  signedIn = new SessionClient(a!.url);
  const ok = await signedIn.start({ name: 'bob', password: PASSWORD });
  assert.equal(ok.status, 200, ok.text);
  const cookie = ok.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^__Host-hitl-session=[\w-]{40,};/);
  for (const attribute of [/; HttpOnly/i, /; Secure/i, /; SameSite=Strict/i, /; Path=\//, /; Max-Age=43200\b/]) assert.match(cookie, attribute);

  const onB = on(b!, signedIn);
  const session = await onB.request('/api/session');
  assert.deepEqual([session.status, session.json.user, session.json.csrf], [200, 'bob', signedIn.csrf], 'B knows the session and its CSRF token');
  assert.equal((await new SessionClient(b!.url).request('/api/inbox')).status, 401, 'B without the cookie: nobody');

  const run = await waitingRun('replica-answer');
  const inbox = await onB.request('/api/inbox');
  assert.equal(inbox.status, 200, inbox.text);
  assert.ok(inbox.text.includes(run.workflowId), 'B lists the waiting question');
  assert.ok(await liveInboxLists(b!, onB, run.workflowId), "B's live inbox (/api/events) pushes the waiting question");

  const answered = await onB.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'approve', binding: run.binding } });
  assert.equal(answered.status, 200, answered.text);
  assert.equal((await env.agents.result(run.workflowId)).text, 'finished replica-answer');
  const status = await env.agents.status(run.workflowId);
  assert.deepEqual(status.answered.map((answer) => answer.respondedBy), ['bob']);
  assert.equal(ran('replica-answer'), 1);
});

test('restart both (B with a rotated key, the old one still accepted): the cookie still works on both; a cookie sealed with the new key is refused by A', async () => {
  assert.ok(signedIn, 'the first test signed in');
  await Promise.all([a!.stop(), b!.stop()]);
  assert.equal((await on(a!, signedIn).request('/api/session').catch(() => ({ status: 0 }))).status, 0, 'A is down');
  [a, b] = await Promise.all([startReplica(ports.a), startReplica(ports.b, { current: KEY_2, old: [KEY_1] })]);
  assert.match(b.output(), /sessions: sealed cookies \(INBOX_SESSION_KEY, 1 old key still accepted\)/);

  for (const replica of [a, b]) {
    const session = await on(replica, signedIn).request('/api/session');
    assert.deepEqual([session.status, session.json.user], [200, 'bob'], `${replica.url}: ${session.text}`);
  }
  // The CSRF token in the cookie still holds for an action after the restart.
  const run = await waitingRun('after-restart');
  const denied = await on(a, signedIn).request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'deny', reason: 'after the restart', binding: run.binding } });
  assert.equal(denied.status, 200, denied.text);
  await env.agents.result(run.workflowId);
  assert.deepEqual((await env.agents.status(run.workflowId)).answered.map((answer) => [answer.respondedBy, answer.reason]), [['bob', 'after the restart']]);
  assert.equal(ran('after-restart'), 0, 'denied: the tool did not run');

  // Signed in on B after the rotation: sealed with the new key, which A does not hold.
  const rotated = new SessionClient(b.url);
  assert.equal((await rotated.start({ name: 'bob', password: PASSWORD })).status, 200);
  assert.equal((await rotated.request('/api/inbox')).status, 200);
  const refused = await on(a, rotated).request('/api/inbox');
  assert.deepEqual([refused.status, refused.json.error], [401, SESSION_PROBLEMS.unknownKey]);
  assert.match(refused.headers.get('set-cookie') ?? '', /^__Host-hitl-session=; Max-Age=0/, 'the useless cookie is cleared');
});

test('refused with 401 and one clear line: a tampered cookie, one sealed with an unknown key, an expired one; the same cookie made right is accepted', async () => {
  const fingerprint = passwordFingerprint(readUsers(usersFile).bob!.password);
  const sealer = (key: Buffer) => new SessionSealer(sessionKeys(sessionKey(key)));
  const good = sealer(KEY_1).create('bob', fingerprint).cookie;
  assert.equal((await withCookie(a!, good).request('/api/inbox')).status, 200, 'a cookie sealed with the shared key (the control)');

  // One character changed in the sealed body (not the last, whose low bits base64 may ignore).
  const at = Math.floor(good.length / 2);
  const tampered = `${good.slice(0, at)}${good[at] === 'A' ? 'B' : 'A'}${good.slice(at + 1)}`;
  const cases: Array<[string, string, string | RegExp]> = [
    ['tampered', tampered, SESSION_PROBLEMS.damaged],
    ['cut short', good.slice(0, 30), SESSION_PROBLEMS.damaged],
    ['junk', 'x'.repeat(60), SESSION_PROBLEMS.damaged],
    ['sealed with an unknown key', sealer(randomBytes(32)).create('bob', fingerprint).cookie, SESSION_PROBLEMS.unknownKey],
    ['expired', sealer(KEY_1).create('bob', fingerprint, Date.now() - 13 * 3_600_000).cookie, /^your session expired at \d{4}-\d\d-\d\dT[\d:.]+Z: sign in again$/],
    ['another person\'s name without their password', sealer(KEY_1).create('alice', fingerprint).cookie, /^your sign-in ended/],
    ['a dev-user session (no password)', sealer(KEY_1).create('bob').cookie, /^your sign-in ended/],
  ];
  for (const [name, cookie, problem] of cases) {
    for (const replica of [a!, b!]) {
      const response = await withCookie(replica, cookie).request('/api/inbox');
      assert.equal(response.status, 401, `${name} on ${replica.url}: ${response.text}`);
      if (typeof problem === 'string') assert.equal(response.json.error, problem, name);
      else assert.match(String(response.json.error), problem, name);
    }
  }
  // An action with a refused cookie answers nothing.
  const run = await waitingRun('tampered-cookie');
  const forged = withCookie(b!, tampered);
  forged.csrf = 'x';
  assert.equal((await forged.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'approve', binding: run.binding } })).status, 401);
  assert.equal((await env.agents.status(run.workflowId)).status, 'waiting');
  await env.client.workflow.getHandle(run.workflowId).terminate('test over');
});

test('a one-click link used through A is refused by B, clearly; two clicks through A and B at once answer once; the tool ran once each', async () => {
  const run = await waitingRun('link-replicas');
  const token = links.sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'approve', binding: run.binding! }, 600_000);
  const onA = on(a!, signedIn);
  const onB = on(b!, signedIn);
  assert.equal((await onB.request(`/api/links/${token}`)).json.action, 'approve', 'B reads the link before it is used');
  const confirmed = await onA.request(`/api/links/${token}/confirm`, { body: { binding: run.binding } });
  assert.equal(confirmed.status, 200, confirmed.text);
  await env.agents.result(run.workflowId);
  const answeredAt = (await env.agents.status(run.workflowId)).answered[0]!.answeredAt;
  const clear = `this question is not waiting any more: it was answered by bob at ${answeredAt}, and a link answers once`;
  for (const route of [`/api/links/${token}/confirm`, `/api/links/${token}`]) {
    const again = await onB.request(route, route.endsWith('confirm') ? { body: { binding: run.binding } } : {});
    assert.deepEqual([again.status, again.json.error], [410, clear], route);
  }
  assert.equal(ran('link-replicas'), 1);
  assert.equal((await env.agents.status(run.workflowId)).answered.length, 1);

  // Both replicas at once: each may find the question waiting; the run takes one answer, the other is told.
  const race = await waitingRun('link-race');
  const raced = links.sign({ runId: race.workflowId, interruptId: race.interruptId, action: 'approve', binding: race.binding! }, 600_000);
  const both = await Promise.all([onA, onB].map((client) => client.request(`/api/links/${raced}/confirm`, { body: { binding: race.binding } })));
  assert.deepEqual(both.map((response) => response.status).sort(), [200, 410], both.map((response) => response.text).join(' | '));
  assert.match(String(both.find((response) => response.status === 410)!.json.error), /^this question is not waiting any more: it was answered by bob at .*, and a link answers once$/);
  await env.agents.result(race.workflowId);
  assert.equal(ran('link-race'), 1);
  assert.equal((await env.agents.status(race.workflowId)).answered.length, 1);
});

test('sign-out clears the cookie (on any replica); a new password ends every copy of the session on every replica', async () => {
  const copy = signedIn.cookie;
  const onB = on(b!, signedIn);
  const out = await onB.request('/api/signout', { body: {} });
  assert.equal(out.status, 200, out.text);
  assert.match(out.headers.get('set-cookie') ?? '', /^__Host-hitl-session=; Max-Age=0/);
  assert.deepEqual(await onB.request('/api/inbox').then((r) => [r.status, r.json.error]), [401, SESSION_PROBLEMS.missing]);
  // Stateless: a copy of the cookie taken before still works until it expires (docs/web-inbox.md) ...
  assert.equal((await withCookie(a!, copy.split('=')[1]!).request('/api/inbox')).status, 200);
  // ... unless the person's password changes (or their name leaves the users file).
  await setUserPassword(usersFile, 'bob', 'a new password entirely');
  for (const replica of [a!, b!]) {
    const response = await withCookie(replica, copy.split('=')[1]!).request('/api/inbox');
    assert.deepEqual([response.status, response.json.error], [401, 'your sign-in ended (your password changed, or your name left the users file): sign in again']);
  }
});
