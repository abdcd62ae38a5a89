/**
 * The instant model: a `ModelProvider` that answers deterministically from the conversation.
 * It asks for the no-op tool until the conversation holds as many tool results as the prompt
 * asks for, then ends its turn. Optional simulated latency (`modelMs` in the prompt).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelRequest, ModelResponse, Usage } from '../src/agent/types.js';
import type { ModelProvider } from '../src/models/provider.js';
import { benchTurn, specOf } from './protocol.js';

const USAGE: Usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };

export class InstantModel implements ModelProvider {
  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const first = request.messages[0]?.content[0];
    const prompt = first && 'text' in first ? first.text : '';
    const { modelMs } = specOf(prompt);
    if (modelMs > 0) await sleep(modelMs);
    let results = 0;
    for (const message of request.messages) for (const block of message.content) if ('toolResult' in block) results += 1;
    const turn = benchTurn(prompt, results);
    if ('toolUse' in turn) return { message: { role: 'assistant', content: [turn] }, stopReason: 'tool_use', usage: USAGE };
    return { message: { role: 'assistant', content: [turn] }, stopReason: 'end_turn', usage: USAGE };
  }
}
