/** `worker` (a worker against the configured server) and `dev` (embedded dev server + UI + worker). */
import { CLI_INVOCATION } from './invocation.js';
import { noCredentialsNotice } from './model-choice.js';
import type { Client } from '@temporalio/client';
import type { AgentDeployment } from '../plugin.js';
import { configuredAddress, connectClient, connectWorker } from '../temporal/connection.js';
import { deploymentFromEnv } from '../worker.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { taskQueue } from './connect.js';
import { CliError } from './errors.js';
import { installRuntime, runWorkerUntilSignal, shutdownGrace, startEmbeddedServer, startInProcessWorker } from './embedded.js';
import { outputFor, type JsonFlag } from './output.js';
import { shutdownSignal } from './signals.js';
import { describeDeployment, setCurrentVersion } from './versions.js';

const CLI = CLI_INVOCATION;

export interface WorkerFlags extends JsonFlag {
  metricsPort?: number;
  deploymentName?: string;
  buildId?: string;
  /** `--no-versioning`: an unversioned worker (runs move to whichever build runs next). */
  versioning?: boolean;
  /** `--shutdown-grace-ms`: how long running activities get to finish on SIGTERM (default: AGENT_SHUTDOWN_GRACE_MS, else 25 s). */
  shutdownGraceMs?: number;
}

/** The worker's version, from the flags over AGENT_DEPLOYMENT_NAME / AGENT_BUILD_ID; none with --no-versioning. */
function deploymentOf(flags: WorkerFlags, queue: string): AgentDeployment | undefined {
  if (flags.versioning === false) return undefined;
  return deploymentFromEnv(queue, { ...(flags.deploymentName ? { name: flags.deploymentName } : {}), ...(flags.buildId ? { buildId: flags.buildId } : {}) });
}

/**
 * A build becomes current by itself only when its deployment has no current version yet (the first
 * deploy, or `dev`); a later build waits for `versions set-current`, so that deploying is a decision.
 */
async function becomeCurrentIfFirst(client: Client, deployment: AgentDeployment, always: boolean): Promise<boolean> {
  if (!always) {
    const view = await describeDeployment(client, deployment.name).catch(() => undefined);
    if (view?.current) return view.current === deployment.buildId;
  }
  await setCurrentVersion(client, deployment.name, deployment.buildId);
  return true;
}

function versionLine(deployment: AgentDeployment | undefined, current: boolean): string {
  if (!deployment) return 'unversioned (--no-versioning)';
  return `${deployment.name} build ${deployment.buildId}${current ? ' (current: new runs start here)' : ' (not current: `versions set-current ' + deployment.buildId + '` to send new runs here)'}`;
}

export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const out = outputFor(flags);
  const shutdownGraceMs = shutdownGrace(flags.shutdownGraceMs);
  installRuntime('INFO', flags.metricsPort);
  const signal = shutdownSignal();
  const address = configuredAddress() ?? 'localhost:7233';
  const { connection, namespace } = await connectWorker().catch((error: unknown) => {
    throw new CliError(`cannot reach the Temporal server at ${address}: ${(error as Error).message ?? error}`);
  });
  try {
    const queue = taskQueue();
    const deployment = deploymentOf(flags, queue);
    const worker = await startInProcessWorker(connection, namespace, queue, { ...(deployment ? { deployment } : {}), shutdownGraceMs, progress: (line) => out.info(line) });
    const current = deployment ? await withClient(() => connectClient(), (client) => becomeCurrentIfFirst(client, deployment, false)) : false;
    const notice = noCredentialsNotice(process.env);
    if (notice) out.info(notice);
    out.emit({ address, namespace, taskQueue: queue, deployment, current, metricsPort: flags.metricsPort }, [
      `worker running: server ${address}, namespace ${namespace}, task queue ${queue}`,
      `version: ${versionLine(deployment, current)}`,
      ...(flags.metricsPort !== undefined ? [`metrics: http://localhost:${flags.metricsPort}/metrics`] : []),
      'Ctrl-C to stop.',
    ]);
    await runWorkerUntilSignal(worker, signal, (line) => out.info(line));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function withClient<T>(connect: () => Promise<Client>, body: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect();
  try {
    return await body(client);
  } finally {
    await client.connection.close().catch(() => undefined);
  }
}

export interface DevFlags extends WorkerFlags {
  port?: number;
  uiPort?: number;
  dbFilename?: string;
}

export async function devCommand(flags: DevFlags): Promise<void> {
  const out = outputFor(flags);
  const shutdownGraceMs = shutdownGrace(flags.shutdownGraceMs);
  installRuntime('WARN', flags.metricsPort);
  const signal = shutdownSignal();
  const port = flags.port ?? 7233;
  const uiPort = flags.uiPort ?? 8233;
  out.info(`starting a Temporal dev server on port ${port} (Web UI on ${uiPort})...`);
  const server = await startEmbeddedServer({
    ui: true,
    port,
    uiPort,
    ...(flags.dbFilename !== undefined ? { dbFilename: flags.dbFilename } : {}),
  }).catch((error: unknown) => {
    if (error instanceof CliError) throw error;
    throw new CliError(`could not start the dev server on port ${port} / UI ${uiPort}: ${(error as Error).message ?? error}`);
  });
  try {
    const queue = taskQueue();
    const deployment = deploymentOf(flags, queue);
    out.info('bundling workflows and starting the worker...');
    const worker = await startInProcessWorker(server.nativeConnection, server.namespace, queue, { ...(deployment ? { deployment } : {}), shutdownGraceMs, progress: (line) => out.info(line) });
    // The dev server's one worker is always the current version (a restart with a new --build-id takes over new runs).
    if (deployment) await becomeCurrentIfFirst(server.client, deployment, true);
    const notice = noCredentialsNotice(process.env);
    if (notice) out.info(notice);
    out.emit({ address: server.address, namespace: server.namespace, uiUrl: server.uiUrl, taskQueue: queue, deployment, metricsPort: flags.metricsPort }, [
      `Temporal dev server: ${server.address} (namespace ${server.namespace}${flags.dbFilename ? `, data in ${flags.dbFilename}` : ', in memory'})`,
      `Web UI:              ${server.uiUrl}`,
      `Worker:              task queue ${queue}, version ${versionLine(deployment, deployment !== undefined)}`,
      ...(flags.metricsPort !== undefined ? [`Metrics:             http://localhost:${flags.metricsPort}/metrics`] : []),
      '',
      'In other terminals:',
      `  export TEMPORAL_ADDRESS=${server.address}`,
      ...(queue !== TASK_QUEUE ? [`  export AGENT_TASK_QUEUE=${queue}`] : []),
      `  ${CLI} demo`,
      `  ${CLI} run --agent file-approval --workspace ./workspace "Please delete old_report.txt"`,
      '',
      'Ctrl-C to stop.',
    ]);
    await runWorkerUntilSignal(worker, signal, (line) => out.info(line));
  } finally {
    out.info('stopping the dev server...');
    await server.teardown().catch(() => undefined);
  }
}
