/**
 * docker-compose.yml's own services, run as it runs them but without a Docker engine: the commands
 * and environment `docker-compose config` resolves for the worker and the inbox, with /app mapped
 * to a folder here and the server to the test's dev server. A person added as the file's comment
 * says answers a run in the inbox; the run is pinned to the compose build, its payloads are
 * encrypted on the server, and the inbox's /codec (the Web UI's codec endpoint) decodes them.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunStatus } from '../../src/workflows/messages.js';
import { ENCRYPTED_ENCODING } from '../../src/codec/encryption-codec.js';
import { freePort } from '../../src/temporal/ports.js';
import { TestEnv, testBundle } from '../support/env.js';
import { assertOk, cleanEnv, CLIENT, json, runCli, TSX } from './cli-support.js';
import { SessionClient, startServeProcess, type ServeProcess } from './inbox-web-support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const YAML_TO_JSON = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))';
// docker-compose (Python) brings PyYAML: with it, the resolved file can be read here as JSON.
const available = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0 && spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
const skip = !available && !process.env.CI && 'docker-compose is not installed';
const KEYS = { PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'), INBOX_SESSION_KEY: randomBytes(32).toString('base64') };
const PASSWORD = 'alice in the compose inbox';

interface Service {
  command: string[];
  environment: Record<string, string>;
}

let env: TestEnv;
let services: Record<string, Service>;
let inbox: ServeProcess | undefined;
let worker: ReturnType<typeof spawn> | undefined;
let workerOutput = '';
const app = mkdtempSync(path.join(tmpdir(), 'hitl-compose-'));

/** A service's environment as its container gets it, with /app here and the server the test's. */
function environment(service: Service): NodeJS.ProcessEnv {
  const mapped = Object.fromEntries(Object.entries(service.environment).map(([name, value]) => [name, value.replaceAll('/app/', `${app}/`)]));
  return { ...cleanEnv(), ...mapped, TEMPORAL_ADDRESS: env.address, PATH: `${path.join(app, 'bin')}:${process.env.PATH}` };
}

before(async () => {
  if (skip) return;
  const resolved = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...KEYS } });
  services = (JSON.parse(execFileSync('python3', ['-c', YAML_TO_JSON], { input: resolved, encoding: 'utf8' })) as { services: Record<string, Service> }).services;
  // The test's own client and its end-of-file replay of every history read payloads with the compose key.
  process.env.PAYLOAD_ENCRYPTION_KEY = KEYS.PAYLOAD_ENCRYPTION_KEY;
  [env] = await Promise.all([TestEnv.start(), testBundle()]);
  for (const dir of ['bin', 'config', 'workspace']) mkdirSync(path.join(app, dir));
  // The image puts `hitl` on PATH; here it is the CLI from source.
  writeFileSync(path.join(app, 'bin', 'hitl'), `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLIENT}" "$@"\n`);
  chmodSync(path.join(app, 'bin', 'hitl'), 0o755);
});

after(async () => {
  await inbox?.stop();
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await env?.teardown();
  rmSync(app, { recursive: true, force: true });
});

test("the worker and the inbox run with compose's commands and settings: a person added as the file says answers a run in the inbox", { skip }, async () => {
  const { worker: workerService, inbox: inboxService } = services;
  assert.ok(workerService && inboxService);

  // "docker compose run --rm inbox hitl serve --add-user alice": alice may sign in, and the workers accept the inbox's answers for her.
  const added = assertOk(await runCli(['serve', '--add-user', 'alice'], { env: environment(inboxService), cwd: app, input: `${PASSWORD}\n` }), ['serve', '--add-user']);
  assert.match(added.stdout, /alice may sign in/);
  assert.ok(JSON.parse(readFileSync(path.join(app, 'config', 'approvers.json'), 'utf8')).alice, 'the service key is listed under alice');

  // The worker's command as it stands in the file (`sh -c "hitl setup && exec hitl worker"`), from /app.
  worker = spawn(workerService.command[0]!, workerService.command.slice(1), { cwd: app, env: environment(workerService), stdio: ['ignore', 'pipe', 'pipe'] });
  worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
  worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));

  // The inbox's command, on a free port instead of 8000.
  const port = String(await freePort());
  const args = inboxService.command.slice(2).map((arg) => arg.replace('8000', port));
  inbox = await startServeProcess(args, environment(inboxService));

  const cliEnv = { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, PAYLOAD_ENCRYPTION_KEY: KEYS.PAYLOAD_ENCRYPTION_KEY, AGENT_KEYS_DIR: path.join(app, 'keys') };
  const cli = async (args: string[]) => assertOk(await runCli(args, { env: cliEnv, cwd: app }), args);
  writeFileSync(path.join(app, 'workspace', 'old_report.txt'), 'r');
  // The path inside the container: the worker runs the tools on its /app/workspace.
  const { workflowId } = json<{ workflowId: string }>(await cli(['start', '--agent', 'file-approval', '--workspace', path.join(app, 'workspace'), '--json', 'Delete old_report.txt']));
  const waiting = json<RunStatus>(await cli(['wait', workflowId, '--json']));
  assert.equal(waiting.status, 'waiting', workerOutput);

  const alice = new SessionClient(inbox.url);
  assert.equal((await alice.start({ name: 'alice', password: PASSWORD })).status, 200);
  const listed = await alice.request('/api/inbox');
  assert.ok(listed.text.includes(workflowId), 'the inbox lists the waiting question');
  const question = waiting.pending[0]!;
  const answered = await alice.request(`/api/runs/${workflowId}/answer`, { body: { interruptId: question.id, action: 'approve', binding: question.binding } });
  assert.equal(answered.status, 200, answered.text);
  const done = json<RunStatus>(await cli(['wait', workflowId, '--json']));
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.answered.map((answer) => answer.respondedBy), ['alice']);
  assert.ok(!readdirSync(path.join(app, 'workspace')).includes('old_report.txt'), 'the approved delete ran in the worker');

  // Payloads are encrypted on the server, and the inbox's /codec (the Web UI's codec endpoint) opens them for alice.
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  assert.equal(Buffer.from(input.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
  const wire = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('base64');
  const decoded = await alice.request('/codec/decode', {
    body: { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([key, value]) => [key, wire(value)])), data: wire(input.data) }] },
  });
  assert.equal(decoded.status, 200, decoded.text);
  assert.match(Buffer.from(String((decoded.json.payloads as { data: string }[])[0]!.data), 'base64').toString(), /Delete old_report\.txt/);

  // Pinned to the compose build: the deployment and build the file names.
  const versions = (await cli(['versions', '--json', '--deployment', workerService.environment.AGENT_DEPLOYMENT_NAME!])).stdout;
  assert.match(versions, new RegExp(`"current":\\s*"${workerService.environment.AGENT_BUILD_ID}"`));

  // SIGTERM, as `docker compose stop` sends: the worker stops within its grace and exits 0.
  const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
  worker!.kill('SIGTERM');
  assert.equal(await exited, 0, workerOutput);
  assert.ok(existsSync(path.join(app, 'config', 'service-key.json')), "the inbox's service key lives in the mounted config folder");
});
