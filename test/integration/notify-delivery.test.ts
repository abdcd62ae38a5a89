/**
 * Notification delivery through real runs and real Temporal retries, with the worker in its own
 * process: a failing webhook is retried with backoff and delivered once, and across a worker
 * SIGKILLed in the middle of a delivery each channel still gets each event exactly once (the
 * channels already delivered are remembered in the activity's heartbeat details). Every delivery
 * lands in the run's decision log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { DeliveryStatus } from '../../src/notify/event.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import { startWorkerProcess, type WorkerProcess } from '../faults/processes.js';
import { approverFiles } from '../support/approvers.js';
import { TestEnv, testBundle } from '../support/env.js';
import { HttpReceiver } from '../unit/notify-receivers.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** A Slack stand-in that can hold requests unanswered; only answered requests count as delivered. */
class HoldingReceiver {
  readonly acknowledged: string[] = [];
  readonly held: ServerResponse[] = [];
  holding = false;
  private readonly server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (this.holding) {
        this.held.push(response);
        return;
      }
      this.acknowledged.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end('ok');
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/slack`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let env: TestEnv;
let webhook: HttpReceiver;
let slack: HoldingReceiver;
let bundleFile: string;
const workers = new Set<WorkerProcess>();

before(async () => {
  env = await TestEnv.start();
  [webhook, slack] = await Promise.all([HttpReceiver.start(), new HoldingReceiver().start()]);
  bundleFile = path.join(mkdtempSync(path.join(tmpdir(), 'notify-bundle-')), 'workflows.js');
  writeFileSync(bundleFile, (await testBundle()).code);
});
after(async () => {
  await Promise.all([...workers].map((worker) => worker.kill()));
  await Promise.all([webhook?.close(), slack?.close()]);
  await env?.teardown();
});

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess({
    TEMPORAL_ADDRESS: env.address,
    FAULT_TASK_QUEUE: env.taskQueue,
    FAULT_BUNDLE: bundleFile,
    FAULT_LEDGER: env.ledger,
    BEDROCK_ENDPOINT: env.bedrock.endpoint,
    AGENT_APPROVER_KEYS: approverFiles().approvers,
    AGENT_WORKSPACE_ROOTS: tmpdir(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NOTIFY_WEBHOOK_URL: webhook.url('/hook'),
    NOTIFY_WEBHOOK_SECRET: SECRET,
    NOTIFY_SLACK_WEBHOOK_URL: slack.url,
    NOTIFY_INBOX_URL: 'http://127.0.0.1:8787',
  });
  workers.add(worker);
  return worker;
}

/** Reads until `done` holds, 250 ms apart, giving up after `limitMs` (a crashed attempt is retried after the activity's 1-minute timeout). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, limitMs = 150_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value).slice(0, 800)}`);
    await sleep(250);
  }
}

function deliveries(status: RunStatus): DeliveryStatus[] {
  return status.decisions.filter((note) => note.kind === 'notified').map((note) => note.detail as unknown as DeliveryStatus);
}

async function waitingRun(label: string) {
  const model = env.model({ kind: 'toolUse', uses: [{ name: 'record_action', input: { label } }] }, { kind: 'text', text: `finished ${label}` });
  const { workflowId } = await env.agents.start({ agent: 'test-guarded', prompt: `record ${label}`, model });
  const status = await env.untilPending(workflowId, 1);
  return { workflowId, interruptId: status.pending[0]!.id };
}

function webhooksFor(workflowId: string) {
  return webhook.received('/hook').filter((request) => JSON.parse(request.body).run.id === workflowId);
}

test('a failing webhook is retried with backoff by Temporal and delivered once; Slack is not sent again; both show in the decision log', async () => {
  await startWorker();
  webhook.failures = [503, 502];
  const run = await waitingRun('retried');
  const status = await until(() => env.agents.status(run.workflowId), (s) => deliveries(s).length >= 2, 'two deliveries in the decision log');
  const byChannel = Object.fromEntries(deliveries(status).map((delivery) => [delivery.channel, delivery]));
  assert.equal(byChannel.webhook?.outcome, 'delivered');
  assert.equal(byChannel.webhook?.detail, 'on attempt 3');
  assert.equal(byChannel.slack?.outcome, 'delivered');
  assert.equal(byChannel.slack?.detail, undefined, 'Slack went out on the first attempt, and only then');
  const requests = webhooksFor(run.workflowId);
  assert.equal(requests.length, 3, 'two refused tries and one delivery');
  assert.equal(new Set(requests.map((request) => request.headers['webhook-id'])).size, 1, 'one event id on every try');
  const eventId = requests[0]!.headers['webhook-id'] as string;
  assert.equal(eventId, `${run.workflowId}:${run.interruptId}:waiting`);
  assert.equal(new Webhook(SECRET).verify(requests[2]!.body, requests[2]!.headers as Record<string, string>) !== undefined, true);
  assert.equal(slack.acknowledged.filter((body) => body.includes(run.workflowId)).length, 1);
  await env.agents.respond(run.workflowId, { interruptId: run.interruptId, response: 'y' });
  assert.equal((await env.agents.result(run.workflowId)).text, 'finished retried');
  assert.equal(webhooksFor(run.workflowId).length, 3, 'an answered question sends nothing more');
});

test('exactly one delivery per channel across a worker SIGKILLed mid-delivery', async () => {
  const first = [...workers][0] ?? (await startWorker());
  slack.holding = true;
  const run = await waitingRun('crash');
  // The webhook is delivered and remembered; Slack hangs, so the attempt is still running.
  await until(async () => webhooksFor(run.workflowId).length, (count) => count === 1, 'the webhook delivery');
  await until(async () => slack.held.length, (count) => count >= 1, 'the Slack request to hang');
  const handle = env.client.workflow.getHandle(run.workflowId);
  await until(
    async () => (await handle.describe()).raw.pendingActivities ?? [],
    (activities) => activities.some((activity) => activity.activityType?.name === 'notify' && (activity.heartbeatDetails?.payloads?.length ?? 0) > 0),
    'the heartbeat with the delivered webhook to reach the server',
  );
  await first.kill();
  workers.delete(first);
  for (const response of slack.held.splice(0)) response.destroy();
  slack.holding = false;
  await startWorker();

  const status = await until(() => env.agents.status(run.workflowId), (s) => deliveries(s).length >= 2, 'both deliveries after the retry');
  const byChannel = Object.fromEntries(deliveries(status).map((delivery) => [delivery.channel, delivery]));
  assert.equal(byChannel.slack?.outcome, 'delivered');
  assert.match(byChannel.slack?.detail ?? '', /^on attempt [2-9]$/, 'Slack went out on the retry');
  assert.equal(byChannel.webhook?.outcome, 'delivered');
  assert.equal(byChannel.webhook?.detail, undefined, 'the webhook counts its first delivery');
  assert.equal(webhooksFor(run.workflowId).length, 1, 'the retry did not send the webhook again');
  assert.equal(slack.acknowledged.filter((body) => body.includes(run.workflowId)).length, 1, 'Slack got the event once');
  await env.agents.respond(run.workflowId, { interruptId: run.interruptId, response: 'n' });
  await env.agents.result(run.workflowId);
});
