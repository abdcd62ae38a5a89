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
import type { AgentDeployment } from '../plugin.js';
import { createAgentWorker, WORKFLOWS_PATH } from '../worker.js';
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
  stop(): Promise<void>;
}

/**
 * Creates (bundles the workflows, connects) and runs an agent worker; with `deployment`, as that
 * version of it. Bundling takes seconds (tens on a busy machine): `progress` hears when it starts
 * and what it made, in the words the bench uses for the bundle's size.
 */
export async function startInProcessWorker(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  options: { deployment?: AgentDeployment; progress?: (line: string) => void } = {},
): Promise<InProcessWorker> {
  const { deployment, progress } = options;
  const started = Date.now();
  progress?.('bundling the agent workflows (webpack: seconds, tens of seconds on a busy machine)...');
  // With tracing the tracing plugin shapes the bundle: the worker builds it then.
  const workflowBundle = startTracing()
    ? undefined
    : await bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger }));
  if (workflowBundle) progress?.(`workflows bundled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${bundleSizeText(workflowBundle)}`);
  const worker = await createAgentWorker({ connection, namespace, taskQueue, ...(workflowBundle ? { workflowBundle } : {}), ...(deployment ? { deployment } : {}) });
  const done = worker.run();
  return {
    done,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
