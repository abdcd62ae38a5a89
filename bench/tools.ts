/** The bench agents' tool bodies (activity half): report the start, sleep if asked, return. */
import { setTimeout as sleep } from 'node:timers/promises';
import { implementTool } from '../src/agent/definition.js';
import { noopTool } from './agents.js';
import { toolStarted } from './probe.js';

export const benchTools = [
  implementTool(noopTool, async ({ sleepMs }, context) => {
    toolStarted(context.idempotencyKey);
    if (sleepMs > 0) await sleep(sleepMs);
    return 'ok';
  }),
];
