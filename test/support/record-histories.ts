/**
 * Records the replay fixtures: `npm run record-histories [scenario ...]` (default: the scenarios
 * that have no fixture yet). Re-record an existing fixture only when a change to the workflow is
 * meant to be incompatible with runs in flight, and say so in the commit: old recordings are what
 * prove that today's code still runs yesterday's histories.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestEnv } from './env.js';
import { scenarios } from './scenarios.js';

const FIXTURES = new URL('../fixtures/histories/', import.meta.url);

const env = await TestEnv.start();
await env.startWorker();
try {
  const named = process.argv.slice(2);
  const chosen = scenarios.filter((scenario) =>
    named.length > 0 ? named.includes(scenario.name) : !existsSync(new URL(`${scenario.name}.json`, FIXTURES)),
  );
  for (const scenario of chosen) {
    const workflowId = await scenario.run(env);
    await env.agents.result(workflowId);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(new URL(`${scenario.name}.json`, FIXTURES), `${historyToJSON(history)}\n`);
    console.log(`recorded ${scenario.name}: ${history.events?.length} events`);
  }
} finally {
  await env.teardown();
}
