/** The floor's activities: a model-like and a tool-like no-op (with optional sleeps), as bare as activities get. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BedrockProvider } from '../src/models/bedrock.js';
import { FLOOR_STREAM_TOPIC, streamRequest, type FloorStreamEvent, type FloorStreamInput, type StepSpec } from './protocol.js';
import { toolStarted } from './probe.js';

/** As our model activity gathers streamed text (src/activities/text-stream.ts). */
const STREAM_BATCH_MS = 250;

/** `bedrockEndpoint`: where `floorModelHttp` sends its Converse requests (the bench's fake Bedrock). */
export function createFloorActivities(bedrockEndpoint?: string) {
  let converse: Promise<(spec: StepSpec, step: number) => Promise<string>> | undefined;
  let bedrock: Promise<BedrockProvider> | undefined;
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
    /**
     * The streaming floor: the product's Bedrock provider, its text published to the run's stream
     * with the SDK's client in the same pattern as our model activity (src/activities/text-stream.ts):
     * the first piece at once, then what arrived meanwhile as one delta every 250 ms. Loaded at
     * first use, like floorModelHttp.
     */
    async floorStreamModel(input: FloorStreamInput): Promise<string> {
      if (!bedrockEndpoint) throw new Error('this floor worker has no Bedrock endpoint');
      bedrock ??= import('../src/models/bedrock.js').then(
        ({ BedrockProvider }) => new BedrockProvider({ endpoint: bedrockEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }),
      );
      const { WorkflowStreamClient } = await import('@temporalio/workflow-streams/client');
      const client = WorkflowStreamClient.fromWithinActivity({ batchInterval: STREAM_BATCH_MS });
      const events = client.topic<FloorStreamEvent>(FLOOR_STREAM_TOPIC);
      let first = true;
      let gathered = '';
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        clearTimeout(timer);
        timer = undefined;
        if (gathered !== '') events.publish({ type: 'text-delta', delta: gathered }, { forceFlush: true });
        gathered = '';
      };
      const response = await (await bedrock).invoke(streamRequest(input), {
        onText: (delta) => {
          if (delta === '') return;
          if (first) events.publish({ type: 'text-delta', delta }, { forceFlush: true });
          else {
            gathered += delta;
            timer ??= setTimeout(send, STREAM_BATCH_MS);
          }
          first = false;
        },
      });
      send();
      await client[Symbol.asyncDispose]();
      // The answer goes back to the workflow, as a model call's does.
      return response.message.content.map((block) => ('text' in block ? block.text : '')).join('');
    },
    async floorTool(input: { key: string; sleepMs: number }): Promise<string> {
      toolStarted(input.key);
      if (input.sleepMs > 0) await sleep(input.sleepMs);
      return 'ok';
    },
  };
}
