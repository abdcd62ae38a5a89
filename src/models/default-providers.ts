/** The model providers every worker has unless told otherwise, by provider name (`--model provider:id`). */
import { AnthropicProvider, type AnthropicOptions } from './anthropic.js';
import { AUTO_PROVIDER, AutoProvider } from './auto.js';
import { BedrockProvider, type BedrockOptions } from './bedrock.js';
import { DemoProvider } from './demo.js';
import { SCRIPTED_PROVIDER } from '../agent/scripted-turns.js';
import { OpenAIProvider, type OpenAIOptions } from './openai.js';
import type { ModelProvider } from './provider.js';
import { ScriptedProvider } from './scripted.js';

export interface OtherProviderOptions {
  openai?: OpenAIOptions;
  anthropic?: AnthropicOptions;
}

/**
 * bedrock, demo, openai, anthropic, auto and scripted (inline scripts: `--model scripted:FILE`).
 * Building them needs no network and no key. A provider the worker registers under one of these
 * names (the plugin's `models`, e.g. a test's ScriptedModels as `scripted`) replaces it.
 */
export function defaultProviders(bedrock?: BedrockOptions, others: OtherProviderOptions = {}): Record<string, ModelProvider> {
  const providers: Record<string, ModelProvider> = {
    bedrock: new BedrockProvider(bedrock),
    demo: new DemoProvider(),
    openai: new OpenAIProvider(others.openai),
    anthropic: new AnthropicProvider(others.anthropic),
  };
  providers[SCRIPTED_PROVIDER] = new ScriptedProvider();
  providers[AUTO_PROVIDER] = new AutoProvider(providers);
  return providers;
}
