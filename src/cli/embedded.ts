/**
 * In-process infrastructure for `worker`, `dev` and `demo`: the worker runtime (our own signal
 * handling, quieter logs), an embedded Temporal dev server with its Web UI, and a worker.
 */
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type LogLevel, type NativeConnection } from '@temporalio/worker';
import { clientDataConverterFromEnv, FAILURE_CONVERTER_PATH } from '../codec/data-converter.js';
import { startTracing } from '../observability/tracing.js';
import { withAgentBundling } from '../temporal/bundle-options.js';
import { bundleSizeText } from '../temporal/bundle-size.js';
import { errorsOnlyLogger } from '../temporal/quiet-logger.js';
import { prometheusTelemetry } from '../observability/prometheus.js';
import { startDevServer } from '../temporal/dev-server.js';
import { freePort, portTaken } from '../temporal/ports.js';
import { ActivityShutdown, SHUTDOWN_FORCE_MARGIN_MS, shutdownGraceFromEnv } from '../temporal/worker-shutdown.js';
import type { AgentDeployment } from '../plugin.js';
import { createAgentWorker, WORKFLOWS_PATH, type AgentWorkerOptions } from '../worker.js';
import { CliError } from './errors.js';

let runtimeInstalled = false;

/**
 * Installs the worker runtime once, before any native connection: logs at `level`, no signal
 * handlers of its own (the CLI's handlers shut workers and servers down in order), and Prometheus
 * metrics on `metricsPort` when given.
 */
export function installRuntime(level: LogLevel = 'INFO', metricsPort?: number): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger(level),
    shutdownSignals: [],
    ...(metricsPort !== undefined ? { telemetryOptions: prometheusTelemetry(metricsPort) } : {}),
  });
  runtimeInstalled = true;
}

export interface EmbeddedServer {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  client: Client;
  nativeConnection: NativeConnection;
  teardown(): Promise<void>;
}

export interface EmbeddedServerOptions {
  ui?: boolean;
  port?: number;
  uiPort?: number;
  dbFilename?: string;
}

/**
 * Refuses a port something already listens on. Without this, the SDK's readiness probe would find
 * the other server (say, one left running by a `dev` that was SIGKILLed) and take it for its own.
 */
async function refuseTakenPort(port: number | undefined, flag: string): Promise<void> {
  if (port === undefined || !(await portTaken(port))) return;
  throw new CliError(
    `port ${port} is already in use (perhaps a Temporal dev server left running by an earlier \`dev\`): stop that process, or pick another port with ${flag}`,
  );
}

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  await refuseTakenPort(options.port, '--port');
  await refuseTakenPort(options.ui ? options.uiPort : undefined, '--ui-port');
  // The UI listens on port + 1000 unless told otherwise, which may be taken or out of range: pick a free one.
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const env: TestWorkflowEnvironment = await startDevServer({
    ...(options.ui !== undefined ? { ui: options.ui } : {}),
    ...(uiPort !== undefined ? { uiPort } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.dbFilename !== undefined ? { dbFilename: options.dbFilename } : {}),
  });
  return {
    address: env.address,
    namespace: env.namespace ?? 'default',
    uiUrl: uiPort !== undefined ? `http://localhost:${uiPort}` : undefined,
    // The environment's own client knows no codec: this one encrypts when PAYLOAD_ENCRYPTION_KEY is set.
    client: new Client({ connection: env.connection, namespace: env.namespace ?? 'default', ...withCodec() }),
    nativeConnection: env.nativeConnection,
    teardown: () => env.teardown(),
  };
}

function withCodec() {
  const dataConverter = clientDataConverterFromEnv();
  return dataConverter ? { dataConverter } : {};
}

export interface InProcessWorker {
  /** Settles when the worker has stopped (after `stop()`, or on a fatal error). */
  done: Promise<void>;
  /**
   * Stops polling and lets the running activities finish within the grace; what is still running
   * then is handed back to other workers (worker-shutdown.ts). `say` hears one line when shutdown
   * starts (with `why`, e.g. "received SIGTERM") and one when the worker has stopped.
   */
  stop(say?: (line: string) => void, why?: string): Promise<void>;
}

export interface InProcessWorkerOptions {
  deployment?: AgentDeployment;
  progress?: (line: string) => void;
  /** How long running activities get to finish once stopping starts (default: AGENT_SHUTDOWN_GRACE_MS, else 25 s). */
  shutdownGraceMs?: number;
  /** More worker options (tools, a prebuilt `workflowBundle`: then nothing is bundled here), for tests. */
  worker?: Partial<Omit<AgentWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'deployment'>>;
}

/**
 * Creates (bundles the workflows, connects) and runs an agent worker; with `deployment`, as that
 * version of it. Bundling takes seconds (tens on a busy machine): `progress` hears when it starts
 * and what it made, in the words the bench uses for the bundle's size.
 */
export async function startInProcessWorker(connection: NativeConnection, namespace: string, taskQueue: string, options: InProcessWorkerOptions = {}): Promise<InProcessWorker> {
  const { deployment, progress, worker: more = {} } = options;
  const graceMs = shutdownGrace(options.shutdownGraceMs);
  const started = Date.now();
  // With tracing the tracing plugin shapes the bundle: the worker builds it then.
  let workflowBundle = more.workflowBundle;
  if (!workflowBundle && !startTracing()) {
    progress?.('bundling the agent workflows (webpack: seconds, tens of seconds on a busy machine)...');
    const bundle = await bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger }));
    progress?.(`workflows bundled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${bundleSizeText(bundle)}`);
    workflowBundle = bundle;
  }
  const shutdown = new ActivityShutdown();
  const tuning = more.tuning ?? {};
  const worker = await createAgentWorker({
    ...more,
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : {}),
    ...(deployment ? { deployment } : {}),
    tuning: {
      ...tuning,
      // The SDK's own graceful shutdown: stop polling, give running activities the grace, then cancel
      // them; give up on those that ignore it a little later, rather than never.
      shutdownGraceTime: graceMs,
      shutdownForceTime: graceMs + SHUTDOWN_FORCE_MARGIN_MS,
      interceptors: { ...tuning.interceptors, activity: [...(tuning.interceptors?.activity ?? []), shutdown.interceptor] },
    },
  });
  const done = worker.run();
  let stopping: Promise<void> | undefined;
  const stop = async (say: (line: string) => void, why: string | undefined): Promise<void> => {
    if (worker.getState() !== 'RUNNING') return done;
    const running = shutdown.begin();
    const head = `shutting down${why ? ` (${why})` : ''}`;
    say(
      running.length === 0
        ? `${head}: no running activities`
        : `${head}: finishing ${plural(running.length, 'running activity', 'running activities')} (${summary(running)}), at most ${seconds(graceMs)}, ` +
            'then handing back what still runs to other workers; a second signal stops at once',
    );
    const since = Date.now();
    worker.shutdown();
    let failure: unknown;
    await done.catch((error: unknown) => (failure = error));
    const { finished, handedBack, running: left } = shutdown.report();
    const parts = [
      `${finished.length} finished${finished.length > 0 ? ` (${summary(finished)})` : ''}`,
      `${handedBack.length} handed back to other workers${handedBack.length > 0 ? ` (${summary(handedBack)})` : ''}`,
    ];
    // The SDK gave up on activities that ignored their cancellation (shutdownForceTime): their attempts
    // are retried on another worker once their heartbeat timeout passes, as after a crash.
    if (failure !== undefined && left.length > 0) {
      parts.push(`${left.length} ignored the shutdown and ${left.length === 1 ? 'is' : 'are'} left behind after ${seconds(Date.now() - since)} (${summary(left)}): retried elsewhere once the heartbeat timeout passes`);
      failure = undefined;
    }
    say(`worker stopped: ${parts.join(', ')}`);
    if (failure !== undefined) throw failure;
  };
  return {
    done,
    stop: (say = () => undefined, why?: string) => (stopping ??= stop(say, why)),
  };
}

/** Runs until the worker stops by itself (fatal error: rethrown) or `signal` asks it to stop; then stops it gracefully, saying so. */
export async function runWorkerUntilSignal(worker: InProcessWorker, signal: AbortSignal, say: (line: string) => void): Promise<void> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([worker.done, aborted]);
  await worker.stop(say, signal.aborted && signal.reason instanceof Error ? signal.reason.message : undefined);
  await startTracing()?.flush().catch(() => undefined);
}

/** The grace given (`--shutdown-grace-ms`), else AGENT_SHUTDOWN_GRACE_MS, else 25 s; a CliError for a malformed variable. */
export function shutdownGrace(given?: number): number {
  if (given !== undefined) return given;
  try {
    return shutdownGraceFromEnv();
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `tool delete_files, 2 × model call`: labels with their counts, in first-seen order. */
function summary(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].map(([label, n]) => (n === 1 ? label : `${n} × ${label}`)).join(', ');
}
