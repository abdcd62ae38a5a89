/** The real CLI (`src/client.ts`) as a child process, for the CLI's integration tests. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLIENT = fileURLToPath(new URL('../../src/client.ts', import.meta.url));
export const TSX = import.meta.resolve('tsx');

/** When a CLI child is considered hung and killed. */
const HUNG_CLI_MS = 15 * 60_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without AWS credentials or Temporal settings from the outside. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_|TEMPORAL_|AGENT_|BEDROCK_|OPENAI_|ANTHROPIC_|PAYLOAD_)/.test(name)));
}

/** Runs the CLI with `args` in `cwd`; stdin gets `input` and then ends, as in CI. */
export function runCli(args: string[], options: { input?: string; env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', TSX, CLIENT, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    // Only a guard against a CLI that hangs, far beyond what any command needs on a loaded machine
    // (the slowest, the demo, bundles workflows in well under a minute): never a timing assertion.
    const timer = setTimeout(() => child.kill('SIGKILL'), HUNG_CLI_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function assertOk(result: CliResult, args: string[]): CliResult {
  assert.equal(result.code, 0, `client ${args.join(' ')} failed:\n${result.stderr}`);
  return result;
}

export function json<T>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}

/** Exactly one non-empty line on stderr, starting with `error:`. */
export function assertOneErrorLine(result: CliResult, pattern: RegExp): void {
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
}
