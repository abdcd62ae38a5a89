/**
 * The example chat app (examples/chat) in headless Chromium: its page built here with esbuild from
 * the example's own files (React, `@ai-sdk/react`'s useChat), its Hono server mounting the chat
 * handler, its worker (the refund agent, whose AI SDK tool needs approval, on the offline AI SDK
 * model) on a real dev server. A prompt typed in the page streams the model's text in; approving in
 * the chat runs the tool and shows its result; a reload while the question waits shows the run and
 * its question again (resume), and approving there finishes the run.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { buildChatPage } from '../../examples/chat/build.js';
import { createChatApp } from '../../examples/chat/server.js';
import { chatPluginOptions } from '../../examples/chat/worker.js';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { ServiceSigner } from '../../src/server/service-key.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { modulePath, writeWorkflowEntry } from '../../src/temporal/workflow-entry.js';
import { TestEnv } from '../support/env.js';
import { registerReplayBundle } from '../support/run-checks.js';
import { chromiumAvailable, CHROMIUM, launchChromium } from './inbox-web-support.js';
import { ROOT } from './package-support.js';

const skip = !chromiumAvailable && `no Chromium at ${CHROMIUM}`;

let env: TestEnv;
let browser: Browser;
let server: Server;
let url: string;
let built: string[];

before(async () => {
  if (skip) return;
  const options = chatPluginOptions();
  // The worker's bundle, built as the plugin builds it (and kept for the replay check at teardown).
  const bundle = registerReplayBundle(
    bundleWorkflowCode(withAgentBundling({ workflowsPath: writeWorkflowEntry(modulePath(options.agents)), failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })),
  );
  const publicDir = mkdtempSync(path.join(tmpdir(), 'chat-page-'));
  let workflowBundle;
  [env, built, workflowBundle] = await Promise.all([TestEnv.start(), buildChatPage(publicDir), bundle]);
  await env.startWorker({ workflowBundle, tools: options.tools, providers: options.models });
  const { signer } = ServiceSigner.load(path.join(mkdtempSync(path.join(tmpdir(), 'chat-key-')), 'service.json'));
  const app = createChatApp({ agents: env.agents, signer, publicDir, user: () => 'dana' });
  server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await env?.teardown();
});

async function openChat(chatId: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/#${chatId}`);
  await page.waitForSelector('[data-testid=who]:has-text("signed in as dana")');
  return page;
}

async function ask(page: Page, prompt: string): Promise<void> {
  await page.fill('[data-testid=prompt]', prompt);
  await page.press('[data-testid=prompt]', 'Enter');
}

/** What runs in the page: the DOM's globals, which this (Node) project's types do not declare. */
type InPage = typeof globalThis & {
  document: { body: { innerText: string }; querySelector(selector: string): { textContent: string | null } | null };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
  seen: string[];
};

const bodyIncludes = (page: Page, text: string) =>
  page.waitForFunction((wanted) => (globalThis as InPage).document.body.innerText.includes(wanted), text, { timeout: 60_000 });

test("the example's page is built from its own files, and its browser code typechecks", { skip }, async () => {
  assert.deepEqual(built.map((file) => path.basename(file)).sort(), ['app.js', 'index.html']);
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'examples', 'chat', 'tsconfig.json')], { cwd: ROOT });
});

test("a prompt typed in the chat streams the model's text in; approving in the chat runs the tool, shows its result, and the run finishes", { skip }, async () => {
  const page = await openChat('chat-stream');
  // Every state the answer's first text goes through, as the page shows it.
  await page.evaluate(() => {
    const inPage = globalThis as InPage;
    const seen: string[] = [];
    inPage.seen = seen;
    new inPage.MutationObserver(() => {
      const text = inPage.document.querySelector('[data-testid=message-assistant] [data-testid=assistant-text]')?.textContent;
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(inPage.document.body, { subtree: true, childList: true, characterData: true });
  });
  await ask(page, 'Refund 40 EUR for order A-17');
  await page.waitForSelector('[data-testid=approve]', { timeout: 60_000 });
  const said = 'I will refund 40 for order A-17. A person approves refunds first.';
  const seen = await page.evaluate(() => (globalThis as InPage).seen);
  assert.equal(seen.at(-1), said);
  assert.ok(seen.some((text) => text.length < said.length && said.startsWith(text)), `the text arrived in pieces: ${JSON.stringify(seen)}`);
  assert.match(await page.innerText('[data-testid=tool]'), /issue_refund \{"order":"A-17","amount":40\}\s*Approve issue_refund\?/);

  await page.click('[data-testid=approve]');
  await page.waitForSelector('[data-testid=tool-output]', { timeout: 60_000 });
  const output = JSON.parse(await page.innerText('[data-testid=tool-output]')) as { refunded: number; order: string; reference: string };
  assert.deepEqual([output.refunded, output.order], [40, 'A-17']);
  await bodyIncludes(page, `Done: refunded 40 for order A-17 (reference ${output.reference}).`);
  assert.equal(await page.locator('[data-testid=error]').count(), 0);

  const session = await env.settledSession('chat-stream');
  assert.deepEqual(session.runs.map((run) => run.outcome), ['completed']);
  const status = await env.agents.status(session.runs[0]!.runId);
  assert.deepEqual(status.answered.map((answer) => [answer.respondedBy, answer.response]), [['dana', 'y']]);
});

test('a reload while the question waits shows the run and its question again; a second tab sees it too; approving after the reload finishes the run', { skip }, async () => {
  const page = await openChat('chat-reload');
  await ask(page, 'Refund 15 for order B-2');
  await page.waitForSelector('[data-testid=approve]', { timeout: 60_000 });

  await page.reload();
  await page.waitForSelector('[data-testid=approve]', { timeout: 60_000 });
  assert.equal(await page.innerText('[data-testid=run-prompt]'), 'asked: Refund 15 for order B-2');
  assert.match(await page.innerText('[data-testid=message-assistant]'), /I will refund 15 for order B-2\. A person approves refunds first\./);

  const other = await openChat('chat-reload');
  await other.waitForSelector('[data-testid=approve]', { timeout: 60_000 });
  await other.close();

  await page.click('[data-testid=approve]');
  await bodyIncludes(page, 'Done: refunded 15 for order B-2');
  const session = await env.settledSession('chat-reload');
  assert.deepEqual(session.runs.map((run) => run.outcome), ['completed']);
});
