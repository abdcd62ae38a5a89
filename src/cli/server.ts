/** `worker` (a worker against the configured server) and `dev` (embedded dev server + UI + worker). */
import { configuredAddress, connectWorker } from '../temporal/connection.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { taskQueue } from './connect.js';
import { CliError } from './errors.js';
import { installRuntime, startEmbeddedServer, startInProcessWorker, type InProcessWorker } from './embedded.js';
import { outputFor, type JsonFlag } from './output.js';
import { shutdownSignal } from './signals.js';

/** How the user runs this CLI: the `hitl` binary when compiled, `npm run -s client --` from the repo's sources. */
const CLI = import.meta.url.endsWith('.ts') ? 'npm run -s client --' : 'hitl';

/** Runs until the worker stops by itself (fatal error: rethrown) or a signal asks it to stop. */
async function runUntilSignal(worker: InProcessWorker, signal: AbortSignal): Promise<void> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([worker.done, aborted]);
  await worker.stop();
}

export async function workerCommand(flags: JsonFlag): Promise<void> {
  const out = outputFor(flags);
  installRuntime('INFO');
  const signal = shutdownSignal();
  const address = configuredAddress() ?? 'localhost:7233';
  const { connection, namespace } = await connectWorker().catch((error: unknown) => {
    throw new CliError(`cannot reach the Temporal server at ${address}: ${(error as Error).message ?? error}`);
  });
  try {
    const queue = taskQueue();
    out.info(`bundling workflows and connecting to ${address}...`);
    const worker = await startInProcessWorker(connection, namespace, queue);
    out.emit({ address, namespace, taskQueue: queue }, `worker running: server ${address}, namespace ${namespace}, task queue ${queue}. Ctrl-C to stop.`);
    await runUntilSignal(worker, signal);
    out.info('worker stopped');
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export interface DevFlags extends JsonFlag {
  port?: number;
  uiPort?: number;
  dbFilename?: string;
}

export async function devCommand(flags: DevFlags): Promise<void> {
  const out = outputFor(flags);
  installRuntime('WARN');
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
    out.info('bundling workflows and starting the worker...');
    const worker = await startInProcessWorker(server.nativeConnection, server.namespace, queue);
    out.emit({ address: server.address, namespace: server.namespace, uiUrl: server.uiUrl, taskQueue: queue }, [
      `Temporal dev server: ${server.address} (namespace ${server.namespace}${flags.dbFilename ? `, data in ${flags.dbFilename}` : ', in memory'})`,
      `Web UI:              ${server.uiUrl}`,
      `Worker:              task queue ${queue}`,
      '',
      'In other terminals:',
      `  export TEMPORAL_ADDRESS=${server.address}`,
      ...(queue !== TASK_QUEUE ? [`  export AGENT_TASK_QUEUE=${queue}`] : []),
      `  ${CLI} demo`,
      `  ${CLI} run --agent file-approval --workspace ./workspace "Please delete old_report.txt"`,
      '',
      'Ctrl-C to stop.',
    ]);
    await runUntilSignal(worker, signal);
  } finally {
    out.info('stopping the dev server...');
    await server.teardown().catch(() => undefined);
  }
}
