/**
 * Tool starts, as seen in this process: the bench registers interest in a tool call before it
 * lets the run continue, and the tool (or the floor's tool-like activity) reports the moment it
 * starts. `performance.now()` is monotonic and shared by the client and the worker in one process.
 */
const waiters = new Map<string, (at: number) => void>();

/** Resolves with the time the tool under `key` starts (register before the run can reach it). */
export function whenToolStarts(key: string): Promise<number> {
  return new Promise((resolve) => waiters.set(key, resolve));
}

/** Called first thing by the bench tools; a start nobody waits for is not recorded. */
export function toolStarted(key: string): void {
  const at = performance.now();
  const resolve = waiters.get(key);
  if (!resolve) return;
  waiters.delete(key);
  resolve(at);
}
