/**
 * A bench worker in a process of its own, run from compiled JS as users run workers (see
 * compile.ts), so that its memory and CPU can be measured alone. Started with an IPC channel and
 * its config as JSON in argv; reports `ready`, then a sample every `sampleMs` (and one on
 * `sample`), and tool starts (probe.ts); stops on `shutdown`. Each kind loads only its own code: the floor's holds none of ours.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { installQuietRuntime } from './runtime.js';

export interface WorkerProcessConfig {
  kind: 'agent' | 'floor';
  address: string;
  namespace: string;
  taskQueue: string;
  /** The workflow bundle the parent built for this kind (this process does not bundle). */
  bundlePath: string;
  /** Absent: the SDK's default. */
  maxCachedWorkflows?: number;
  sampleMs: number;
  /** The fake Bedrock both kinds call for the over-HTTP benchmarks. */
  bedrockEndpoint: string;
}

export type WorkerProcessMessage =
  | { type: 'ready'; pid: number }
  | { type: 'sample'; rss: number; heapUsed: number; cpuMs: number; cached: number }
  | { type: 'toolStarted'; key: string; at: number };

function send(message: WorkerProcessMessage): void {
  process.send?.(message);
}

async function createWorker(config: WorkerProcessConfig, connection: NativeConnection): Promise<Worker> {
  const common = {
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
  };
  if (config.kind === 'floor') {
    const { createFloorActivities } = await import('./activities.js');
    return Worker.create({ ...common, activities: createFloorActivities(config.bedrockEndpoint) });
  }
  const [{ createAgentWorker }, { InstantModel }, { INSTANT_PROVIDER }, { benchTools }] = await Promise.all([
    import('../src/worker.js'),
    import('./model.js'),
    import('./protocol.js'),
    import('./tools.js'),
  ]);
  return createAgentWorker({
    ...common,
    tools: benchTools,
    providers: { [INSTANT_PROVIDER]: new InstantModel() },
    bedrock: { endpoint: config.bedrockEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } },
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker(config, connection);
  const running = worker.run();
  const sample = () => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    send({ type: 'sample', rss: memory.rss, heapUsed: memory.heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, cached: worker.getStatus().numCachedWorkflows });
  };
  const timer = setInterval(sample, config.sampleMs);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    process.disconnect?.();
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'shutdown') void stop();
    if (message.type === 'sample') sample();
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', pid: process.pid });
  sample();
  await running;
}

main().catch((error: unknown) => {
  console.error('bench worker process failed:', error);
  process.exit(1);
});
