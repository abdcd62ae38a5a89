/**
 * The Temporal Web UI decodes encrypted payloads through `serve`'s `/codec` endpoint, checked in
 * headless Chromium: the dev server's UI is told the endpoint (`--ui-codec-endpoint`), the browser
 * calls it across origins (CORS), and the run's input shows in clear on the page while the server
 * holds it encrypted. Outside dev mode the endpoint wants a signed-in person.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import { ServiceSigner } from '../../src/server/service-key.js';
import { startInboxServer, type InboxServer } from '../../src/server/start.js';
import { freePort, reservePort } from '../../src/temporal/ports.js';
import { TestEnv } from '../support/env.js';
import { chromiumAvailable as available, CHROMIUM, launchChromium } from './inbox-web-support.js';

const SECRET = 'wombat-invoice-5512';

let env: TestEnv;
let browser: Browser;
let inbox: InboxServer;
let uiPort: number;

before(async () => {
  if (!available) return;
  process.env.PAYLOAD_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  // The inbox needs the server's client, and the server must be told the inbox's address first:
  // the port stays held until the inbox binds it, so the dev server cannot pick it meanwhile.
  const inboxPort = await reservePort();
  uiPort = await freePort();
  env = await TestEnv.start({ ui: true, uiPort, extraArgs: ['--ui-codec-endpoint', `http://127.0.0.1:${inboxPort.port}/codec`] });
  await env.startWorker();
  const { signer } = ServiceSigner.load(path.join(mkdtempSync(path.join(tmpdir(), 'codec-ui-key-')), 'service.json'));
  await inboxPort.release();
  inbox = await startInboxServer({ agents: env.agents, signer, host: '127.0.0.1', port: inboxPort.port, devUser: 'dana' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await inbox?.close();
  await env?.teardown();
  delete process.env.PAYLOAD_ENCRYPTION_KEY;
});

test('the Web UI shows the decoded input of an encrypted run through /codec', { skip: !available && `no Chromium at ${CHROMIUM}` }, async () => {
  const workspace = env.workspace({ [`${SECRET}.txt`]: 'x' });
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: `Please delete ${SECRET}.txt`, model: { provider: 'demo', modelId: DEMO_MODEL_ID }, workspace });
  assert.equal((await env.agents.wait(workflowId)).status, 'waiting');

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const decodes: number[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/codec/decode') decodes.push(response.status());
  });
  await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${workflowId}`);
  await page.getByText(`Please delete ${SECRET}.txt`).first().waitFor({ timeout: 30_000 });
  assert.ok(decodes.length > 0 && decodes.every((status) => status === 200), `codec answers: ${decodes.join(', ')}`);
  await env.agents.cancel(workflowId);
});

test('outside dev mode the codec endpoint wants a signed-in person', { skip: !available && `no Chromium at ${CHROMIUM}` }, async () => {
  const users = path.join(mkdtempSync(path.join(tmpdir(), 'codec-users-')), 'users.json');
  const { setUserPassword } = await import('../../src/server/users.js');
  await setUserPassword(users, 'erin', 'correct horse battery');
  const { signer } = ServiceSigner.load(path.join(mkdtempSync(path.join(tmpdir(), 'codec-key-')), 'service.json'));
  const guarded = await startInboxServer({ agents: env.agents, signer, host: '127.0.0.1', port: 0, usersFile: users });
  try {
    const body = JSON.stringify({ payloads: [] });
    const refused = await fetch(`${guarded.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(refused.status, 401);
    const signIn = await fetch(`${guarded.url}/api/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'erin', password: 'correct horse battery' }) });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const allowed = await fetch(`${guarded.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body });
    assert.equal(allowed.status, 200);
    assert.deepEqual(await allowed.json(), { payloads: [] });
  } finally {
    await guarded.close();
  }
});
