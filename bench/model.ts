/**
 * The instant model: a `ModelProvider` that answers deterministically from the conversation.
 * It asks for the no-op tool until the conversation holds as many tool results as the prompt
 * asks for, then ends its turn. Optional simulated latency (`modelMs` in the prompt).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelRequest, ModelResponse, Usage } from '../src/agent/types.js';
import type { ModelProvider } from '../src/models/provider.js';
import { NOOP_TOOL, specOf, toolUseIdFor } from './protocol.js';

const USAGE: Usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };

export class InstantModel implements ModelProvider {
  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const first = request.messages[0]?.content[0];
    const spec = specOf(first && 'text' in first ? first.text : '');
    if (spec.modelMs > 0) await sleep(spec.modelMs);
    let results = 0;
    for (const message of request.messages) for (const block of message.content) if ('toolResult' in block) results += 1;
    if (results < spec.steps) {
      const step = results + 1;
      return {
        message: { role: 'assistant', content: [{ toolUse: { toolUseId: toolUseIdFor(step), name: NOOP_TOOL, input: { step, sleepMs: spec.toolMs } } }] },
        stopReason: 'tool_use',
        usage: USAGE,
      };
    }
    return { message: { role: 'assistant', content: [{ text: `done after ${results} steps` }] }, stopReason: 'end_turn', usage: USAGE };
  }
}
