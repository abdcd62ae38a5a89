/**
 * The inbox in pages over Temporal visibility (issue 26, item 3): page tokens cover every waiting
 * run exactly once; a page's rows come from the runs' search attributes alone (no query); the
 * filters agent, mine and overdue as visibility clauses; the CLI's flags and the web's query
 * parameters; and a page lists its runs, from visibility alone, when no worker can answer a query.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inboxQuery, listInboxPage, openRun, type InboxPage } from '../../src/sdk/inbox.js';
import { TestEnv, type RunningWorker } from '../support/env.js';
import { assertOk, cleanEnv, json, runCli } from './cli-support.js';
import { chromiumAvailable, launchChromium, SessionClient, startTestInbox, type TestInbox } from './inbox-web-support.js';

const noChromium = !chromiumAvailable && 'no Chromium';
const XSS_LABEL = '<img src=x onerror="window.__xss=1">';

let env: TestEnv;
let worker: RunningWorker;
let inbox: TestInbox;
const scratch = mkdtempSync(path.join(tmpdir(), 'inbox-paging-'));
before(async () => {
  env = await TestEnv.start();
  worker = await env.startWorker();
  inbox = await startTestInbox(env, { devUser: 'bob' });
});
after(async () => {
  await inbox?.close();
  await env?.teardown();
});

/** A run of `agent` whose model asks for `record_action(label)` once: waiting once it returns. */
async function startWaiting(agent: string, label: string): Promise<string> {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: `finished ${label}` });
  const { workflowId } = await env.agents.start({ agent, prompt: `record ${label}`, model });
  await env.untilPending(workflowId, 1);
  return workflowId;
}

/** Visibility lags: waits until the bare visibility query lists `count` runs. */
async function untilListed(query: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { count: listed } = await env.client.workflow.count(query);
    if (listed === count) return;
    await sleep(100);
  }
  throw new Error(`visibility never listed ${count} runs for ${query}`);
}

/** Every page from the first, `pageSize` runs at a time. */
async function allPages(options: { agent?: string; mine?: string | string[]; overdue?: boolean; pageSize: number; details?: boolean }, now?: Date): Promise<InboxPage[]> {
  const pages: InboxPage[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listInboxPage(env.client, { ...options, ...(pageToken ? { pageToken } : {}) }, now);
    pages.push(page);
    pageToken = page.nextPageToken;
    assert.ok(pages.length < 20, 'paging ends');
  } while (pageToken);
  return pages;
}

// test-policy's labels: `plain` asks anyone (the `*` rule), `late` anyone with a 24h deadline,
// `escalate` alice only (24h deadline), `quorum` the ops group (alice, bob, carol).
const policyRuns: Record<string, string> = {};
const guardedRuns: string[] = [];

test('pages with tokens cover every waiting run exactly once; rows from visibility alone; details read only the runs of the page', async () => {
  for (const label of ['plain-1', 'plain-2', 'late-1', 'escalate-1', 'quorum-1']) policyRuns[label] = await startWaiting('test-policy', label);
  for (const label of ['g-1', 'g-2']) guardedRuns.push(await startWaiting('test-guarded', label));
  await untilListed(inboxQuery({ agent: 'test-policy' }), 5);
  await untilListed(inboxQuery(), 7);

  const rows = await allPages({ pageSize: 3 });
  assert.deepEqual(rows.map((page) => page.runs), [3, 3, 1]);
  assert.ok(rows.slice(0, -1).every((page) => page.nextPageToken), 'every page but the last has a token');
  assert.equal(rows.at(-1)!.nextPageToken, undefined);
  const listed = rows.flatMap((page) => page.listed);
  assert.equal(new Set(listed.map((run) => run.workflowId)).size, 7, 'no run twice');
  assert.ok(rows.every((page) => page.items.length === 0 && page.unread.length === 0), 'no details unless asked');
  // What a row needs, from the search attributes: the oldest question in short, its tool, who may answer, since when.
  const quorumRow = listed.find((run) => run.workflowId === policyRuns['quorum-1'])!;
  assert.equal(quorumRow.agent, 'test-policy');
  assert.equal(quorumRow.pending, 1);
  assert.equal(quorumRow.tool, 'record_action');
  assert.deepEqual(quorumRow.approvers, ['alice', 'bob', 'carol']);
  assert.equal(typeof quorumRow.question, 'string');
  assert.ok(quorumRow.question!.length > 0 && quorumRow.question!.length <= 200);
  assert.ok(quorumRow.waitingSince && quorumRow.ageMs !== undefined && quorumRow.ageMs >= 0);
  const lateRow = listed.find((run) => run.workflowId === policyRuns['late-1'])!;
  assert.deepEqual(lateRow.approvers, ['*'], 'a question that names nobody');
  assert.ok(lateRow.deadline && Date.parse(lateRow.deadline) > Date.now() + 23 * 3_600_000, 'its 24h deadline');
  assert.equal(quorumRow.deadline, undefined);

  const pages = await allPages({ pageSize: 3, details: true });
  const ids = pages.flatMap((page) => page.items.map((item) => item.workflowId));
  assert.equal(ids.length, 7, 'one question per run');
  assert.equal(new Set(ids).size, 7, 'no run twice');
  assert.deepEqual(new Set(ids), new Set([...Object.values(policyRuns), ...guardedRuns]));
  for (const page of pages) {
    assert.deepEqual(page.unread, []);
    assert.deepEqual(page.items.map((item) => item.workflowId).sort(), page.listed.map((run) => run.workflowId).sort(), 'the questions are those of the runs listed');
  }
  const quorum = pages.flatMap((page) => page.items).find((item) => item.workflowId === policyRuns['quorum-1']);
  assert.deepEqual(quorum?.allowedResponders, ['alice', 'bob', 'carol']);
  // Opening one row reads that run's questions in full.
  const opened = await openRun(env.client, policyRuns['quorum-1']!);
  assert.ok('items' in opened);
  assert.equal(opened.items[0]!.interruptId, quorum!.interruptId);
  assert.ok(opened.items[0]!.binding, 'with the binding an answer repeats');
});

test('filters: agent, mine and overdue, in the visibility query (rows and details agree)', async () => {
  const rows = async (options: Parameters<typeof allPages>[0], now?: Date) => (await allPages(options, now)).flatMap((page) => page.listed.map((run) => run.workflowId)).sort();
  const details = async (options: Parameters<typeof allPages>[0], now?: Date) => (await allPages({ ...options, details: true }, now)).flatMap((page) => page.items.map((item) => item.workflowId)).sort();
  const items = async (options: Parameters<typeof allPages>[0], now?: Date) => {
    const listed = await rows(options, now);
    assert.deepEqual(await details(options, now), listed, 'one question per run: the rows and the questions agree');
    return listed;
  };
  const ids = (...labels: string[]) => labels.map((label) => policyRuns[label]!).sort();

  assert.deepEqual(await items({ agent: 'test-policy', pageSize: 2 }), ids('plain-1', 'plain-2', 'late-1', 'escalate-1', 'quorum-1'));
  assert.deepEqual(await items({ agent: 'test-guarded', pageSize: 10 }), [...guardedRuns].sort());
  assert.deepEqual(await items({ agent: 'nobody-runs-this', pageSize: 10 }), []);

  // mine: named among the responders, or nobody named.
  assert.deepEqual(await items({ agent: 'test-policy', mine: 'bob', pageSize: 2 }), ids('plain-1', 'plain-2', 'late-1', 'quorum-1'));
  assert.deepEqual(await items({ agent: 'test-policy', mine: 'alice', pageSize: 2 }), ids('plain-1', 'plain-2', 'late-1', 'escalate-1', 'quorum-1'));
  assert.deepEqual(await items({ agent: 'test-policy', mine: 'dana', pageSize: 2 }), ids('plain-1', 'plain-2', 'late-1'));

  // overdue: the 24h deadlines have not passed now; 25 hours on, late and escalate have (plain and quorum have none).
  assert.deepEqual(await items({ overdue: true, pageSize: 10 }), []);
  const tomorrow = new Date(Date.now() + 25 * 3_600_000);
  assert.deepEqual(await items({ overdue: true, pageSize: 10 }, tomorrow), ids('late-1', 'escalate-1'));
  assert.deepEqual(await items({ overdue: true, mine: 'bob', pageSize: 10 }, tomorrow), ids('late-1'));
  // A group name given after the person counts as theirs (the policy here names people only).
  assert.deepEqual(await items({ agent: 'test-policy', mine: ['dana', 'carol'], pageSize: 10 }), ids('plain-1', 'plain-2', 'late-1', 'quorum-1'));
  // Hostile values never reach the server.
  await assert.rejects(listInboxPage(env.client, { mine: 'bob") OR ("*" = "*' }), /may not contain quotes/);
  await assert.rejects(listInboxPage(env.client, { agent: 'x" OR AgentName != "' }), /may not contain quotes/);
});

test('the CLI: --page-size, --page, --agent, --mine --by, --overdue, --json; rows from visibility; bad values in one line', async () => {
  const cliEnv = { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue, AGENT_MODEL_PROVIDER: 'demo', AGENT_KEYS_DIR: path.join(scratch, 'no-keys') };
  const cli = (args: string[]) => runCli(args, { cwd: scratch, env: cliEnv });
  const first = json<InboxPage>(assertOk(await cli(['inbox', '--agent', 'test-policy', '--page-size', '3', '--json']), ['inbox']));
  assert.equal(first.runs, 3);
  assert.ok(first.nextPageToken);
  assert.deepEqual(first.items, [], 'a page is the visibility list alone');
  const second = json<InboxPage>(assertOk(await cli(['inbox', '--agent', 'test-policy', '--page-size', '3', '--page', first.nextPageToken!, '--json']), ['inbox']));
  assert.equal(second.runs, 2);
  assert.equal(second.nextPageToken, undefined);
  const both = [...first.listed, ...second.listed].map((run) => run.workflowId).sort();
  assert.deepEqual(both, Object.values(policyRuns).sort());

  const mine = json<InboxPage>(assertOk(await cli(['inbox', '--agent', 'test-policy', '--mine', '--by', 'dana', '--page-size', '10', '--json']), ['inbox']));
  assert.deepEqual(mine.listed.map((run) => run.workflowId).sort(), [policyRuns['plain-1'], policyRuns['plain-2'], policyRuns['late-1']].sort());
  const overdue = json<InboxPage>(assertOk(await cli(['inbox', '--overdue', '--no-details', '--json']), ['inbox']));
  assert.deepEqual(overdue.listed, [], 'no deadline has passed');

  const table = assertOk(await cli(['inbox', '--agent', 'test-guarded', '--page-size', '1']), ['inbox']).stdout;
  assert.match(table, /1 run waiting for a human on this page/);
  assert.match(table, /test-guarded {2}1 waiting/);
  assert.match(table, /record_action: /);
  assert.match(table, /next page: hitl inbox --page [A-Za-z0-9_-]+/);

  const bad = await cli(['inbox', '--page-size', '0']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--page-size takes a whole number from 1 to 1000/);
  const badToken = await cli(['inbox', '--page', 'not a token!']);
  assert.notEqual(badToken.code, 0);
  assert.match(badToken.stderr, /the page token is not one an inbox page gave/);
  const hostile = await cli(['inbox', '--mine', '--by', 'bob" OR "1"="1', '--page-size', '5']);
  assert.notEqual(hostile.code, 0);
  assert.match(hostile.stderr, /may not contain quotes/);
});

test('the web: GET /api/inbox?agent=…&mine=1&overdue=1&pageSize=…&page=…, rows from visibility, mine as the signed-in person', async () => {
  const web = new SessionClient(inbox.url);
  await web.start();
  const first = await web.request('/api/inbox?agent=test-policy&pageSize=4');
  assert.equal(first.status, 200);
  const page = first.json as unknown as InboxPage;
  assert.equal(page.runs, 4);
  assert.ok(page.nextPageToken);
  assert.deepEqual(page.items, []);
  const next = (await web.request(`/api/inbox?agent=test-policy&pageSize=4&page=${page.nextPageToken}`)).json as unknown as InboxPage;
  assert.equal(next.runs, 1);
  assert.deepEqual([...page.listed, ...next.listed].map((run) => run.workflowId).sort(), Object.values(policyRuns).sort());
  assert.ok(page.listed.every((run) => run.tool === 'record_action' && typeof run.question === 'string' && !/\(y\/N\)/i.test(run.question)), 'in web words');

  // Signed in as bob: not the question only alice may answer.
  const mine = (await web.request('/api/inbox?agent=test-policy&mine=1&pageSize=10')).json as unknown as InboxPage;
  assert.deepEqual(mine.listed.map((run) => run.workflowId).sort(), ['plain-1', 'plain-2', 'late-1', 'quorum-1'].map((label) => policyRuns[label]!).sort());
  const overdue = (await web.request('/api/inbox?overdue=1')).json as unknown as InboxPage;
  assert.deepEqual(overdue.listed, []);
  assert.equal(overdue.runs, 0);

  const hostile = await web.request(`/api/inbox?agent=${encodeURIComponent('x" OR AgentName != "')}`);
  assert.equal(hostile.status, 400);
  assert.match(String(hostile.json.error), /may not contain quotes/);
  const bad = await web.request('/api/inbox?pageSize=5000');
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.error), /page size/);
  // Without parameters: the whole inbox as before (an array).
  const whole = await web.request('/api/inbox');
  assert.ok(Array.isArray(whole.json));
  assert.equal((whole.json as unknown as unknown[]).length, 7);
});

/** Polls `check` (50 ms apart, 15 s at most) until it gives a value. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('the web page: every waiting run in pages (next, previous), filters mine, agent and overdue, a row opens its run; text stays text', { skip: noChromium }, async () => {
  const hostile = await startWaiting('test-guarded', XSS_LABEL);
  await untilListed(inboxQuery({ agent: 'test-guarded' }), 3);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const rows = page.locator('#pages tbody tr');
    const shownIds = async () => {
      const ids: string[] = [];
      for (let i = 0; i < (await rows.count()); i++) ids.push((await rows.nth(i).getAttribute('data-run-id')) ?? '');
      return ids;
    };
    /** The page shown once its number is `n` and the buttons are back (a read is over). */
    const onPage = (n: number, count?: number) =>
      until(`page ${n}${count !== undefined ? ` with ${count} rows` : ''}`, async () => {
        if ((await page.locator('#page-number').innerText()) !== `page ${n}`) return undefined;
        if (n > 1 && (await page.locator('#page-prev').isDisabled())) return undefined;
        if (count !== undefined && (await rows.count()) !== count) return undefined;
        return shownIds();
      });
    await page.goto(`${inbox.url}/?pageSize=3`);
    const seen = [...(await onPage(1, 3))];
    await page.locator('#page-next').click();
    seen.push(...(await onPage(2, 3)));
    await page.locator('#page-next').click();
    seen.push(...(await onPage(3, 2)));
    assert.equal(await page.locator('#page-next').isDisabled(), true, 'the last page');
    assert.equal(seen.length, 8);
    assert.deepEqual(new Set(seen), new Set([...Object.values(policyRuns), ...guardedRuns, hostile]));
    await page.locator('#page-prev').click();
    assert.deepEqual(await onPage(2, 3), seen.slice(3, 6), 'previous: the same page again');

    // The hostile label is text in its row's question; nothing ran.
    const where = Math.floor(seen.indexOf(hostile) / 3) + 1;
    await page.goto(`${inbox.url}/?pageSize=3`);
    await onPage(1, 3);
    for (let n = 2; n <= where; n++) {
      await page.locator('#page-next').click();
      await onPage(n);
    }
    const hostileRow = page.locator(`#pages tbody tr[data-run-id="${hostile}"]`);
    assert.match(await hostileRow.locator('td').nth(3).innerText(), /<img src=x onerror=/);
    assert.equal(await hostileRow.locator('td').nth(2).innerText(), 'record_action');
    assert.equal(await page.evaluate('window.__xss'), undefined);
    assert.doesNotMatch(await page.locator('#pages').innerText(), /\((t\/)?y\/N\)/i, 'questions in web words: the buttons are the choices');

    const filter = async (fields: { mine?: boolean; agent?: string; overdue?: boolean }, count: number) => {
      await page.locator('#pages-filter [name="mine"]').setChecked(fields.mine ?? false);
      await page.locator('#pages-filter [name="overdue"]').setChecked(fields.overdue ?? false);
      await page.locator('#pages-filter [name="agent"]').fill(fields.agent ?? '');
      const answered = page.waitForResponse((response) => response.url().includes('/api/inbox?'));
      await page.locator('#pages-filter button[type="submit"]').click();
      await answered;
      return onPage(1, count);
    };
    // Agent: the three test-guarded runs, on one page of 3.
    assert.deepEqual(new Set(await filter({ agent: 'test-guarded' }, 3)), new Set([...guardedRuns, hostile]));
    // Mine, signed in as bob, for test-policy: not the question only alice may answer.
    const mine = [...(await filter({ mine: true, agent: 'test-policy' }, 3))];
    await page.locator('#page-next').click();
    mine.push(...(await onPage(2, 1)));
    assert.deepEqual(mine.sort(), ['plain-1', 'plain-2', 'late-1', 'quorum-1'].map((label) => policyRuns[label]!).sort());
    // Overdue: none has passed its deadline.
    await filter({ overdue: true }, 0);
    assert.equal(await page.locator('#pages-empty').isVisible(), true);
    // A hostile agent filter: refused, in words.
    await page.locator('#pages-filter [name="agent"]').fill('x" OR AgentName != "');
    await page.locator('#pages-filter [name="overdue"]').setChecked(false);
    await page.locator('#pages-filter button[type="submit"]').click();
    await until('the refusal', async () => /may not contain quotes/.test(await page.locator('#pages-error').innerText()));

    // A row opens its run's page (inbox-web.test.ts tests that page), which reads its questions in full.
    const [first] = await filter({ agent: 'test-policy' }, 3);
    assert.equal(await page.locator(`#pages tbody tr[data-run-id="${first}"] a`).getAttribute('href'), `/runs/${encodeURIComponent(first!)}`);
    const opened = (await page.evaluate(`fetch('/api/runs/${encodeURIComponent(first!)}').then((response) => response.json())`)) as { pending: Array<{ toolName?: string }> };
    assert.equal(opened.pending[0]?.toolName, 'record_action');
    await page.goto('about:blank');
  } finally {
    await browser.close();
  }
});

test('with no worker, a page lists every run from visibility at once; details, asked, mark the runs of the page unread', async () => {
  await worker.stop();
  const quick = Date.now();
  const listed = await listInboxPage(env.client, { agent: 'test-policy', pageSize: 10 });
  assert.deepEqual(listed.unread, []);
  assert.deepEqual(listed.listed.map((run) => run.workflowId).sort(), Object.values(policyRuns).sort());
  assert.ok(listed.listed.every((run) => run.agent === 'test-policy' && run.pending === 1 && run.startedAt !== undefined && run.question !== undefined));
  assert.ok(Date.now() - quick < 4000, 'no query waited for (a query to these runs waits 5 s for a worker)');

  const started = Date.now();
  const page = await listInboxPage(env.client, { agent: 'test-policy', pageSize: 2, details: true });
  assert.equal(page.runs, 2);
  assert.deepEqual(page.items, []);
  assert.equal(page.unread.length, 2, 'the two runs of the page, not the five waiting');
  for (const run of page.unread) {
    assert.equal(run.agent, 'test-policy', 'the agent from the search attribute');
    assert.equal(run.pending, 1, 'the pending count from the search attribute');
    assert.ok(Object.values(policyRuns).includes(run.workflowId));
    assert.match(run.problem, /could not be read/);
  }
  assert.ok(page.nextPageToken);
  assert.ok(Date.now() - started < 30_000, 'bounded: one details timeout for the page, not one per run in sequence');
  worker = await env.startWorker();
});
