/**
 * Fault group: the web inbox and notifications under abuse. Malformed and oversized requests,
 * unknown runs and questions, forged and damaged links, a link confirmed twice at once, two people
 * answering one question at once, a sign-in flood, cross-site requests, a forged or tampered
 * session cookie, a one-click link replayed through another replica, and notification receivers
 * that are down. What must hold: nothing is applied without an accepted answer, every refusal is
 * one clear line, each question is answered once, and a dead receiver never fails a delivery call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { createNotifyActivity } from '../../src/notify/activity.js';
import { notifyConfigFromEnv } from '../../src/notify/config.js';
import type { DeliveryStatus } from '../../src/notify/event.js';
import { LinkSigner } from '../../src/notify/links.js';
import { ServiceSigner } from '../../src/server/service-key.js';
import { passwordFingerprint, SessionSealer, sessionKey, sessionKeys } from '../../src/server/sessions.js';
import { startInboxServer } from '../../src/server/start.js';
import { readUsers, setUserPassword } from '../../src/server/users.js';
import { approverFiles } from '../support/approvers.js';
import { readLedger } from '../support/test-tools.js';
import { SessionClient } from '../integration/inbox-web-support.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';
import { freePort } from '../../src/temporal/ports.js';

export async function webInbox(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'web inbox';
  await context.startWorker();
  const agents = context.agents;
  const scratch = mkdtempSync(path.join(tmpdir(), 'faults-web-'));
  const { signer } = ServiceSigner.load(path.join(scratch, 'service.json'));
  signer.register(approverFiles().approvers, ['alice', 'bob']);
  const links = new LinkSigner(randomBytes(32).toString('hex'));
  const usersFile = path.join(scratch, 'users.json');
  await setUserPassword(usersFile, 'bob', 'the right password');
  const dev = await startInboxServer({ agents, signer, links, host: '127.0.0.1', port: 0, devUser: 'alice' });
  const people = await startInboxServer({ agents, signer, links, host: '127.0.0.1', port: 0, usersFile, signInLimit: { max: 5, windowMs: 600_000 } });
  let models = 0;
  const waitingRun = async (label: string) => {
    const modelId = `faults-web-${process.pid}-${models++}`;
    context.bedrock.scriptFor(modelId, { kind: 'toolUse', uses: [{ name: 'apply_change', input: { label } }] }, { kind: 'text', text: 'done' });
    const { workflowId } = await agents.start({ agent: 'test-faults', prompt: label, model: { provider: 'bedrock', modelId } });
    const status = await agents.wait(workflowId);
    return { workflowId, interruptId: status.pending[0]!.id, binding: status.pending[0]!.binding };
  };
  const applied = (label: string) => context.sideEffects().labelsApplied.has(label);
  const alice = new SessionClient(dev.url);
  await alice.start();

  try {
    const target = await waitingRun('web-target');
    const answerRoute = `/api/runs/${target.workflowId}/answer`;
    const bad: Array<[string, () => ReturnType<SessionClient['request']>, number]> = [
      ['a body that is not JSON', () => alice.request(answerRoute, { body: '{"interruptId":' }), 400],
      ['a JSON array', () => alice.request(answerRoute, { body: [1, 2, 3] }), 400],
      ['no interrupt id', () => alice.request(answerRoute, { body: { action: 'approve' } }), 400],
      ['an unknown action', () => alice.request(answerRoute, { body: { interruptId: target.interruptId, action: 'rm -rf' } }), 400],
      ['a 300 KB body', () => alice.request(answerRoute, { body: { interruptId: target.interruptId, action: 'deny', reason: 'x'.repeat(300_000) } }), 413],
      ['an unknown question', () => alice.request(answerRoute, { body: { interruptId: 'hook:nope', action: 'approve', binding: target.binding } }), 409],
      ['an answer that says nothing of the question it saw (no binding)', () => alice.request(answerRoute, { body: { interruptId: target.interruptId, action: 'approve' } }), 400],
      ['a card that showed another call (a stale page)', () => alice.request(answerRoute, { body: { interruptId: target.interruptId, action: 'approve', binding: { ...target.binding, call: '0'.repeat(64) } } }), 409],
      ['a card of another run', () => alice.request(answerRoute, { body: { interruptId: target.interruptId, action: 'approve', binding: { ...target.binding, workflowId: 'another-run' } } }), 409],
      ['an unknown run', () => alice.request('/api/runs/no-such-run/answer', { body: { interruptId: 'x', action: 'approve' } }), 404],
      ['no session', () => new SessionClient(dev.url).request(answerRoute, { body: { interruptId: target.interruptId, action: 'approve' } }), 401],
      ['a session without its CSRF token', () => Object.assign(new SessionClient(dev.url), { cookie: alice.cookie }).request(answerRoute, { body: { interruptId: target.interruptId, action: 'approve' } }), 403],
      ['another origin', () => alice.request(answerRoute, { body: { interruptId: target.interruptId, action: 'approve' }, headers: { origin: 'https://evil.example' } }), 403],
      ['a path that climbs out', () => alice.request('/api/runs/..%2F..%2Fetc%2Fpasswd'), 404],
    ];
    for (const [name, send, expected] of bad) {
      await report.check(group, `refused: ${name}`, async () => {
        const response = await send();
        assertThat(response.status === expected, `HTTP ${response.status} (expected ${expected}): ${response.text.slice(0, 200)}`);
        const error = String(response.json.error ?? '');
        assertThat(error.length > 0 && !error.includes('\n'), `not one clear line: ${JSON.stringify(error)}`);
        const status = await agents.status(target.workflowId);
        assertThat(status.status === 'waiting' && status.answered.length === 0, 'something was answered');
        return error.slice(0, 120);
      });
    }

    const claims = { runId: target.workflowId, interruptId: target.interruptId, action: 'approve' as const };
    const token = links.sign(claims, 600_000);
    const [body = '', mac = ''] = token.split('.');
    const damaged: Array<[string, string]> = [
      ['forged with another secret', new LinkSigner(randomBytes(32).toString('hex')).sign(claims, 600_000)],
      ['claims changed under the signature', `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), runId: 'other' })).toString('base64url')}.${mac}`],
      ['cut short', token.slice(0, -5)],
      ['expired', links.sign(claims, -1)],
      ['8 KB of junk', 'A'.repeat(8192)],
      ['made for an earlier execution under the same id', links.sign({ ...claims, binding: { ...target.binding!, execution: 'an-earlier-execution' } }, 600_000)],
      ['made for another call under the same question id', links.sign({ ...claims, binding: { ...target.binding!, call: '0'.repeat(64) } }, 600_000)],
    ];
    for (const [name, bad] of damaged) {
      await report.check(group, `link refused: ${name}`, async () => {
        const response = await alice.request(`/api/links/${bad}/confirm`, { body: {} });
        assertThat(response.status >= 400 && response.status < 500, `HTTP ${response.status}`);
        assertThat((await agents.status(target.workflowId)).answered.length === 0, 'the link answered');
        return String(response.json.error).slice(0, 100);
      });
    }

    await report.check(group, 'one link confirmed twice at once: one answer', async () => {
      const both = await Promise.all([alice.request(`/api/links/${token}/confirm`, { body: { binding: target.binding } }), alice.request(`/api/links/${token}/confirm`, { body: { binding: target.binding } })]);
      const codes = both.map((response) => response.status).sort();
      assertThat(codes[0] === 200 && codes[1] === 410, `HTTP ${codes.join(', ')}`);
      await agents.result(target.workflowId);
      const status = await agents.status(target.workflowId);
      assertThat(status.answered.length === 1 && status.answered[0]!.respondedBy === 'alice', 'not exactly one answer by alice');
      assertThat(applied('web-target'), 'the approved change was not applied');
      return `HTTP ${codes.join(', ')}`;
    });

    await report.check(group, 'two people answer one question at once: the first wins, the other is told', async () => {
      const run = await waitingRun('web-race');
      const bob = new SessionClient(people.url);
      await bob.start({ name: 'bob', password: 'the right password' });
      const answers = await Promise.all([
        alice.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'deny', reason: 'alice says no', binding: run.binding } }),
        bob.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'deny', reason: 'bob says no', binding: run.binding } }),
      ]);
      const codes = answers.map((response) => response.status).sort();
      assertThat(codes[0] === 200 && codes[1] === 409, `HTTP ${codes.join(', ')}: ${answers.map((a) => a.text.slice(0, 120)).join(' | ')}`);
      await agents.result(run.workflowId);
      assertThat(!applied('web-race'), 'a denied change was applied');
      if (applied('web-race')) report.add({ deniedButApplied: 1 });
      return String(answers.find((response) => response.status === 409)!.json.error).slice(0, 120);
    });

    await report.check(group, 'a sign-in flood is cut off; the right password waits too', async () => {
      const flood = new SessionClient(people.url);
      const codes: number[] = [];
      for (let i = 0; i < 20; i++) codes.push((await flood.start({ name: 'bob', password: `guess-${i}` })).status);
      const last = await flood.start({ name: 'bob', password: 'the right password' });
      assertThat(codes.slice(0, 4).every((code) => code === 401), `first codes ${codes.slice(0, 4)}`);
      assertThat(codes.slice(5).every((code) => code === 429) && last.status === 429, `codes ${codes.join(',')} then ${last.status}`);
      return `${codes.filter((code) => code === 429).length} of 20 cut off`;
    });

    // Another replica: its own process memory (and sign-in limit), the same service key (so the same session key), users and link secret.
    const replica = await startInboxServer({ agents, signer, links, host: '127.0.0.1', port: 0, usersFile });
    const bob = new SessionClient(replica.url);
    await bob.start({ name: 'bob', password: 'the right password' });
    await report.check(group, 'a forged or tampered session cookie: 401 in one line, nothing answered', async () => {
      assertThat(bob.csrf !== '', 'bob could not sign in');
      const run = await waitingRun('web-cookie');
      const [name, value = ''] = bob.cookie.split('=');
      const at = Math.floor(value.length / 2);
      const forgedKey = new SessionSealer(sessionKeys(sessionKey(randomBytes(32)))).create('bob', passwordFingerprint(readUsers(usersFile).bob!.password)).cookie;
      const cookies: Array<[string, string]> = [
        ['tampered', `${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`],
        ['sealed with another key', forgedKey],
        ['a guessed session id', randomBytes(32).toString('base64url')],
      ];
      const errors: string[] = [];
      for (const [what, cookie] of cookies) {
        const forged = Object.assign(new SessionClient(people.url), { cookie: `${name}=${cookie}`, csrf: bob.csrf });
        const response = await forged.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'approve', binding: run.binding } });
        const error = String(response.json.error ?? '');
        assertThat(response.status === 401, `${what}: HTTP ${response.status} ${response.text.slice(0, 200)}`);
        assertThat(/sign in/.test(error) && !error.includes('\n'), `${what}: not one clear line: ${JSON.stringify(error)}`);
        errors.push(error);
      }
      const status = await agents.status(run.workflowId);
      assertThat(status.status === 'waiting' && status.answered.length === 0, 'a forged cookie answered');
      // The real cookie still answers (so the refusals were the forgery's).
      assertThat((await bob.request(`/api/runs/${run.workflowId}/answer`, { body: { interruptId: run.interruptId, action: 'deny', binding: run.binding } })).status === 200, 'the real session could not answer');
      await agents.result(run.workflowId);
      assertThat(!applied('web-cookie'), 'a denied change was applied');
      return [...new Set(errors)].join(' | ').slice(0, 160);
    });

    await report.check(group, 'a one-click link replayed through another replica: refused in one line, applied once', async () => {
      try {
        const run = await waitingRun('web-replayed-link');
        const link = links.sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'approve', binding: run.binding! }, 600_000);
        // Used through one replica (people), replayed through the other with the same session.
        const first = await Object.assign(new SessionClient(people.url), { cookie: bob.cookie, csrf: bob.csrf }).request(`/api/links/${link}/confirm`, { body: { binding: run.binding } });
        assertThat(first.status === 200, `first use: HTTP ${first.status} ${first.text.slice(0, 200)}`);
        await agents.result(run.workflowId);
        const elsewhere = Object.assign(new SessionClient(replica.url), { cookie: bob.cookie, csrf: bob.csrf });
        const replayed = await elsewhere.request(`/api/links/${link}/confirm`, { body: { binding: run.binding } });
        const error = String(replayed.json.error ?? '');
        assertThat(replayed.status === 410, `replay: HTTP ${replayed.status} ${replayed.text.slice(0, 200)}`);
        assertThat(/answered by bob at .*a link answers once/.test(error) && !error.includes('\n'), `not one clear line: ${JSON.stringify(error)}`);
        const status = await agents.status(run.workflowId);
        assertThat(status.answered.length === 1, `${status.answered.length} answers`);
        const times = readLedger(context.ledger).filter((entry) => entry.tool === 'apply_change' && entry.event === 'applied' && entry.label === 'web-replayed-link').length;
        assertThat(times === 1, `the approved change was applied ${times} times`);
        return error.slice(0, 140);
      } finally {
        await replica.close();
      }
    });

    const deadPort = await freePort();
    const deadReceivers: Array<[string, NodeJS.ProcessEnv]> = [
      ['webhook', { NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${deadPort}/hook`, NOTIFY_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` }],
      ['slack', { NOTIFY_SLACK_WEBHOOK_URL: `http://127.0.0.1:${deadPort}/slack` }],
      ['email', { NOTIFY_SMTP_URL: `smtp://127.0.0.1:${deadPort}`, NOTIFY_EMAIL_FROM: 'a@example.com', NOTIFY_EMAIL_TO: 'b@example.com' }],
    ];
    for (const [channel, config] of deadReceivers) {
      await report.check(group, `${channel} receiver down: retried, then reported failed on the last attempt`, async () => {
        const notify = createNotifyActivity(notifyConfigFromEnv(config));
        const event = {
          eventId: `dead-${channel}`,
          kind: 'waiting' as const,
          runId: 'r',
          agent: 'a',
          interrupt: { id: 'i', name: 'n', reason: 'q', source: 'hook' as const, scope: 'beforeToolCall' as const, raisedAt: new Date().toISOString() },
          channels: [],
          at: new Date().toISOString(),
        };
        const early = await new MockActivityEnvironment({ attempt: 1, retryPolicy: { maximumAttempts: 5 } }, { logger: errorsOnlyLogger }).run(notify, event).then(() => 'returned', (error: Error) => error.message);
        assertThat(/not delivered/.test(early), `attempt 1 should ask for a retry: ${early}`);
        const statuses = (await new MockActivityEnvironment({ attempt: 5, retryPolicy: { maximumAttempts: 5 } }, { logger: errorsOnlyLogger }).run(notify, event)) as DeliveryStatus[];
        assertThat(statuses.length === 1 && statuses[0]!.outcome === 'failed', JSON.stringify(statuses));
        return statuses[0]!.detail!.slice(0, 100);
      });
    }
  } finally {
    await dev.close();
    await people.close();
    await context.killWorkers();
  }
}
