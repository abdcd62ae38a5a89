/**
 * The unit tests and the packed example project (test/integration/package.test.ts) on Node 24, the
 * current LTS line, beside the Node this machine has. Node 24 comes from the npm registry's `node`
 * package, installed into .tools/node24 (its own prefix: the project's lockfile is untouched).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PREFIX = path.join(ROOT, '.tools', 'node24');
const BIN = path.join(PREFIX, 'node_modules', '.bin');
const NODE24 = path.join(BIN, process.platform === 'win32' ? 'node.cmd' : 'node');

function version(): string | undefined {
  const probe = spawnSync(NODE24, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

if (!version()?.startsWith('v24.')) {
  console.error('test:node24: installing Node 24 from the npm registry (node@24) into .tools/node24 ...');
  execFileSync('npm', ['install', '--prefix', PREFIX, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node@24'], { stdio: 'inherit' });
}
const installed = version();
if (!installed?.startsWith('v24.')) {
  console.error(`test:node24: ${NODE24} is ${installed ?? 'not runnable'}, not Node 24`);
  process.exit(1);
}
console.error(`test:node24: unit tests and the example project on Node ${installed}`);

const units = readdirSync(path.join(ROOT, 'test', 'unit'))
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => path.join('test', 'unit', name));
// Child processes (npm, the example's `hitl` binary) find Node 24 first on PATH too.
const result = spawnSync(NODE24, ['--import', 'tsx', '--test', '--test-concurrency=1', ...units, path.join('test', 'integration', 'package.test.ts')], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PATH: [BIN, process.env['PATH'] ?? ''].join(path.delimiter) },
});
process.exit(result.status ?? 1);
