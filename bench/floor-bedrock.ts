/**
 * The floor's model call over HTTP: the same Converse request an agent sends at this step (system
 * prompt, the conversation so far, the no-op tool's spec), with the same official client, to the
 * same fake Bedrock. The conversation is rebuilt from the step number, so the floor workflow keeps
 * no state. Imported lazily, so that floor workers that never call a model over HTTP do not load
 * the AWS SDK (the parked-runs floor measures memory).
 */
import { BedrockRuntimeClient, ConverseCommand, type Message } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HTTP_MODEL, NOOP_TOOL, promptFor, toolUseIdFor, type StepSpec } from './protocol.js';

const SYSTEM_PROMPT = 'You are a benchmark agent. Call bench_noop until you are done.';
const NOOP_SPEC = {
  name: NOOP_TOOL,
  description: 'Does nothing (after sleeping sleepMs); the bench records when it starts.',
  inputSchema: {
    json: {
      type: 'object',
      properties: { step: { type: 'integer', exclusiveMinimum: 0 }, sleepMs: { type: 'integer', minimum: 0 } },
      required: ['step', 'sleepMs'],
      additionalProperties: false,
    },
  },
};

function conversation(spec: StepSpec, done: number): Message[] {
  const messages: Message[] = [{ role: 'user', content: [{ text: promptFor(spec) }] }];
  for (let step = 1; step <= done; step++) {
    const toolUseId = toolUseIdFor(step);
    messages.push({ role: 'assistant', content: [{ toolUse: { toolUseId, name: NOOP_TOOL, input: { step, sleepMs: spec.toolMs } } }] });
    messages.push({ role: 'user', content: [{ toolResult: { toolUseId, status: 'success', content: [{ text: 'ok' }] } }] });
  }
  return messages;
}

export function floorBedrock(endpoint: string) {
  const client = new BedrockRuntimeClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: new NodeHttpHandler(),
  });
  /** The model call of step `step` (1-based; steps + 1 is the final turn); returns the stop reason. */
  return async (spec: StepSpec, step: number): Promise<string> => {
    const response = await client.send(
      new ConverseCommand({
        modelId: HTTP_MODEL.modelId,
        system: [{ text: SYSTEM_PROMPT }],
        messages: conversation(spec, step - 1),
        inferenceConfig: { maxTokens: 4096 },
        toolConfig: { tools: [{ toolSpec: NOOP_SPEC }] },
      }),
    );
    return response.stopReason ?? 'unknown';
  };
}
