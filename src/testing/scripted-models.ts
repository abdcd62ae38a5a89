/**
 * A model provider for tests: each `script(...)` is a model of its own (a fresh model id) that
 * replays the given turns in order and records the requests it got. Tests never consume each
 * other's turns, and an agent's approval flow runs offline and deterministically.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ContentBlock, JsonValue, ModelChoice, ModelRequest, ModelResponse } from '../agent/types.js';
import type { ModelProvider } from '../models/provider.js';

/** One model turn: plain text (ends the turn), or tool calls. */
export type ScriptedTurn = { text: string } | { tools: Array<{ name: string; input: JsonValue; id?: string }> };

export const SCRIPTED_PROVIDER = 'scripted';

export class ScriptedModels implements ModelProvider {
  private readonly scripts = new Map<string, ScriptedTurn[]>();
  private readonly received = new Map<string, ModelRequest[]>();
  private count = 0;

  /** A model that answers with these turns, one per call; register this provider as `scripted`. */
  script(...turns: ScriptedTurn[]): ModelChoice {
    const modelId = `script-${++this.count}`;
    this.scripts.set(modelId, [...turns]);
    this.received.set(modelId, []);
    return { provider: SCRIPTED_PROVIDER, modelId };
  }

  /** What the scripted model was asked, call by call. */
  requests(model: ModelChoice): ModelRequest[] {
    return this.received.get(model.modelId) ?? [];
  }

  /** Turns not used yet. */
  remaining(model: ModelChoice): number {
    return this.scripts.get(model.modelId)?.length ?? 0;
  }

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const turns = this.scripts.get(request.model.modelId);
    const turn = turns?.shift();
    if (!turns || !turn) {
      const why = turns ? `was called more often than scripted` : 'was never scripted';
      throw ApplicationFailure.create({ type: 'ScriptExhausted', message: `scripted model "${request.model.modelId}" ${why}`, nonRetryable: true });
    }
    this.received.get(request.model.modelId)?.push(structuredClone(request));
    const calls = this.received.get(request.model.modelId)?.length ?? 0;
    const content: ContentBlock[] =
      'text' in turn
        ? [{ text: turn.text }]
        : turn.tools.map((tool, index) => ({ toolUse: { toolUseId: tool.id ?? `${request.model.modelId}-${calls}-${index}`, name: tool.name, input: tool.input } }));
    return {
      message: { role: 'assistant', content },
      stopReason: 'text' in turn ? 'end_turn' : 'tool_use',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    };
  }
}
