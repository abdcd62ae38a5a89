/** A model provider turns a Converse-shaped request into a validated Converse-shaped response. */
import type { ModelRequest, ModelResponse } from '../agent/types.js';

export interface ModelProvider {
  invoke(request: ModelRequest): Promise<ModelResponse>;
}

export const DEFAULT_BEDROCK_MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
export const DEMO_MODEL_ID = 'offline-demo';
