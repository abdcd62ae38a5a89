/** The Temporal server itself restarts (same database file): trust and waiting runs survive. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TRUST_KEY } from '../../src/agents/trusted-files.js';
import { DEMO_MODEL_ID } from '../../src/models/provider.js';
import { TestEnv } from '../support/env.js';

const DEMO = { provider: 'demo', modelId: DEMO_MODEL_ID };

test('trust and a waiting run survive a Temporal server restart on the same database file', async () => {
  const dbFilename = path.join(mkdtempSync(path.join(tmpdir(), 'hitl-db-')), 'temporal.sqlite');
  const taskQueue = `restart-${process.pid}`;
  let env = await TestEnv.start({ dbFilename }, taskQueue);
  const workspace = env.workspace({ 'one.txt': '1', 'two.txt': '2', 'three.txt': '3' });
  let waitingRun: string;
  let waitingInterrupt: string;
  try {
    await env.startWorker();
    const first = await env.agents.start({ agent: 'trusted-files', prompt: 'Delete one.txt', model: DEMO, sessionId: 'durable', workspace });
    const asking = await env.agents.wait(first.workflowId);
    await env.agents.respond(first.workflowId, { interruptId: asking.pending[0]!.id, response: 't' });
    await env.agents.wait(first.workflowId);
    const view = await env.settledSession('durable');
    assert.equal(view.state[TRUST_KEY], true);

    // A second, unrelated run left waiting for a human when the server goes down.
    const pending = await env.agents.start({ agent: 'file-approval', prompt: 'Delete three.txt', model: DEMO, workspace });
    const status = await env.agents.wait(pending.workflowId);
    waitingRun = pending.workflowId;
    waitingInterrupt = status.pending[0]!.id;
  } finally {
    await env.teardown();
  }

  env = await TestEnv.start({ dbFilename }, taskQueue);
  try {
    await env.startWorker();
    assert.equal((await env.agents.session('durable')).state[TRUST_KEY], true, 'trust read back after the restart');
    const second = await env.agents.start({ agent: 'trusted-files', prompt: 'Delete two.txt', model: DEMO, sessionId: 'durable', workspace });
    const done = await env.agents.wait(second.workflowId);
    assert.equal(done.status, 'completed', 'no question: the trust survived');
    assert.ok(!existsSync(path.join(workspace, 'two.txt')));

    assert.equal((await env.agents.status(waitingRun)).status, 'waiting');
    await env.agents.respond(waitingRun, { interruptId: waitingInterrupt, response: 'y' });
    assert.equal((await env.agents.wait(waitingRun)).status, 'completed');
    assert.ok(!existsSync(path.join(workspace, 'three.txt')));
  } finally {
    await env.teardown();
  }
});
