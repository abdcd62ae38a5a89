/** Processes the fault suite can kill: a Temporal dev server on a database file, and workers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { findTemporalCli } from '../../src/temporal/binaries.js';
import { AGENT_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';

async function untilListening(port: number, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) return;
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface ServerProcess {
  address: string;
  kill(): Promise<void>;
}

/** `temporal server start-dev` on `port` with `dbFile`; `kill()` is a SIGKILL. */
export async function startServer(port: number, dbFile: string): Promise<ServerProcess> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('no temporal CLI: run `npm run temporal:ensure`');
  const child = spawn(
    cli,
    [
      'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile,
      '--log-level', 'error', ...AGENT_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${titleCase(key.type)}`]),
    ],
    { stdio: 'ignore' },
  );
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  await untilListening(port, 20_000, () => exited !== undefined);
  // Something else on the port (our server could not bind it): it would answer our clients instead.
  if (exited !== undefined) throw new Error(`temporal server start-dev exited with ${exited} on port ${port} (is the port taken?)`);
  return { address: `127.0.0.1:${port}`, kill: () => killHard(child) };
}

export interface WorkerProcess {
  /** Its process id: the worker's Temporal identity (in histories) is `<pid>@<host>`. */
  readonly pid: number;
  /** What it printed on stdout so far. */
  output(): string;
  kill(): Promise<void>;
  /** SIGTERM; settles with its exit code once it has exited. */
  terminate(): Promise<number | null>;
}

const WORKER = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** Starts `script` (by default worker-process.ts) and waits until it prints "ready". */
export async function startWorkerProcess(env: Record<string, string>, script = WORKER): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  return {
    pid: child.pid!,
    output: () => out,
    kill: () => killHard(child),
    terminate: () => (child.kill('SIGTERM'), exited),
  };
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function titleCase(type: string): string {
  return type === 'KEYWORD_LIST' ? 'KeywordList' : type.charAt(0) + type.slice(1).toLowerCase();
}
