/** A model provider that replays scripted turns and records what it was asked (plain Node tests). */
import type { ContentBlock, ModelRequest, ModelResponse } from '../../src/agent/types.js';
import type { ModelProvider } from '../../src/models/provider.js';

export type Turn = { text: string } | { tools: Array<{ name: string; input: unknown; id?: string }> };

export class ScriptedModel implements ModelProvider {
  readonly requests: ModelRequest[] = [];
  private count = 0;
  constructor(private readonly turns: Turn[]) {}

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(structuredClone(request));
    const turn = this.turns.shift();
    if (!turn) throw new Error(`unexpected model call #${this.requests.length}`);
    const content: ContentBlock[] =
      'text' in turn
        ? [{ text: turn.text }]
        : turn.tools.map((tool) => ({
            toolUse: { toolUseId: tool.id ?? `t${++this.count}`, name: tool.name, input: tool.input as never },
          }));
    return {
      message: { role: 'assistant', content },
      stopReason: 'text' in turn ? 'end_turn' : 'tool_use',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    };
  }

  get unconsumed(): number {
    return this.turns.length;
  }
}
