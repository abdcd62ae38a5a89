/**
 * A model named as `provider:id` (`openai:gpt-5-mini`, `bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0`).
 * Only the first colon separates: Bedrock model ids contain colons of their own.
 */
import { describeInlineScript, isInlineScript, SCRIPTED_PROVIDER } from './scripted-turns.js';
import type { ModelChoice } from './types.js';

const PROVIDER = /^[a-z][a-z0-9-]{0,31}$/;

/** The choice, or a thrown TypeError that says what a valid one looks like. */
export function parseModelChoice(text: string): ModelChoice {
  const colon = text.indexOf(':');
  const provider = colon < 0 ? '' : text.slice(0, colon);
  const modelId = colon < 0 ? '' : text.slice(colon + 1);
  if (!PROVIDER.test(provider) || modelId.trim() === '' || modelId.length > 256 || /[\s\u0000-\u001f]/.test(modelId)) {
    throw new TypeError(`invalid model ${JSON.stringify(text.slice(0, 100))}: use provider:id, e.g. openai:gpt-5-mini or bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0`);
  }
  return { provider, modelId };
}

/** The model's id where a short label is wanted (Web UI summaries, metric labels): an inline script is "inline script", not its JSON. */
export function modelLabel(model: ModelChoice): string {
  return model.provider === SCRIPTED_PROVIDER && isInlineScript(model.modelId) ? 'inline script' : model.modelId;
}

/** For people: `provider:id`; an inline script (`scripted:FILE`) as `scripted (N turns)`. */
export function formatModelChoice(model: ModelChoice): string {
  const script = model.provider === SCRIPTED_PROVIDER ? describeInlineScript(model.modelId) : undefined;
  return script ?? `${model.provider}:${model.modelId}`;
}
