/** The floor's activities: a model-like and a tool-like no-op (with optional sleeps), as bare as activities get. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepSpec } from './protocol.js';
import { toolStarted } from './probe.js';

/** `bedrockEndpoint`: where `floorModelHttp` sends its Converse requests (the bench's fake Bedrock). */
export function createFloorActivities(bedrockEndpoint?: string) {
  let converse: Promise<(spec: StepSpec, step: number) => Promise<string>> | undefined;
  return {
    async floorModel(input: { step: number; sleepMs: number }): Promise<{ step: number }> {
      if (input.sleepMs > 0) await sleep(input.sleepMs);
      return { step: input.step };
    },
    async floorModelHttp(input: { spec: StepSpec; step: number }): Promise<{ step: number; stopReason: string }> {
      if (!bedrockEndpoint) throw new Error('this floor worker has no Bedrock endpoint');
      converse ??= import('./floor-bedrock.js').then(({ floorBedrock }) => floorBedrock(bedrockEndpoint));
      return { step: input.step, stopReason: await (await converse)(input.spec, input.step) };
    },
    async floorTool(input: { key: string; sleepMs: number }): Promise<string> {
      toolStarted(input.key);
      if (input.sleepMs > 0) await sleep(input.sleepMs);
      return 'ok';
    },
  };
}
