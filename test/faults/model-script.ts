/** The fake Bedrock's behaviour for fault runs: ask for apply_change(<prompt>), then say done; a little latency each time. */
import type { ModelChoice } from '../../src/agent/types.js';
import type { FakeBedrock, RecordedRequest, ScriptedReply } from '../support/fake-bedrock.js';

export function conversationalModel(bedrock: FakeBedrock, modelId: string): ModelChoice {
  const reply = (request: RecordedRequest): ScriptedReply => {
    const messages = request.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    const last = messages.at(-1)!;
    const ms = 20 + Math.floor(Math.random() * 150);
    if (last.content.some((block) => 'toolResult' in block)) return { kind: 'delay', ms, then: { kind: 'text', text: 'done' } };
    const prompt = String(messages[0]!.content[0]!.text);
    return { kind: 'delay', ms, then: { kind: 'toolUse', uses: [{ name: 'apply_change', input: { label: prompt } }] } };
  };
  bedrock.setFallback({ kind: 'respond', fn: reply });
  return { provider: 'bedrock', modelId };
}
