/** A model provider turns a Converse-shaped request into a validated Converse-shaped response. */
import type { ModelRequest, ModelResponse } from '../agent/types.js';

/** How a caller follows one model call while it runs. */
export interface InvokeOptions {
  /**
   * Given: the provider streams, and calls this with each piece of the answer's text as the
   * service sends it (the response it resolves with still holds the whole text). A provider that
   * cannot stream ignores it.
   */
  onText?(delta: string): void;
}

export interface ModelProvider {
  invoke(request: ModelRequest, options?: InvokeOptions): Promise<ModelResponse>;
}

export const DEFAULT_BEDROCK_MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
export const DEMO_MODEL_ID = 'offline-demo';

/** The model each built-in provider uses when a choice names the provider but no model. */
export const DEFAULT_MODEL_IDS = {
  bedrock: DEFAULT_BEDROCK_MODEL_ID,
  openai: 'gpt-5-mini',
  anthropic: 'claude-haiku-4-5',
  demo: DEMO_MODEL_ID,
} as const;

/** How long one HTTP request to a model service may take: under the model activity's 2-minute timeout. */
export const MODEL_REQUEST_TIMEOUT_MS = 110_000;
