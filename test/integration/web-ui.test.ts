/**
 * The Temporal Web UI shows what a run waits for, checked in a real browser: headless Chromium
 * (Debian's package) against the dev server's UI. A screenshot lands in the test's temp folder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import { freePort } from '../../src/temporal/ports.js';
import { TestEnv } from '../support/env.js';
import { chromiumAvailable as available, CHROMIUM, launchChromium } from './inbox-web-support.js';


/** The text of the page and all its frames, once every pattern matches it (or the last try's text). */
async function textOnceMatching(page: Page, patterns: RegExp[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const texts = await Promise.all(page.frames().map((frame) => frame.innerText('body').catch(() => '')));
    const text = texts.join('\n');
    if (patterns.every((pattern) => pattern.test(text)) || Date.now() > deadline) {
      for (const pattern of patterns) assert.match(text, pattern);
      return text;
    }
    await page.waitForTimeout(250);
  }
}

let env: TestEnv;
let browser: Browser;
let uiPort: number;
before(async () => {
  if (!available) return;
  uiPort = await freePort();
  env = await TestEnv.start({ ui: true, uiPort });
  await env.startWorker();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await env?.teardown();
});

test('the run page shows the summary and, in words, what the run waits for', { skip: !available && `no Chromium at ${CHROMIUM}` }, async () => {
  const workspace = env.workspace({ 'a.txt': 'a', 'b.txt': 'b' });
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: "Please delete ['a.txt', 'b.txt']", model: { provider: 'demo', modelId: DEMO_MODEL_ID }, workspace });
  assert.equal((await env.agents.wait(workflowId)).status, 'waiting');

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${workflowId}`);
  // The timeline labels activities with their summaries.
  await page.getByText('tool: inspect_files').first().waitFor({ timeout: 30_000 });
  await page.getByText('User Metadata').first().click();
  // The UI renders summary and details as markdown in frames, with typographic quotes: match any quote.
  const text = await textOnceMatching(page, [
    /waiting for filemanager-approval: delete_files \[.a\.txt., .b\.txt.\]/,
    /Approve deleting these files\? \(y\/N\)/,
    /file-approval: Please delete \[.a\.txt., .b\.txt.\]/,
  ]);
  assert.match(text, /asked \d{4}-\d\d-\d\dT/);
  const screenshot = path.join(mkdtempSync(path.join(tmpdir(), 'hitl-ui-')), 'waiting-run.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok(existsSync(screenshot));
  console.log(`Web UI screenshot: ${screenshot}`);
  await env.agents.cancel(workflowId);
});
