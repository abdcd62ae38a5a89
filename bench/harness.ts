/**
 * The bench environment: one Temporal server per bench run (a dev server started here, or the
 * server at TEMPORAL_ADDRESS), the bench compiled to JS and both workflow bundles built once from
 * it (ours: the agent-run workflow over the bench agents, bundled as the agents plugin bundles;
 * the floor's: bare workflows with the SDK's defaults), a fake Bedrock over HTTP, and workers in
 * child processes running the compiled JS: the product's worker (createAgentWorker) and a bare SDK
 * worker for the floor.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { AgentClient } from '../src/sdk/agent-client.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { errorsOnlyLogger } from '../src/temporal/quiet-logger.js';
import { FakeBedrock } from '../test/support/fake-bedrock.js';
import { ChildWorker } from './child-worker.js';
import { compileBench, type CompiledBench } from './compile.js';
import { benchTurn, HTTP_MODEL } from './protocol.js';

import type { BenchResult, Row, Target } from './report.js';

export { installQuietRuntime } from './runtime.js';
export type { BenchResult, Row, Target };

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE_MS = 100;

/** Progress goes to stderr, so that `--json` keeps stdout for the result. */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * The dev server's history service reads its transfer queue (the tasks that dispatch workflow and
 * activity tasks) at most 20 times per second per shard, and the dev server has one shard. A single
 * run going step by step makes one read per task, so after a short burst every workflow task waits
 * ~40 ms for the reader: with the default, a no-op step costs ~110 ms for ours and the floor
 * alike, and the ratio says nothing about either. Lifted so that the bench measures processing.
 */
export const DEV_SERVER_TUNING = ['history.transferProcessorMaxPollRPS=10000'];

/** The bundles' code without its inline source map (the size users ship in the worker). */

/** The fake Bedrock answers like the instant model: from the prompt and the tool results so far. */
function benchBedrock(bedrock: FakeBedrock): FakeBedrock {
  return bedrock.respondFor(HTTP_MODEL.modelId, (request) => {
    const messages = (request.body?.messages ?? []) as Array<{ content: Array<{ text?: string; toolResult?: unknown }> }>;
    const results = messages.flatMap((message) => message.content).filter((block) => block.toolResult !== undefined).length;
    const turn = benchTurn(messages[0]?.content[0]?.text ?? '', results);
    return 'toolUse' in turn ? { kind: 'toolUse', uses: [turn.toolUse] } : { kind: 'text', text: turn.text };
  });
}

export class BenchEnv {
  private readonly workers = new Set<ChildWorker>();
  private constructor(
    readonly temporal: TestWorkflowEnvironment,
    readonly bundles: { agent: WorkflowBundleWithSourceMap; floor: WorkflowBundleWithSourceMap },
    /** The bundles written to files, for the worker processes (they do not bundle again). */
    readonly bundlePaths: { agent: string; floor: string },
    readonly compiled: CompiledBench,
    readonly bedrock: FakeBedrock,
    private readonly scratch: string,
    readonly address: string,
    readonly namespace: string,
    readonly serverKind: string,
  ) {}

  /**
   * `serverDefaults: false` (the default) lifts one dev-server throttle, see DEV_SERVER_TUNING;
   * true runs the dev server exactly as `temporal server start-dev` does.
   */
  static async start(options: { serverDefaults?: boolean } = {}): Promise<BenchEnv> {
    const existing = process.env.TEMPORAL_ADDRESS;
    const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
    const tuning = options.serverDefaults ? [] : DEV_SERVER_TUNING;
    log('compiling the bench and src/ to JS');
    const compiled = compileBench();
    const { agentsPlugin } = (await import(pathToFileURL(compiled.plugin).href)) as typeof import('../src/plugin.js');
    log(existing ? `using the Temporal server at ${existing}` : `starting a Temporal dev server${tuning.length > 0 ? ` with ${tuning.join(', ')}` : ''}`);
    const [temporal, agent, floor, bedrock] = await Promise.all([
      existing
        ? TestWorkflowEnvironment.createFromExistingServer({ address: existing, namespace })
        : startDevServer({ extraArgs: tuning.flatMap((setting) => ['--dynamic-config-value', setting]) }),
      bundleWorkflowCode({ workflowsPath: compiled.agentWorkflows, plugins: [agentsPlugin()], logger: errorsOnlyLogger }),
      bundleWorkflowCode({ workflowsPath: compiled.floorWorkflows, logger: errorsOnlyLogger }),
      FakeBedrock.start().then(benchBedrock),
    ]);
    const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-bench-'));
    const bundlePaths = { agent: path.join(scratch, 'agent-bundle.js'), floor: path.join(scratch, 'floor-bundle.js') };
    writeFileSync(bundlePaths.agent, agent.code);
    writeFileSync(bundlePaths.floor, floor.code);
    const address = existing ?? (temporal.connection.options as { address: string }).address;
    const kind = existing
      ? `existing server ${existing}`
      : `temporal CLI dev server (in-memory SQLite${tuning.length > 0 ? `; ${tuning.join(', ')}` : '; default dynamic config'})`;
    return new BenchEnv(temporal, { agent, floor }, bundlePaths, compiled, bedrock, scratch, address, namespace, kind);
  }

  get client(): Client {
    return this.temporal.client;
  }

  private readonly agentClients = new Map<string, AgentClient>();
  /** The product's client on a task queue (one per queue: it asks once whether the namespace has the search attributes). */
  agents(taskQueue: string): AgentClient {
    let agents = this.agentClients.get(taskQueue);
    if (!agents) {
      agents = new AgentClient(this.client, taskQueue);
      this.agentClients.set(taskQueue, agents);
    }
    return agents;
  }

  /**
   * A worker in a child process, running compiled JS: ours (createAgentWorker with the instant
   * model, Bedrock at the fake, the bench tools) or the floor's (a bare SDK worker).
   */
  async startWorker(kind: 'agent' | 'floor', taskQueue: string, options: { maxCachedWorkflows?: number } = {}): Promise<ChildWorker> {
    const worker = await ChildWorker.spawn(
      this.compiled.workerProcess,
      {
        kind,
        address: this.address,
        namespace: this.namespace,
        taskQueue,
        bundlePath: this.bundlePaths[kind],
        sampleMs: SAMPLE_MS,
        bedrockEndpoint: this.bedrock.endpoint,
        ...options,
      },
      REPO_ROOT,
    );
    this.workers.add(worker);
    return worker;
  }

  async stopWorker(worker: ChildWorker): Promise<void> {
    this.workers.delete(worker);
    await worker.stop();
  }

  async teardown(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => this.stopWorker(worker)));
    await this.bedrock.close();
    await this.temporal.teardown();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

let queues = 0;
/** A task queue of its own for one benchmark (workers of one bench never see another's tasks). */
export function taskQueue(label: string): string {
  return `bench-${label}-${process.pid}-${queues++}`;
}

let ids = 0;
export function workflowId(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}-${ids++}`;
}

// ---- statistics ----

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

// ---- results ----

/** A row for a cost (time, bytes, events): ratio = ours / floor. */
export function costRow(metric: string, unit: string, ours: number, floor: number | undefined, target?: Target): Row {
  const ratio = floor !== undefined && floor > 0 ? ours / floor : undefined;
  return withTarget({ metric, unit, ours, ...(floor !== undefined ? { floor } : {}), ...(ratio !== undefined ? { ratio } : {}) }, target);
}

/** A row for a rate (per second): ratio = floor / ours, so that > 1 still means ours costs more. */
export function rateRow(metric: string, unit: string, ours: number, floor: number, target?: Target): Row {
  return withTarget({ metric, unit, ours, floor, ratio: ours > 0 ? floor / ours : Number.POSITIVE_INFINITY }, target);
}

function withTarget(row: Row, target: Target | undefined): Row {
  if (!target) return row;
  const value = target.of === 'ratio' ? row.ratio : row.ours;
  return { ...row, target, met: value !== undefined && value <= target.max };
}
