/** The floor's activities: a model-like and a tool-like no-op (with optional sleeps), as bare as activities get. */
import { setTimeout as sleep } from 'node:timers/promises';
import { toolStarted } from './probe.js';

export function createFloorActivities() {
  return {
    async floorModel(input: { step: number; sleepMs: number }): Promise<{ step: number }> {
      if (input.sleepMs > 0) await sleep(input.sleepMs);
      return { step: input.step };
    },
    async floorTool(input: { key: string; sleepMs: number }): Promise<string> {
      toolStarted(input.key);
      if (input.sleepMs > 0) await sleep(input.sleepMs);
      return 'ok';
    },
  };
}
