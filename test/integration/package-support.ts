/** Child processes for the package and fresh-machine tests: commands that must succeed, and a PATH without `temporal`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

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

/** Starts a long-running process and resolves once its stdout has printed a line matching `ready`. */
export function startUntil(command: string, args: string[], ready: RegExp, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  child.kill('SIGINT');
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
