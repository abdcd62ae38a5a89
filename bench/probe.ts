/**
 * Tool starts, across processes: the workers run in child processes, and the bench tools (and the
 * floor's tool-like activity) report the moment they start to the parent over IPC. Times are
 * CLOCK_MONOTONIC (`process.hrtime`), which is one clock for every process on the machine.
 */
const waiters = new Map<string, (at: number) => void>();

/** Milliseconds on the machine-wide monotonic clock. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface ToolStartedMessage {
  type: 'toolStarted';
  key: string;
  at: number;
}

/** Parent: resolves with the time the tool under `key` starts (register before the run can reach it). */
export function whenToolStarts(key: string): Promise<number> {
  return new Promise((resolve) => waiters.set(key, resolve));
}

/** Parent: a start a worker process reported; a start nobody waits for is dropped. */
export function toolReported(message: ToolStartedMessage): void {
  const resolve = waiters.get(message.key);
  if (!resolve) return;
  waiters.delete(message.key);
  resolve(message.at);
}

/** Worker process: called first thing by the bench tools; reported only in bench worker processes. */
export function toolStarted(key: string): void {
  if (process.env['BENCH_PROBE'] !== '1' || !process.send) return;
  const message: ToolStartedMessage = { type: 'toolStarted', key, at: monotonicMs() };
  process.send(message);
}
