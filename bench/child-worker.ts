/**
 * A bench worker in a child process (worker-process.ts, compiled JS), with its resident memory and
 * CPU time sampled: from /proc/<pid>/status where there is one, and from the child's own reports.
 * Tool starts it reports go to the probe.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { toolReported } from './probe.js';
import type { WorkerProcessConfig, WorkerProcessMessage } from './worker-process.js';

export const MB = 1024 * 1024;

export class ChildWorker {
  peakRss = 0;
  lastRss = 0;
  peakHeapUsed = 0;
  lastHeapUsed = 0;
  /** CPU time (user + system) the process has used, as of its last report. */
  cpuMs = 0;
  lastCached = 0;
  maxCached = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: WorkerProcessMessage) => {
      if (message.type === 'toolStarted') return toolReported(message);
      if (message.type !== 'sample') return;
      this.record(message.rss);
      this.cpuMs = message.cpuMs;
      this.lastHeapUsed = message.heapUsed;
      this.peakHeapUsed = Math.max(this.peakHeapUsed, message.heapUsed);
      this.lastCached = message.cached;
      this.maxCached = Math.max(this.maxCached, message.cached);
    });
    const status = `/proc/${child.pid}/status`;
    this.timer = setInterval(() => {
      if (!existsSync(status)) return;
      try {
        const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(status, 'utf8'));
        if (match) this.record(Number(match[1]) * 1024);
      } catch {
        // the process just exited
      }
    }, 100);
  }

  private record(rss: number): void {
    this.lastRss = rss;
    this.peakRss = Math.max(this.peakRss, rss);
  }

  /** A sample taken now (the periodic ones may be up to `sampleMs` old). */
  sampleNow(): Promise<void> {
    return new Promise((resolve) => {
      const onSample = (message: WorkerProcessMessage) => {
        if (message.type !== 'sample') return;
        this.child.off('message', onSample);
        resolve();
      };
      this.child.on('message', onSample);
      this.child.send({ type: 'sample' });
    });
  }

  /** Forgets the peaks (a benchmark measures its own). */
  resetPeaks(): void {
    this.peakRss = this.lastRss;
    this.peakHeapUsed = this.lastHeapUsed;
    this.maxCached = this.lastCached;
  }

  /** Starts `script` (compiled worker-process.js) with plain node, and waits until its worker polls. */
  static async spawn(script: string, config: WorkerProcessConfig, cwd: string): Promise<ChildWorker> {
    const child = fork(script, [JSON.stringify(config)], {
      cwd,
      execArgv: [],
      env: { ...process.env, BENCH_PROBE: '1' },
      // stdout is the bench's JSON channel: the child's output goes to stderr.
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout?.pipe(process.stderr);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerProcessMessage) => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null) => reject(new Error(`bench worker process exited (code ${code}) before it was ready`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return new ChildWorker(child);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.child.exitCode === null && this.child.connected) this.child.send({ type: 'shutdown' });
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(killer);
  }
}
