/**
 * A worker in its own process, so that the fault suite can SIGKILL it. Configured by env:
 * TEMPORAL_ADDRESS, FAULT_TASK_QUEUE, FAULT_BUNDLE (prebuilt workflow code), FAULT_LEDGER,
 * BEDROCK_ENDPOINT. Prints "ready" once it polls.
 */
import { NativeConnection } from '@temporalio/worker';
import { installQuietRuntime } from '../../src/temporal/quiet-logger.js';
import { exampleTools } from '../../src/agents/tools.js';
import { createAgentWorker } from '../../src/worker.js';
import { createTestTools } from '../support/test-tools.js';

installQuietRuntime();
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await createAgentWorker({
  connection,
  taskQueue: env('FAULT_TASK_QUEUE'),
  workflowBundle: { codePath: env('FAULT_BUNDLE') },
  tools: [...exampleTools, ...createTestTools(env('FAULT_LEDGER'))],
  bedrock: { endpoint: env('BEDROCK_ENDPOINT'), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
  // A killed worker's sticky workflow tasks move to another worker after 1 s instead of 10 s.
  tuning: { stickyQueueScheduleToStartTimeout: '1s' },
});
process.stdout.write('ready\n');
await worker.run();
await connection.close();
