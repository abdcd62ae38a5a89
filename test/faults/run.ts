/**
 * The fault-injection suite: `npm run test:faults [-- --size reduced]`. Kills workers and the
 * server, feeds the model faults and people bad answers, and ends with "N passed, N failed".
 */
import { parseArgs } from 'node:util';
import { installQuietRuntime } from '../../src/temporal/quiet-logger.js';
import { FaultContext } from './context.js';
import { FaultReport, log } from './harness.js';
import { badInput } from './bad-input.js';
import { fileJail } from './file-jail.js';
import { hostile } from './hostile.js';
import { replayedAnswers } from './replayed-answers.js';
import { clientInput } from './client-input.js';
import { mcpFaults } from './mcp.js';
import { webInbox } from './web.js';
import { modelFaults } from './model-faults.js';
import { serverKills } from './server-kills.js';
import { streamFaults } from './streams.js';
import { workerKills } from './worker-kills.js';
import { fleetOfWorkers } from './fleet.js';
import { fleetShutdown } from './fleet-shutdown.js';
import { assertEveryHistoryReplays } from '../support/run-checks.js';
import { workerDataConverter } from '../../src/codec/data-converter.js';
import { encryptionKeysFromEnv } from '../../src/codec/keys.js';

// The replay checks run workers in this process: only their errors are worth printing.
installQuietRuntime();
const { values } = parseArgs({ options: { size: { type: 'string', default: 'full' }, only: { type: 'string' } } });
const full = values.size !== 'reduced';
const report = new FaultReport();
const context = await FaultContext.start();
const groups: Record<string, () => Promise<void>> = {
  workers: () => workerKills(context, report, full ? 100 : 12, full ? 15 : 3),
  fleet: async () => {
    await fleetOfWorkers(context, report, full ? 40 : 12, full ? 8 : 2);
    // Reduced (in npm test) leaves SIGTERM to graceful-shutdown.test.ts, which npm test runs anyway.
    if (!full) return;
    await fleetShutdown(context, report, 'hands back');
    await fleetShutdown(context, report, 'finishes');
  },
  server: () => serverKills(context, report, full ? 20 : 6, full ? 3 : 1),
  model: () => modelFaults(context, report),
  answers: () => badInput(context, report),
  hostile: () => hostile(context, report),
  replayed: () => replayedAnswers(context, report),
  files: () => fileJail(context, report),
  client: () => clientInput(context, report),
  mcp: () => mcpFaults(context, report),
  web: () => webInbox(context, report),
  streams: () => streamFaults(context, report),
};
try {
  for (const [name, group] of Object.entries(groups)) {
    if (values.only && values.only !== name) continue;
    log(`== ${name}`);
    const since = new Date().toISOString();
    await group();
    // Whatever the faults did, each history the group's runs made replays on a fresh worker.
    await report.check(name, 'every workflow history replays', async () => {
      const replayed = await assertEveryHistoryReplays(context.client, { query: `StartTime >= "${since}"`, dataConverter: workerDataConverter(encryptionKeysFromEnv()) });
      return `${replayed} histories`;
    });
  }
} finally {
  await context.close();
}
report.print();
process.exit(report.ok ? 0 : 1);
