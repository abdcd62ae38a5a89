/**
 * Child processes for the package, init and fresh-machine tests: commands that must succeed, a
 * PATH without `temporal`, npm, and the packed package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository: the package that `packPackage` packs. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects with its exit code and last stderr lines when it fails. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 5 * 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(command)} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr.split('\n').slice(-15).join('\n')}\n${stdout.slice(-2000)}`));
    });
  });
}

/** Children started in a process group of their own (`npm run …` runs the command beneath a shell): `stop` signals the whole group. */
const groups = new WeakSet<ChildProcess>();

/**
 * Starts a long-running process and resolves once its stdout has printed a line matching `ready`.
 * `group`: in a process group of its own, for commands that run the real process beneath them (`npm run worker`).
 */
export function startUntil(command: string, args: string[], ready: RegExp, options: { cwd: string; env: NodeJS.ProcessEnv; group?: boolean }): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.group === true });
  if (options.group) groups.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not print ${ready} within 2 minutes:\n${output}`)), 120_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Stops a process started by `startUntil` and waits for it. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (groups.has(child) && child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
  else child.kill('SIGINT');
  await exited;
}

/** PATH with this Node first and every folder that holds a `temporal` binary left out. */
export function pathWithoutTemporal(): string {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter((dir) => dir && !existsSync(path.join(dir, 'temporal')));
  return [path.dirname(process.execPath), ...dirs].join(path.delimiter);
}

/** The environment without Temporal, agent, AWS or npm settings from the outside, nor the test runner's own (a nested `node --test` would report to it). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_|TEMPORAL_|AGENT_|BEDROCK_|npm_|NODE_TEST_CONTEXT$)/.test(name)));
}

/** PATH with this Node first, so that `npm` and the scripts it runs use it. */
export function pathWithThisNode(): string {
  return [path.dirname(process.execPath), process.env['PATH'] ?? ''].join(path.delimiter);
}

/** npm in `cwd`, with a clean environment (no outside Temporal, agent, AWS or npm settings) and this Node first on PATH. */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, env: { ...cleanEnv(), PATH: pathWithThisNode(), ...env }, timeoutMs: 10 * 60_000 });
}

export interface Packed {
  /** The tarball's absolute path. */
  tarball: string;
  /** The paths it ships. */
  files: string[];
}

/** `npm pack` of this repository into `destination`: builds dist (prepack) and ships only what package.json's `files` names. */
export async function packPackage(destination: string): Promise<Packed> {
  const packed = JSON.parse((await npm(['pack', '--json', '--pack-destination', destination], ROOT)).stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: path.join(destination, packed[0]!.filename), files: packed[0]!.files.map((file) => file.path) };
}
