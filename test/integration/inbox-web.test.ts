/**
 * The web approval inbox in headless Chromium (Debian's package), against real runs on a dev
 * server: questions listed and updated live, in web words (no terminal "(y/N)"), approve, deny
 * with a reason, a bad edit refused with the run's own error shown, trust (only in a session's
 * run, only where the question takes it), a question that names its approver, the audit view, a
 * question's own page from the notification's link, the run page's prompt, timeline and result,
 * the run page's live stream (resumed after a reconnect),
 * one-click links (confirm step; used, forged and expired links refused), and model text that tries
 * to be markup shown as text. INBOX_SCREENSHOTS=docs writes the README's screenshots into docs/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LinkSigner } from '../../src/notify/links.js';
import { TestEnv } from '../support/env.js';
import { readLedger } from '../support/test-tools.js';
import { HttpReceiver } from '../unit/notify-receivers.js';
import { chromiumAvailable, CHROMIUM, LINK_SECRET, launchChromium, links, startTestInbox, type TestInbox } from './inbox-web-support.js';

const skip = !chromiumAvailable && `no Chromium at ${CHROMIUM}`;
const shots = process.env.INBOX_SCREENSHOTS === 'docs' ? path.resolve('docs') : mkdtempSync(path.join(tmpdir(), 'inbox-shots-'));
mkdirSync(shots, { recursive: true });

const XSS_LABEL = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const XSS_PROMPT = 'Please record <b>this</b> <img src=x onerror="window.__xss=3"> now';

let env: TestEnv;
let inbox: TestInbox;
let browser: Browser;
let page: Page;
let webhook: HttpReceiver;
const dialogs: string[] = [];
/** The worker notifies a local webhook receiver, with one-click links into this inbox. */
const NOTIFY_ENV = ['NOTIFY_WEBHOOK_URL', 'NOTIFY_WEBHOOK_SECRET', 'NOTIFY_INBOX_URL', 'NOTIFY_LINK_SECRET'];
before(async () => {
  if (skip) return;
  env = await TestEnv.start();
  webhook = await HttpReceiver.start();
  inbox = await startTestInbox(env, { devUser: 'alice' });
  Object.assign(process.env, {
    NOTIFY_WEBHOOK_URL: webhook.url('/hook'),
    NOTIFY_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    NOTIFY_INBOX_URL: inbox.url,
    NOTIFY_LINK_SECRET: LINK_SECRET,
  });
  await env.startWorker();
  for (const name of NOTIFY_ENV) delete process.env[name];
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});
after(async () => {
  await browser?.close();
  await inbox?.close();
  await webhook?.close();
  await env?.teardown();
});

/** Starts a run (in a session when given) whose model asks for `record_action(label)` once, then says `finished <label>`. */
async function startRun(agent: string, label: string, prompt = `record ${label}`, sessionId?: string) {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: `finished ${label}` });
  const { workflowId } = await env.agents.start({ agent, prompt, model, ...(sessionId !== undefined ? { sessionId } : {}) });
  const status = await env.untilPending(workflowId, 1);
  return { workflowId, interruptId: status.pending[0]!.id, prompt };
}

/** A session of its own for one test (a session runs one run at a time). */
function newSession(name: string): string {
  return `web-${name}-${process.pid}-${Date.now().toString(36)}`;
}

/** Which of a card's buttons show. */
async function buttons(question: ReturnType<typeof card>): Promise<Record<string, boolean>> {
  const shown: Record<string, boolean> = {};
  for (const action of ['approve', 'deny', 'trust', 'edit']) shown[action] = await question.locator(`[data-action="${action}"]`).isVisible();
  return shown;
}

/** A terminal's answer hint, which the web leaves out: "(y/N)", "(t/y/N)". */
const TERMINAL_HINT = /\((t\/)?y\/N\)/i;

function card(workflowId: string) {
  return page.locator(`li.card[data-run="${workflowId}"]`);
}

/** What the card says after an action: its "done" line, else its error (so a failure names the reason). */
async function outcome(workflowId: string): Promise<string> {
  const done = card(workflowId).locator('[data-field="done"]');
  const error = card(workflowId).locator('[data-field="error"]');
  await done.or(error).filter({ hasText: /./ }).first().waitFor({ timeout: 30_000 });
  return (await done.innerText()) || `error: ${await error.innerText()}`;
}

/** Waits until an answered question has left the list (the live update), so nothing moves under the next click. */
async function gone(workflowId: string): Promise<void> {
  await card(workflowId).waitFor({ state: 'detached', timeout: 20_000 });
}

async function finished(workflowId: string) {
  return (await env.agents.result(workflowId)).text;
}

const runs: Record<string, { workflowId: string; interruptId: string; prompt: string }> = {};

test('the inbox lists every pending question with agent, prompt, tool, input, question and approvers; model text stays text', { skip }, async () => {
  runs.approve = await startRun('test-guarded', XSS_LABEL, XSS_PROMPT);
  runs.deny = await startRun('test-policy', 'drop-the-table');
  runs.edit = await startRun('test-policy', 'edit-me');
  runs.named = await startRun('test-policy', 'escalate-to-alice');
  await page.goto(inbox.url);
  for (const run of Object.values(runs)) await card(run.workflowId).waitFor();
  assert.match(await page.locator('#who').innerText(), /alice \(dev\)/);
  assert.match(await page.locator('#count').innerText(), /\(\d+\)/);

  const hostile = card(runs.approve!.workflowId);
  assert.equal(await hostile.locator('[data-field="agent"]').innerText(), 'test-guarded');
  assert.equal(await hostile.locator('[data-field="prompt"]').innerText(), XSS_PROMPT);
  assert.equal(await hostile.locator('[data-field="tool"]').innerText(), 'record_action');
  assert.equal(await hostile.locator('[data-field="name"]').innerText(), 'approve');
  assert.deepEqual(JSON.parse(await hostile.locator('[data-field="input"]').innerText()), { label: XSS_LABEL });
  assert.match(await hostile.locator('[data-field="question"]').innerText(), /"label":/);
  assert.match(await hostile.locator('[data-field="age"]').innerText(), /^asked \d+s ago$/);
  // Nothing the model wrote became an element or ran.
  assert.equal(await page.locator('main img, main script, main b').count(), 0);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);
  assert.deepEqual(dialogs, []);

  // The policy's questions in web words: the buttons are the choices, no "(t/y/N)" to type.
  assert.equal(await card(runs.deny!.workflowId).locator('[data-field="question"]').innerText(), 'Approve record_action?');
  assert.doesNotMatch(await page.locator('main').innerText(), TERMINAL_HINT);
  // Runs of no session: nothing would remember a trust, so no card offers it.
  assert.deepEqual(await buttons(card(runs.deny!.workflowId)), { approve: true, deny: true, trust: false, edit: true });
  assert.deepEqual(await buttons(hostile), { approve: true, deny: true, trust: false, edit: true });
  assert.equal(
    await hostile.locator('[data-field="open"]').getAttribute('href'),
    `/runs/${encodeURIComponent(runs.approve!.workflowId)}/questions/${encodeURIComponent(runs.approve!.interruptId)}`,
    "each card links to the question's own page",
  );

  const named = card(runs.named!.workflowId);
  assert.equal(await named.locator('[data-field="approvers"]').innerText(), 'may answer: alice');
  assert.match(await named.locator('[data-field="deadline"]').innerText(), /^deadline \d{4}-\d\d-\d\dT/);
  await page.screenshot({ path: path.join(shots, 'inbox.png'), fullPage: true });
});

test("a question that arrives while the page is open appears without a reload; in a session's run it offers trust, and trust answers it", { skip }, async () => {
  const navigations: string[] = [];
  const onNavigation = (frame: { url(): string }) => navigations.push(frame.url());
  page.on('framenavigated', onNavigation);
  runs.trust = await startRun('test-policy', 'trust-me', 'record trust-me', newSession('trust'));
  await card(runs.trust.workflowId).waitFor({ timeout: 20_000 });
  page.off('framenavigated', onNavigation);
  assert.deepEqual(navigations, [], 'the page was not reloaded');
  assert.ok(await page.locator('#live.on').count(), 'the live indicator is on');
  assert.deepEqual(await buttons(card(runs.trust.workflowId)), { approve: true, deny: true, trust: true, edit: true });
  // A session's run is summarised without its prompt: the card has it from the run's input.
  assert.equal(await card(runs.trust.workflowId).locator('[data-field="prompt"]').innerText(), 'record trust-me');
  await card(runs.trust.workflowId).locator('[data-action="trust"]').click();
  assert.equal(await outcome(runs.trust.workflowId), 'Trusted as alice (unverified claim)');
  assert.equal(await finished(runs.trust.workflowId), 'finished trust-me');
  // Answered questions leave the list by themselves.
  await gone(runs.trust.workflowId);
});

test('approve: the run goes on, with the answer signed as the person', { skip }, async () => {
  const { workflowId } = runs.approve!;
  await card(workflowId).locator('[data-action="approve"]').click();
  // The inbox signs every answer; this question names no approver, so the run records the name as a claim.
  assert.equal(await outcome(workflowId), 'Approved as alice (unverified claim)');
  assert.equal(await finished(workflowId), `finished ${XSS_LABEL}`);
  const status = await env.agents.status(workflowId);
  assert.equal(status.answered[0]!.respondedBy, 'alice');
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === XSS_LABEL).length, 1);
  await gone(workflowId);
});

test('deny with a reason: the run is told why', { skip }, async () => {
  const { workflowId } = runs.deny!;
  await card(workflowId).locator('[data-action="deny"]').click();
  await card(workflowId).locator('.deny-form input[name="reason"]').fill('not in production <please>');
  await card(workflowId).locator('.deny-form button[type="submit"]').click();
  assert.equal(await outcome(workflowId), 'Denied as alice (unverified claim)');
  assert.equal(await finished(workflowId), 'finished drop-the-table');
  const status = await env.agents.status(workflowId);
  assert.deepEqual(status.answered[0]!.response, { decision: 'deny', reason: 'not in production <please>' });
  assert.equal(status.answered[0]!.reason, 'not in production <please>');
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'drop-the-table').length, 0, 'the denied call never ran');
  await gone(workflowId);
});

test("edit and approve: not JSON, then an input the run's update refuses, each shown; then a good edit runs", { skip }, async () => {
  const { workflowId } = runs.edit!;
  const editCard = card(workflowId);
  await editCard.locator('[data-action="edit"]').click();
  const editor = editCard.locator('.edit-form textarea');
  assert.deepEqual(JSON.parse(await editor.inputValue()), { label: 'edit-me' }, 'the editor starts from the current input');
  await editor.fill('{"label": ');
  await editCard.locator('.edit-form button[type="submit"]').click();
  await editCard.locator('[data-field="error"]').getByText(/^not JSON:/).waitFor();

  await editor.fill('{"label": 42}');
  await editCard.locator('.edit-form button[type="submit"]').click();
  await editCard.locator('[data-field="error"]').getByText(/answer refused: .*label/).waitFor();
  const refusal = await editCard.locator('[data-field="error"]').innerText();
  await page.screenshot({ path: path.join(shots, 'inbox-edit-refused.png'), fullPage: true });
  assert.equal((await env.agents.status(workflowId)).status, 'waiting', `still waiting after: ${refusal}`);

  await editor.fill('{"label": "edited-by-alice"}');
  await editCard.locator('.edit-form button[type="submit"]').click();
  assert.equal(await outcome(workflowId), 'Approved with your edit as alice (unverified claim)');
  assert.equal(await finished(workflowId), 'finished edit-me');
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'edited-by-alice').length, 1);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'edit-me').length, 0);
  await gone(workflowId);
});

test('a question that names its approver takes the inbox answer as proven; the audit view shows it verified', { skip }, async () => {
  const { workflowId } = runs.named!;
  await card(workflowId).locator('[data-action="approve"]').click();
  assert.equal(await outcome(workflowId), 'Approved as alice (verified signature)');
  assert.equal(await finished(workflowId), 'finished escalate-to-alice');
  await page.goto(`${inbox.url}/runs/${encodeURIComponent(workflowId)}`);
  await page.locator('#run-phase').getByText('completed').waitFor();
  const row = page.locator('#run-answers tbody tr').first();
  assert.equal(await row.locator('td').nth(3).innerText(), 'alice');
  assert.equal(await row.locator('td').nth(4).innerText(), 'verified signature');
  const answered = page.locator('#run-timeline li[data-kind="answer"]');
  assert.deepEqual([await answered.locator('[data-field="who"]').textContent(), await answered.locator('[data-field="proof"]').textContent()], ['by alice', 'verified signature']);
  assert.ok((await page.locator('#run-decisions tbody tr').count()) > 0, 'the policy decisions are listed');
  const delivery = page.locator('#run-notifications tbody tr').first();
  await delivery.waitFor();
  assert.deepEqual(await delivery.locator('td').allInnerTexts().then((cells) => cells.slice(0, 3)), [`waiting ${runs.named!.interruptId}`, 'webhook', 'delivered']);
  await page.screenshot({ path: path.join(shots, 'inbox-run.png'), fullPage: true });
});

test('a question from a sub-agent shows the path that led to it and is answered through the calling run', { skip }, async () => {
  const workspace = env.workspace({ 'old_report.txt': 'r', 'temp_data.csv': 'c' });
  const { workflowId } = await env.agents.start({
    agent: 'file-coordinator',
    prompt: 'Clean up old_report.txt and temp_data.csv',
    model: { provider: 'demo', modelId: 'offline-demo' },
    workspace,
  });
  // The question is mirrored into the calling run; the inbox lists it once, in the run that asks.
  const asker = (await env.untilPending(workflowId, 1)).pending[0]!.runId;
  assert.ok(asker && asker !== workflowId, 'the question comes from a child run');
  await page.goto(inbox.url);
  const question = card(asker);
  await question.waitFor();
  assert.equal(await question.locator('[data-field="path"]').innerText(), 'from sub-agent: file-coordinator › file-approval');
  assert.deepEqual(JSON.parse(await question.locator('[data-field="input"]').innerText()), { paths: ['old_report.txt', 'temp_data.csv'] });
  // file-approval accepts y / n: no trust or edit buttons for it.
  assert.deepEqual(
    await Promise.all(['approve', 'deny', 'trust', 'edit'].map((action) => question.locator(`[data-action="${action}"]`).isVisible())),
    [true, true, false, false],
  );
  await page.screenshot({ path: path.join(shots, 'inbox-sub-agent.png'), fullPage: true });
  await question.locator('[data-action="approve"]').click();
  assert.equal(await outcome(asker), 'Approved as alice (unverified claim)');
  assert.match(await finished(workflowId), /Successfully deleted files: old_report\.txt, temp_data\.csv/);
  assert.equal(existsSync(path.join(workspace, 'old_report.txt')), false);
  await gone(asker);
});

/** The notification the run sent to the webhook, once it arrived. */
async function notification(workflowId: string): Promise<{ links: { approve: string; deny: string; open: string } }> {
  for (let tries = 0; tries < 200; tries++) {
    const request = webhook.received('/hook').find((received) => JSON.parse(received.body).run.id === workflowId);
    if (request) return JSON.parse(request.body);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no notification for ${workflowId} reached the webhook`);
}

test("the notification's one-click link opens the question pre-filled and answers only on confirm; used, forged and expired links are refused", { skip }, async () => {
  const run = await startRun('test-guarded', 'by-link');
  const link = (await notification(run.workflowId)).links.approve;
  assert.ok(link.startsWith(`${inbox.url}/links/`), link);
  const token = link.slice(`${inbox.url}/links/`.length);
  await page.goto(link);
  await page.locator('#link-summary').getByText('Approve this question as alice?').waitFor();
  assert.match(await page.locator('#link-question [data-field="input"]').innerText(), /by-link/);
  await page.screenshot({ path: path.join(shots, 'inbox-link.png'), fullPage: true });
  assert.equal((await env.agents.status(run.workflowId)).status, 'waiting', 'opening the link answered nothing');
  await page.locator('#link-confirm').click();
  await page.locator('#link-done').getByText('Approved as alice (unverified claim).').waitFor();
  assert.equal(await finished(run.workflowId), 'finished by-link');

  await page.goto(`${inbox.url}/links/${token}`);
  await page.locator('#link-error').getByText('this link was used already').waitFor();

  const forged = new LinkSigner(randomBytes(32).toString('hex')).sign({ runId: run.workflowId, interruptId: run.interruptId, action: 'approve' }, 3_600_000);
  await page.goto(`${inbox.url}/links/${forged}`);
  await page.locator('#link-error').getByText(/not valid \(its signature does not match\)/).waitFor();

  const other = await startRun('test-guarded', 'expired-link');
  const expired = links.sign({ runId: other.workflowId, interruptId: other.interruptId, action: 'deny' }, -1000);
  await page.goto(`${inbox.url}/links/${expired}`);
  await page.locator('#link-error').getByText(/this link expired at/).waitFor();
  assert.equal((await env.agents.status(other.workflowId)).status, 'waiting');
  await env.agents.cancel(other.workflowId);
});

/** What the page says in an element, as written (innerText would follow the CSS, e.g. upper-case labels). */
async function text(locator: ReturnType<Page['locator']>): Promise<string> {
  return (await locator.textContent()) ?? '';
}

/** The kinds of a timeline's entries, in order. */
async function kinds(entries: ReturnType<Page['locator']>): Promise<Array<string | null>> {
  const count = await entries.count();
  return Promise.all(Array.from({ length: count }, (_, index) => entries.nth(index).getAttribute('data-kind')));
}

test("a question's own page, opened from the notification's link: the question in web words, its run and prompt; approved there, it shows who answered and what the run did next", { skip }, async () => {
  const prompt = 'Please record own-page for the <i>audit</i>';
  runs.ownPage = await startRun('test-policy', 'own-page', prompt);
  const { workflowId, interruptId } = runs.ownPage;
  const own = `/runs/${encodeURIComponent(workflowId)}/questions/${encodeURIComponent(interruptId)}`;
  const { open } = (await notification(workflowId)).links;
  assert.equal(open, `${inbox.url}${own}`, "the notification's open link is the question's page");

  await page.goto(open);
  const question = card(workflowId);
  await question.waitFor();
  assert.equal(await page.locator('#question-state').innerText(), 'Waiting for an answer.');
  assert.equal(await question.locator('[data-field="question"]').innerText(), 'Approve record_action?');
  assert.equal(await question.locator('[data-field="prompt"]').innerText(), prompt);
  assert.deepEqual(JSON.parse(await question.locator('[data-field="input"]').innerText()), { label: 'own-page' });
  assert.equal(await page.locator('#question-run').getAttribute('href'), `/runs/${encodeURIComponent(workflowId)}`);
  assert.equal(await page.locator('#question-run').innerText(), workflowId);
  assert.doesNotMatch(await page.locator('main').innerText(), TERMINAL_HINT);
  assert.deepEqual(await buttons(question), { approve: true, deny: true, trust: false, edit: true }, 'no session, no trust');
  assert.equal(await question.locator('[data-field="open"]').isVisible(), false, 'no link to the page it is on');
  assert.equal(await page.locator('#question-next').innerText(), 'Nothing yet: the run waits for this answer.');
  assert.equal(await page.locator('main i').count(), 0, 'the prompt is text');

  await question.locator('[data-action="approve"]').click();
  assert.equal(await outcome(workflowId), 'Approved as alice (unverified claim)');
  // What the run did after the answer, as it recorded it: the answer, the call it let run, the run's end.
  await page.locator('#question-result').getByText('The run completed: finished own-page').waitFor();
  assert.match(await page.locator('#question-state').innerText(), /^Approved by alice \(unverified claim\) at \d{4}-\d\d-\d\dT/);
  const after = page.locator('#question-outcome li');
  assert.deepEqual(await kinds(after), ['answer', 'tool']);
  assert.equal(await text(after.nth(0).locator('[data-field="who"]')), 'by alice');
  assert.equal(await text(after.nth(1).locator('[data-field="tool"]')), 'record_action');
  assert.equal(await text(after.nth(1).locator('[data-field="status"]')), 'success');
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'own-page').length, 1);
  await page.screenshot({ path: path.join(shots, 'inbox-question.png'), fullPage: true });

  // Opened again once answered: who answered and when, the question as it was asked, no buttons.
  await page.reload();
  await page.locator('#question-state').getByText(/^Approved by alice/).waitFor();
  assert.equal(await page.locator('#question-one [data-action]').count(), 0);
  assert.equal(await card(workflowId).locator('[data-field="question"]').innerText(), 'Approve record_action?');
  await page.locator('#question-result').getByText('The run completed: finished own-page').waitFor();
});

test('the run page: the prompt, the timeline of questions, answers (who, verified or not, when) and tool calls in order, and the final result', { skip }, async () => {
  const { workflowId, interruptId, prompt } = runs.ownPage!;
  await page.goto(`${inbox.url}/runs/${encodeURIComponent(workflowId)}`);
  await page.locator('#run-result').getByText('finished own-page').waitFor();
  assert.equal(await page.locator('#run-prompt').innerText(), prompt);
  const entries = page.locator('#run-timeline li');
  assert.deepEqual(await kinds(entries), ['question', 'answer', 'tool']);
  const [asked, answer, call] = [entries.nth(0), entries.nth(1), entries.nth(2)];
  assert.equal(await text(asked.locator('[data-field="question"]')), 'Approve record_action?');
  assert.equal(await text(asked.locator('[data-field="tool"]')), 'record_action');
  assert.equal(await asked.locator('[data-field="open"]').getAttribute('href'), `/runs/${encodeURIComponent(workflowId)}/questions/${encodeURIComponent(interruptId)}`);
  assert.equal(await text(answer.locator('[data-field="what"]')), 'Approved');
  assert.equal(await text(answer.locator('[data-field="who"]')), 'by alice');
  assert.equal(await text(answer.locator('[data-field="proof"]')), 'unverified claim');
  assert.match(await text(answer.locator('[data-field="at"]')), /^\d{4}-\d\d-\d\dT/);
  assert.equal(await text(call.locator('[data-field="tool"]')), 'record_action');
  assert.deepEqual(JSON.parse(await text(call.locator('[data-field="input"]'))), { label: 'own-page' });
  assert.equal(await text(call.locator('[data-field="status"]')), 'success');
  assert.doesNotMatch(await page.locator('main').innerText(), TERMINAL_HINT);
  await page.screenshot({ path: path.join(shots, 'inbox-run-timeline.png'), fullPage: true });

  // A denied call: the reason the agent read, and the call that never ran, its error result shown as text.
  await page.goto(`${inbox.url}/runs/${encodeURIComponent(runs.deny!.workflowId)}`);
  await page.locator('#run-result').getByText('finished drop-the-table').waitFor();
  const denied = page.locator('#run-timeline li');
  assert.deepEqual(await kinds(denied), ['question', 'answer', 'tool']);
  assert.equal(await text(denied.nth(1).locator('[data-field="what"]')), 'Denied');
  assert.equal(await text(denied.nth(1).locator('[data-field="reason"]')), 'not in production <please>');
  assert.equal(await text(denied.nth(2).locator('[data-field="status"]')), 'error');
  assert.match(await text(denied.nth(2).locator('[data-field="result"]')), /not in production <please>/);
});

test('in a session, a question the policy never lets be trusted offers no trust, on its card and on its page; the server refuses a trust for it, and for a run of no session', { skip }, async () => {
  const run = await startRun('test-policy', 'quorum-no-trust', 'record quorum-no-trust', newSession('quorum'));
  const plain = await startRun('test-policy', 'no-session-no-trust');
  try {
    await page.goto(inbox.url);
    await card(run.workflowId).waitFor();
    assert.deepEqual(await buttons(card(run.workflowId)), { approve: true, deny: true, trust: false, edit: true });
    await page.goto(`${inbox.url}/runs/${encodeURIComponent(run.workflowId)}/questions/${encodeURIComponent(run.interruptId)}`);
    await card(run.workflowId).waitFor();
    assert.equal(await card(run.workflowId).locator('[data-field="question"]').innerText(), 'Approve record_action?');
    assert.equal(await card(run.workflowId).locator('[data-action="trust"]').isVisible(), false);

    // A hand-made request gets no further than the page would.
    for (const [target, refusal] of [
      [run, /this question cannot be answered with trust/],
      [plain, /this run belongs to no session/],
    ] as const) {
      const binding = (await env.agents.status(target.workflowId)).pending[0]!.binding;
      const response = await page.evaluate(
        async ({ url, body }) => {
          const session = (await (await fetch('/api/session')).json()) as { csrf: string };
          const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf }, body: JSON.stringify(body) });
          return { status: answer.status, body: (await answer.json()) as { error?: string } };
        },
        { url: `/api/runs/${encodeURIComponent(target.workflowId)}/answer`, body: { interruptId: target.interruptId, action: 'trust', binding } },
      );
      assert.equal(response.status, 400);
      assert.match(String(response.body.error), refusal);
      assert.equal((await env.agents.status(target.workflowId)).answered.length, 0);
    }
  } finally {
    await env.agents.cancel(run.workflowId);
    await env.agents.cancel(plain.workflowId);
  }
});

test("the run page follows the run live: the model's text, the tool call, the question, who answered, the result and the end, as they happen; a reconnect resumes after the last event it saw", { skip }, async () => {
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'live' } }], text: 'I will record <b>live</b>.' },
    { kind: 'text', text: `recorded ${XSS_LABEL}` },
  );
  const { workflowId } = await env.agents.start({ agent: 'test-policy', prompt: 'record live', model });
  const question = (await env.untilPending(workflowId, 1)).pending[0]!;
  await page.goto(`${inbox.url}/runs/${encodeURIComponent(workflowId)}`);
  const stream = page.locator('#run-stream');
  await stream.locator('.stream-question').waitFor();
  assert.equal(await text(stream.locator('.stream-text').first()), 'I will record <b>live</b>.');
  assert.equal(await text(stream.locator('.stream-tool')), '→ record_action {"label":"live"}');
  assert.match(await text(stream.locator('.stream-question')), /^waiting: record_action \{"label":"live"\}: /);
  assert.equal(await page.locator('#run-live').getAttribute('class'), 'live on');

  // What a browser's EventSource sends when it reconnects: Last-Event-ID, the offset it saw last.
  const resumed = await page.evaluate(async (url) => {
    // (No named helpers in here: the test's compiler would name them with a function the page lacks.)
    const offsets: number[][] = [];
    for (const headers of [{}, { 'last-event-id': '2' }] as Array<Record<string, string>>) {
      const stop = new AbortController();
      const reader = (await fetch(url, { headers, signal: stop.signal })).body!.pipeThrough(new TextDecoderStream()).getReader();
      let body = '';
      while (!body.includes('tool-approval-request')) body += (await reader.read()).value ?? '';
      stop.abort();
      offsets.push([...body.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1])));
    }
    return { all: offsets[0]!, later: offsets[1]! };
  }, `/api/runs/${encodeURIComponent(workflowId)}/events`);
  assert.ok(resumed.all.length > 3 && resumed.all[0] === 0, `every event from the first: ${resumed.all.join(',')}`);
  assert.deepEqual(resumed.later, resumed.all.filter((offset) => offset > 2));

  // Answered elsewhere: the open page shows it, then the rest of the run, without a reload.
  await env.agents.respond(workflowId, { interruptId: question.id, response: 'y', respondedBy: 'pat', binding: question.binding });
  await stream.locator('.stream-finish').waitFor();
  assert.equal(await text(stream.locator('.stream-answer')), 'answered by pat: "y"');
  assert.match(await text(stream.locator('.stream-result')), /^✓ /);
  assert.equal(await text(stream.locator('.stream-text').nth(1)), `recorded ${XSS_LABEL}`);
  assert.equal(await text(stream.locator('.stream-finish')), 'the run completed');
  assert.equal(await page.locator('#run-live').getAttribute('class'), 'live');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);
});
