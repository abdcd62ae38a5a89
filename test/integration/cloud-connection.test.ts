/**
 * Temporal Cloud, as far as it can be checked without it: a TLS gateway in front of the dev server
 * asks what Cloud asks (a client certificate its CA signed, or an API key), and the worker and the
 * CLI reach it through a temporal.toml profile only, with no address or credentials in flags or
 * variables. A whole run (start, question, approval, the tool, the result) goes through it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunStatus } from '../../src/workflows/messages.js';
import { connectWorker } from '../../src/temporal/connection.js';
import { TestEnv } from '../support/env.js';
import { makeCertificates, startTlsGateway, type Certificates, type TlsGateway } from '../support/tls-gateway.js';
import { assertOk, assertOneErrorLine, cleanEnv, json, runCli, type CliResult } from './cli-support.js';

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const skip = !hasOpenssl && !process.env.CI && 'openssl is not installed';
const FILES = { 'old_report.txt': 'r', 'temp_data.csv': 'c' };
const PROMPT = "Please delete these old files: ['old_report.txt', 'temp_data.csv']";
const API_KEY = 'test-api-key-0f3c';

let env: TestEnv;
let certificates: Certificates;
let mtls: TlsGateway;
let keyed: TlsGateway;
const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-cloud-'));
const config = path.join(scratch, 'temporal.toml');

before(async () => {
  if (skip) return;
  env = await TestEnv.start();
  certificates = makeCertificates(scratch);
  [mtls, keyed] = await Promise.all([
    startTlsGateway({ upstream: env.address, certificates }),
    startTlsGateway({ upstream: env.address, certificates, apiKey: API_KEY }),
  ]);
  const worker = certificates.client('hitl-worker');
  const cli = certificates.client('hitl-cli');
  const tls = (identity?: { cert: string; key: string }) =>
    [identity ? `client_cert_path = "${identity.cert}"\nclient_key_path = "${identity.key}"` : '', `server_ca_cert_path = "${certificates.caCert}"`, 'server_name = "localhost"']
      .filter(Boolean)
      .join('\n');
  const rogue = certificates.rogueClient();
  writeFileSync(
    config,
    [
      `[profile.worker]\naddress = "${mtls.address}"\nnamespace = "default"\n[profile.worker.tls]\n${tls(worker)}`,
      `[profile.cli]\naddress = "${mtls.address}"\nnamespace = "default"\n[profile.cli.tls]\n${tls(cli)}`,
      `[profile.rogue]\naddress = "${mtls.address}"\nnamespace = "default"\n[profile.rogue.tls]\n${tls(rogue)}`,
      `[profile.apikey]\naddress = "${keyed.address}"\nnamespace = "default"\napi_key = "${API_KEY}"\n[profile.apikey.tls]\n${tls()}`,
    ].join('\n\n') + '\n',
  );
  // The worker connects as a deployed one would: from the profile alone.
  process.env.TEMPORAL_CONFIG_FILE = config;
  process.env.TEMPORAL_PROFILE = 'worker';
  const { connection } = await connectWorker();
  delete process.env.TEMPORAL_CONFIG_FILE;
  delete process.env.TEMPORAL_PROFILE;
  await env.startWorker({ connection });
});

after(async () => {
  await env?.teardown();
  await Promise.all([mtls?.close(), keyed?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

function cli(args: string[], profile: string): Promise<CliResult> {
  // Nothing but the profile says where the server is or who is calling.
  const cliEnv = { ...cleanEnv(), TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: profile, AGENT_TASK_QUEUE: env.taskQueue, AGENT_MODEL_PROVIDER: 'demo', AGENT_KEYS_DIR: path.join(scratch, 'no-keys') };
  return runCli(args, { cwd: scratch, env: cliEnv });
}

async function ok(args: string[], profile = 'cli'): Promise<CliResult> {
  return assertOk(await cli(args, profile), args);
}

test('over mTLS from a profile: the CLI starts a run, the worker runs it, the approval and the tool go through, each with its own certificate', { skip }, async () => {
  const workspace = env.workspace(FILES);
  const { workflowId } = json<{ workflowId: string }>(await ok(['start', '--agent', 'file-approval', '--workspace', workspace, '--json', PROMPT]));
  assert.equal(json<RunStatus>(await ok(['wait', workflowId, '--json'])).status, 'waiting');
  await ok(['approve', workflowId]);
  const done = json<RunStatus>(await ok(['wait', workflowId, '--json']));
  assert.equal(done.status, 'completed');
  assert.equal(spawnSync('ls', [workspace], { encoding: 'utf8' }).stdout.trim(), '', 'the approved delete ran');

  const by = (subject: string, method: string) => mtls.calls.some((call) => call.subject === subject && call.path.endsWith(`/${method}`));
  // The CLI starts a run with update-with-start (ExecuteMultiOperation) and answers with an update.
  assert.ok(by('hitl-cli', 'ExecuteMultiOperation') && by('hitl-cli', 'UpdateWorkflowExecution'), 'the CLI started and answered the run with its certificate');
  assert.ok(by('hitl-worker', 'PollWorkflowTaskQueue') && by('hitl-worker', 'RespondActivityTaskCompleted'), 'the worker polled and completed activities with its own');
  assert.ok(mtls.calls.every((call) => call.subject === 'hitl-cli' || call.subject === 'hitl-worker'), 'no call went through without a known certificate');
});

test('a certificate another CA signed is refused in the handshake, and the CLI says it cannot reach the server, in one line', { skip }, async () => {
  const refusedBefore = mtls.refusedHandshakes;
  assertOneErrorLine(
    await cli(['inbox', '--json'], 'rogue'),
    new RegExp(`cannot reach the Temporal server at ${mtls.address.replace(/\./g, '\\.')}: .*check that it runs there and that the address and TLS settings`),
  );
  assert.ok(mtls.refusedHandshakes > refusedBefore, 'the gateway refused the handshake');
});

test('with an API key from a profile every call carries it as a bearer token; a wrong key is refused with the server\'s reason', { skip }, async () => {
  const { workflowId } = json<{ workflowId: string }>(await ok(['start', '--agent', 'file-approval', '--workspace', env.workspace(FILES), '--json', PROMPT], 'apikey'));
  assert.equal(json<RunStatus>(await ok(['wait', workflowId, '--json'], 'apikey')).status, 'waiting');
  assert.ok(keyed.calls.length > 0 && keyed.calls.every((call) => call.authorization === `Bearer ${API_KEY}`), 'every call carried the key');
  // --api-key overrides the profile's key, as for the temporal CLI.
  assertOneErrorLine(
    await cli(['status', workflowId, '--api-key', 'not-the-key'], 'apikey'),
    /refused this client's credentials \(UNAUTHENTICATED: Request unauthorized\.\): check the API key/,
  );
  assert.equal(json<RunStatus>(await ok(['status', workflowId, '--json'], 'apikey')).status, 'waiting', 'the refused call changed nothing');
});
