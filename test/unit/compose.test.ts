/** docker-compose.yml is a valid Compose file wiring the worker and the inbox to the server (checked without a Docker engine). */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const skip = !hasCompose && !process.env.CI && 'docker-compose is not installed';
const KEYS = { PAYLOAD_ENCRYPTION_KEY: 'payload-key', INBOX_SESSION_KEY: 'session-key' };

function compose(env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
}

test('docker-compose config accepts the file: PostgreSQL, Temporal, the Web UI, the worker and the inbox', { skip }, () => {
  const services = compose(KEYS, 'config', '--services');
  assert.equal(services.status, 0, services.stderr);
  assert.deepEqual(services.stdout.trim().split('\n').sort(), ['inbox', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
  const config = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...KEYS, AGENT_BUILD_ID: '7' } });
  assert.match(config, /TEMPORAL_ADDRESS: temporal:7233/);
  assert.match(config, /DB: postgres12/);
  assert.match(config, /published: 7233|7233:7233/);
  assert.match(config, /hitl setup && exec hitl worker/);
  // The settings the docs describe: versioning, the codec for the Web UI, one payload key for both containers.
  assert.match(config, /AGENT_BUILD_ID: '7'/);
  assert.match(config, /image: hitl-agents:7/);
  assert.match(config, /TEMPORAL_CODEC_ENDPOINT: http:\/\/localhost:8000\/codec/);
  assert.equal(config.match(/PAYLOAD_ENCRYPTION_KEY: payload-key/g)?.length, 2, 'the worker and the inbox share the payload key');
  assert.match(config, /- serve\n\s+- --host\n\s+- 0\.0\.0\.0/);
});

test('docker-compose refuses to start without the keys, naming where to set them', { skip }, () => {
  const missing = compose({}, 'config', '--quiet');
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /set it in \.env \(compose\.env\.example says how\)/);
});
