/** The model providers every worker has unless told otherwise, by provider name (`--model provider:id`). */
import { BedrockProvider, type BedrockOptions } from './bedrock.js';
import { DemoProvider } from './demo.js';
import type { ModelProvider } from './provider.js';

export function defaultProviders(bedrock?: BedrockOptions): Record<string, ModelProvider> {
  return { bedrock: new BedrockProvider(bedrock), demo: new DemoProvider() };
}
