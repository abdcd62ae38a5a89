/** docker-compose.yml is a valid Compose file wiring the worker to the server (checked without a Docker engine). */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

test('docker-compose config accepts the file: PostgreSQL, Temporal, the Web UI and the worker', { skip: !hasCompose && !process.env.CI && 'docker-compose is not installed' }, () => {
  const compose = (...args: string[]) => execFileSync('docker-compose', ['-f', 'docker-compose.yml', ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.deepEqual(compose('config', '--services').trim().split('\n').sort(), ['postgresql', 'temporal', 'temporal-ui', 'worker']);
  const config = compose('config');
  assert.match(config, /TEMPORAL_ADDRESS: temporal:7233/);
  assert.match(config, /DB: postgres12/);
  assert.match(config, /published: 7233|7233:7233/);
  assert.match(config, /hitl setup && exec hitl worker/);
});
