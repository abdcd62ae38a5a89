/**
 * Records the replay fixtures: `npm run record-histories`. Run it only when a change to the
 * workflow is meant to be incompatible with runs in flight (and say so in the commit).
 */
import { writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestEnv } from './env.js';
import { scenarios } from './scenarios.js';

const FIXTURES = new URL('../fixtures/histories/', import.meta.url);

const env = await TestEnv.start();
await env.startWorker();
try {
  for (const scenario of scenarios) {
    const workflowId = await scenario.run(env);
    await env.agents.result(workflowId);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(new URL(`${scenario.name}.json`, FIXTURES), `${historyToJSON(history)}\n`);
    console.log(`recorded ${scenario.name}: ${history.events?.length} events`);
  }
} finally {
  await env.teardown();
}
