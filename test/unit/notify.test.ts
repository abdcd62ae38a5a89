/**
 * Notifications, channel by channel, against local receivers: the webhook's Standard Webhooks
 * signature checked by an independent HMAC and by the `standardwebhooks` package, the Slack
 * Block Kit payload, the email as an SMTP server receives it, hostile text escaped for each medium,
 * and the activity's delivery semantics (heartbeat memory across retries, the last attempt).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import type { Interrupt } from '../../src/agent/interrupts.js';
import { createNotifyActivity } from '../../src/notify/activity.js';
import { notifyConfigFromEnv, NotifyConfigError } from '../../src/notify/config.js';
import type { DeliveryStatus, NotificationEvent } from '../../src/notify/event.js';
import { LinkSigner } from '../../src/notify/links.js';
import { linksOf } from '../../src/notify/message.js';
import { HttpReceiver, mimeParts, SmtpReceiver } from './notify-receivers.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const LINK_SECRET = randomBytes(32).toString('hex');
const HOSTILE = '<script>alert(1)</script> <!channel> <https://evil.example|click> & \u001b[31mred\u001b[0m \u202eevil';

const interrupt: Interrupt = {
  id: 'hook:beforeToolCall:tooluse_1:filemanager-approval',
  name: 'filemanager-approval',
  reason: { message: `Approve deleting these files? ${HOSTILE}` },
  source: 'hook',
  scope: 'beforeToolCall',
  toolName: 'delete_files',
  toolUseId: 'tooluse_1',
  toolInput: { paths: ['a.txt', HOSTILE] },
  raisedAt: '2030-01-01T00:00:00.000Z',
  deadline: '2030-01-02T00:00:00.000Z',
  allowedResponders: ['alice', 'bob'],
};

function eventOf(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    eventId: `evt_${randomBytes(6).toString('hex')}`,
    kind: 'waiting',
    runId: 'file-approval-abc',
    agent: 'file-approval',
    interrupt,
    path: [{ runId: 'parent-1', agent: 'ops' }, { runId: 'file-approval-abc', agent: 'file-approval', toolUseId: 'tu' }],
    prompt: 'Delete a.txt',
    channels: [],
    at: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

let http: HttpReceiver;
let smtp: SmtpReceiver;
before(async () => {
  [http, smtp] = await Promise.all([HttpReceiver.start(), SmtpReceiver.start()]);
});
after(async () => Promise.all([http?.close(), smtp?.close()]));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NOTIFY_WEBHOOK_URL: http.url('/hook'),
    NOTIFY_WEBHOOK_SECRET: SECRET,
    NOTIFY_SLACK_WEBHOOK_URL: http.url('/slack'),
    NOTIFY_SMTP_URL: smtp.url,
    NOTIFY_EMAIL_FROM: 'agents@example.com',
    NOTIFY_EMAIL_TO: 'ops@example.com',
    NOTIFY_INBOX_URL: 'http://inbox.example:8787/',
    NOTIFY_LINK_SECRET: LINK_SECRET,
    ...extra,
  };
}

/** Runs the activity as attempt `attempt` of `max`, with the heartbeat details a previous attempt left. */
async function runNotify(config: NodeJS.ProcessEnv, event: NotificationEvent, attempt = 1, max = 5, heartbeatDetails?: unknown) {
  const mock = new MockActivityEnvironment({ attempt, retryPolicy: { maximumAttempts: max }, heartbeatDetails });
  const beats: unknown[] = [];
  mock.on('heartbeat', (details: unknown) => beats.push(details));
  const result = await mock.run(createNotifyActivity(notifyConfigFromEnv(config)), event).then(
    (value) => ({ value: value as DeliveryStatus[], error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as Error }),
  );
  return { ...result, beats };
}

test('the webhook is signed per Standard Webhooks: an independent HMAC and the standardwebhooks package both verify it', async () => {
  const event = eventOf({ channels: ['webhook'] });
  const { value } = await runNotify(env(), event);
  assert.deepEqual(value?.map((status) => [status.channel, status.outcome]), [['webhook', 'delivered']]);
  const [request] = http.received('/hook').filter((r) => r.headers['webhook-id'] === event.eventId);
  assert.ok(request, 'the receiver got the event');
  const id = request.headers['webhook-id'] as string;
  const timestamp = request.headers['webhook-timestamp'] as string;
  assert.equal(id, event.eventId, 'the webhook-id is the event id');
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 300, 'the timestamp is now, in seconds');
  // Independent check: HMAC-SHA256 keyed with the secret's base64-decoded bytes, over "id.timestamp.body".
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest('base64');
  assert.equal(request.headers['webhook-signature'], `v1,${expected}`);
  const verified = new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>) as Record<string, unknown>;
  assert.equal(verified.eventId, event.eventId);
  // A body changed by one byte does not verify.
  assert.throws(() => new Webhook(SECRET).verify(request.body.replace('a.txt', 'b.txt'), request.headers as Record<string, string>));

  const body = JSON.parse(request.body);
  assert.equal(body.type, 'interrupt.waiting');
  assert.deepEqual(body.run, { id: 'file-approval-abc', agent: 'file-approval', prompt: 'Delete a.txt' });
  assert.equal(body.interrupt.id, interrupt.id);
  assert.equal(body.interrupt.tool, 'delete_files');
  assert.deepEqual(body.interrupt.input, interrupt.toolInput, 'the whole input, as data');
  assert.equal(body.interrupt.question, `Approve deleting these files? ${HOSTILE}`);
  assert.equal(body.interrupt.deadline, interrupt.deadline);
  assert.deepEqual(body.path.map((step: { agent: string }) => step.agent), ['ops', 'file-approval']);
  // The open link is the question's own page; every part is URL-encoded (interrupt ids hold colons).
  assert.equal(body.links.open, 'http://inbox.example:8787/runs/file-approval-abc/questions/hook%3AbeforeToolCall%3Atooluse_1%3Afilemanager-approval');
  const signer = new LinkSigner(LINK_SECRET);
  for (const action of ['approve', 'deny'] as const) {
    const token = (body.links[action] as string).replace('http://inbox.example:8787/links/', '');
    const verifiedLink = signer.verify(token);
    assert.ok('claims' in verifiedLink, `the ${action} link verifies`);
    assert.deepEqual({ ...verifiedLink.claims, linkId: '', expiresAt: 0 }, { linkId: '', runId: event.runId, interruptId: interrupt.id, action, expiresAt: 0 });
  }
});

test('Slack gets Block Kit: header, question, facts, the input preformatted, link buttons; model text cannot link or mention', async () => {
  const event = eventOf({ channels: ['slack'] });
  await runNotify(env(), event);
  const request = http.received('/slack').at(-1)!;
  const message = JSON.parse(request.body);
  assert.equal(typeof message.text, 'string');
  assert.deepEqual(message.blocks.map((block: { type: string }) => block.type), ['header', 'section', 'section', 'rich_text', 'actions']);
  assert.equal(message.blocks[0].text.type, 'plain_text');
  const question = message.blocks[1].text;
  assert.equal(question.type, 'mrkdwn');
  assert.ok(question.text.includes('&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &lt;https://evil.example|click&gt; &amp;'), question.text);
  assert.ok(question.text.includes('\\x1b[31mred'), 'control characters shown as escapes');
  assert.ok(question.text.includes('\\u{202e}evil'), 'reordering characters shown as escapes');
  for (const text of [message.text, question.text, ...message.blocks[2].fields.map((f: { text: string }) => f.text)]) {
    assert.ok(!/<[!@#h]/.test(text), `no Slack link or mention syntax survives: ${text}`);
  }
  const fields = message.blocks[2].fields.map((f: { text: string }) => f.text);
  assert.ok(fields.includes('*Tool*\ndelete_files'));
  assert.ok(fields.includes('*Sub-agent path*\nops › file-approval'));
  assert.ok(fields.includes('*May answer*\nalice, bob'));
  const preformatted = message.blocks[3].elements[0];
  assert.equal(preformatted.type, 'rich_text_preformatted');
  assert.match(preformatted.elements[0].text, /"a\.txt"/);
  const buttons = message.blocks[4].elements;
  assert.deepEqual(buttons.map((b: { action_id: string }) => b.action_id), ['approve', 'deny', 'open']);
  assert.match(buttons[0].url, /^http:\/\/inbox\.example:8787\/links\/[\w-]+\.[\w-]+$/);
});

test('email reaches the SMTP server: subject, plain text and escaped HTML, links', async () => {
  const event = eventOf({ channels: ['email', 'email:alice@example.com'] });
  const { value } = await runNotify(env(), event);
  assert.deepEqual(value?.map((status) => status.outcome), ['delivered', 'delivered']);
  const mails = smtp.messages.filter((mail) => mail.raw.includes(encodeURIComponent(event.eventId)));
  assert.deepEqual(mails.map((mail) => mail.to).sort(), [['alice@example.com'], ['ops@example.com']]);
  const { headers, parts } = mimeParts(mails[0]!.raw);
  assert.match(headers, /Subject: file-approval: filemanager-approval waits for an answer/);
  assert.match(headers, /From: agents@example.com/);
  const text = parts['text/plain']!;
  assert.match(text, /Question: Approve deleting these files\? <script>/);
  assert.ok(!text.includes('\u001b'), 'no raw escape character in the text part');
  assert.match(text, /Approve \(opens a confirm page\): http:\/\/inbox\.example:8787\/links\//);
  const html = parts['text/html']!;
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!html.includes('<script>'), 'no markup from the model');
  assert.ok(!html.includes('\u202e'));
  assert.match(html, /<a href="http:\/\/inbox\.example:8787\/links\/[\w.-]+">Approve/);
});

test('a retry sends only to the channels still missing; the last attempt reports the failure instead of throwing', async () => {
  const event = eventOf({ channels: ['webhook', 'slack'] });
  const slackBefore = http.received('/slack').length;
  // The webhook's receiver answers 503; Slack works at once.
  const failing = await HttpReceiver.start();
  after(() => failing.close());
  failing.failures = [503];
  const config = env({ NOTIFY_WEBHOOK_URL: failing.url('/hook') });

  const first = await runNotify(config, event, 1, 5);
  assert.match(first.error?.message ?? '', /not delivered to webhook \(attempt 1: POST to 127\.0\.0\.1:\d+ answered HTTP 503/);
  assert.equal(http.received('/slack').length, slackBefore + 1);
  const details = first.beats.at(-1) as { delivered: DeliveryStatus[] };
  assert.deepEqual(details.delivered.map((status) => status.channel), ['slack'], 'the heartbeat remembers what was delivered');

  const second = await runNotify(config, event, 2, 5, details);
  assert.equal(second.error, undefined);
  assert.deepEqual(second.value?.map((status) => [status.channel, status.outcome, status.detail]), [
    ['webhook', 'delivered', 'on attempt 2'],
    ['slack', 'delivered', undefined],
  ]);
  assert.equal(http.received('/slack').length, slackBefore + 1, 'Slack was not sent again');
  assert.equal(failing.received('/hook').length, 2, 'the webhook: one refused try, one delivery');

  failing.failures = [503];
  const last = await runNotify(config, eventOf({ channels: ['webhook'] }), 5, 5);
  assert.equal(last.error, undefined, 'the last attempt never throws');
  assert.equal(last.value?.[0]?.outcome, 'failed');
  assert.match(last.value?.[0]?.detail ?? '', /attempt 5: .*HTTP 503/);
});

test('unknown or unconfigured channels are skipped with the reason; routes add channels for the people asked', async () => {
  const event = eventOf({ channels: ['pager', 'slack'] });
  const { value } = await runNotify({ NOTIFY_ROUTES: JSON.stringify({ alice: ['webhook'] }) }, event, 1, 5);
  assert.deepEqual(value, [
    { ...value![0]!, channel: 'pager', outcome: 'skipped', detail: 'no channel named "pager" (channels: webhook, slack, email, email:<address>)' },
    { ...value![1]!, channel: 'slack', outcome: 'skipped', detail: 'no Slack webhook is configured (NOTIFY_SLACK_WEBHOOK_URL)' },
    { ...value![2]!, channel: 'webhook', outcome: 'skipped', detail: 'no webhook is configured (NOTIFY_WEBHOOK_URL)' },
  ]);
  const defaults = await runNotify({}, eventOf(), 1, 5);
  assert.deepEqual(defaults.value, [], 'nothing configured: nothing to send, nothing fails');
});

test('configuration mistakes are refused with one clear line', () => {
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ NOTIFY_WEBHOOK_URL: 'http://x' }, /without NOTIFY_WEBHOOK_SECRET/],
    [{ NOTIFY_WEBHOOK_URL: 'http://x', NOTIFY_WEBHOOK_SECRET: 'hunter2' }, /whsec_<base64>/],
    [{ NOTIFY_WEBHOOK_URL: 'http://x', NOTIFY_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, /at least 24/],
    [{ NOTIFY_SLACK_WEBHOOK_URL: 'file:///etc/passwd' }, /NOTIFY_SLACK_WEBHOOK_URL must be an http\(s\) URL/],
    [{ NOTIFY_SMTP_URL: 'smtp://localhost' }, /NOTIFY_EMAIL_FROM/],
    [{ NOTIFY_LINK_SECRET: LINK_SECRET }, /without NOTIFY_INBOX_URL/],
    [{ NOTIFY_INBOX_URL: 'http://x', NOTIFY_LINK_SECRET: 'short' }, /at least 32 characters/],
    [{ NOTIFY_ROUTES: '["alice"]' }, /NOTIFY_ROUTES must be a JSON object/],
  ];
  for (const [config, message] of cases) assert.throws(() => notifyConfigFromEnv(config), (error: unknown) => error instanceof Error && message.test(error.message) && !error.message.includes('\n'));
  assert.ok(NotifyConfigError);
});

test('links: a forged, a tampered or an expired link is refused; a good one verifies', () => {
  const signer = new LinkSigner(LINK_SECRET);
  const token = signer.sign({ runId: 'r', interruptId: 'i', action: 'approve' }, 60_000, 1_000_000);
  assert.ok('claims' in signer.verify(token, 1_000_000));
  assert.match((signer.verify(token, 1_060_000) as { problem: string }).problem, /expired at/);
  const forged = new LinkSigner(randomBytes(32).toString('hex')).sign({ runId: 'r', interruptId: 'i', action: 'approve' }, 60_000, 1_000_000);
  assert.match((signer.verify(forged, 1_000_000) as { problem: string }).problem, /signature does not match/);
  const [body, mac] = token.split('.');
  const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
  const tampered = `${Buffer.from(JSON.stringify({ ...claims, action: 'deny' })).toString('base64url')}.${mac}`;
  assert.match((signer.verify(tampered, 1_000_000) as { problem: string }).problem, /signature does not match/);
  for (const junk of ['', 'x', 'a.b.c', `${'a'.repeat(5000)}.b`]) assert.ok('problem' in signer.verify(junk, 1_000_000));
});

test("the open link is the question's own page, with the run id and the question id each one URL-encoded path segment; a deadline's message links there too", () => {
  const config = { inboxUrl: 'https://inbox.example' };
  const odd = eventOf({ runId: 'ops/run?x=1#frag', interrupt: { ...interrupt, id: 'sub:tu/1:approval?' } });
  const open = linksOf(odd, config).open!;
  assert.equal(open, 'https://inbox.example/runs/ops%2Frun%3Fx%3D1%23frag/questions/sub%3Atu%2F1%3Aapproval%3F');
  const url = new URL(open);
  assert.deepEqual(url.pathname.split('/').slice(1).map(decodeURIComponent), ['runs', 'ops/run?x=1#frag', 'questions', 'sub:tu/1:approval?']);
  assert.equal(url.search + url.hash, '', 'nothing of the ids spills into the query or the fragment');
  // The deadline answered it: no one-click links, but the page says who answered (the deadline) and when.
  assert.deepEqual(linksOf(eventOf({ kind: 'deadline' }), { ...config, links: { signer: new LinkSigner(LINK_SECRET), ttlMs: 60_000 } }), {
    open: `https://inbox.example/runs/file-approval-abc/questions/${encodeURIComponent(interrupt.id)}`,
  });
  assert.deepEqual(linksOf(odd, {}), {}, 'no inbox, no links');
});
