/**
 * A bench worker in a process of its own, so that its resident memory can be measured alone.
 * Started by the parked-runs benchmark with `node --import tsx bench/worker-process.ts CONFIG_JSON`
 * and an IPC channel; reports `ready`, then a memory sample every `sampleMs`; stops on `shutdown`.
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
  maxCachedWorkflows: number;
  sampleMs: number;
}

export type WorkerProcessMessage =
  | { type: 'ready'; pid: number }
  | { type: 'sample'; rss: number; heapUsed: number; external: number; cached: number }
  | { type: 'stopped' };

function send(message: WorkerProcessMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: config.address });
  const common = {
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    maxCachedWorkflows: config.maxCachedWorkflows,
  };
  // Each kind loads only its own code: the floor's process holds none of ours.
  let worker: Worker;
  if (config.kind === 'agent') {
    const [{ createAgentWorker }, { InstantModel }, { INSTANT_PROVIDER }, { benchTools }] = await Promise.all([
      import('../src/worker.js'),
      import('./model.js'),
      import('./protocol.js'),
      import('./tools.js'),
    ]);
    worker = await createAgentWorker({ ...common, tools: benchTools, providers: { [INSTANT_PROVIDER]: new InstantModel() } });
  } else {
    const { createFloorActivities } = await import('./activities.js');
    worker = await Worker.create({ ...common, activities: createFloorActivities() });
  }
  const running = worker.run();
  const sample = () => {
    const memory = process.memoryUsage();
    send({ type: 'sample', rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, cached: worker.getStatus().numCachedWorkflows });
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
    send({ type: 'stopped' });
    process.disconnect?.();
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'shutdown') void stop();
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
