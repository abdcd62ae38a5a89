/**
 * All three fake model services behind one interface, each with a provider that talks to it
 * through the vendor's official client: the same scripted turns (./model-script.ts) play on
 * Bedrock, OpenAI and Anthropic.
 */
import { AnthropicProvider } from '../../src/models/anthropic.js';
import { BedrockProvider, type BedrockOptions } from '../../src/models/bedrock.js';
import { OpenAIProvider } from '../../src/models/openai.js';
import type { ModelProvider } from '../../src/models/provider.js';
import { startFakeAnthropic } from './fake-anthropic.js';
import { FakeBedrock } from './fake-bedrock.js';
import { startFakeOpenAI } from './fake-openai.js';
import { toBedrockReply, type RecordedModelRequest, type ScriptedTurn } from './model-script.js';

export type ProviderName = 'bedrock' | 'openai' | 'anthropic';
export const PROVIDER_NAMES: readonly ProviderName[] = ['bedrock', 'openai', 'anthropic'];

export interface FakeModelService {
  name: ProviderName;
  /** A provider whose client points at this fake. */
  provider: ModelProvider;
  /** What a worker needs to reach the fake: `defaultProviders(options.bedrock, { openai, anthropic })`. */
  options: { bedrock?: BedrockOptions; openai?: { baseURL: string; apiKey: string }; anthropic?: { baseURL: string; apiKey: string } };
  scriptFor(model: string, ...turns: ScriptedTurn[]): void;
  requests(): RecordedModelRequest[];
  /** Requests the real service would have refused; tests assert it stays empty. */
  violations(): string[];
  remaining(): number;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** The client's request timeout (default: the providers' own). */
  timeoutMs?: number;
}

export async function startFakeModelService(name: ProviderName, options: ServiceOptions = {}): Promise<FakeModelService> {
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  if (name === 'bedrock') {
    const fake = await FakeBedrock.start();
    const bedrock: BedrockOptions = {
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...(options.timeoutMs !== undefined ? { requestTimeoutMs: options.timeoutMs } : {}),
    };
    return {
      name,
      provider: new BedrockProvider(bedrock),
      options: { bedrock },
      scriptFor: (model, ...turns) => void fake.scriptFor(model, ...turns.map(toBedrockReply)),
      requests: () => fake.requests.map((request) => ({ model: request.modelId, body: request.body, headers: request.headers })),
      violations: () => fake.violations,
      remaining: () => fake.remaining(),
      close: () => fake.close(),
    };
  }
  const fake = name === 'openai' ? await startFakeOpenAI() : await startFakeAnthropic();
  const client = { baseURL: fake.baseURL, apiKey: 'test-key' };
  return {
    name,
    provider: name === 'openai' ? new OpenAIProvider({ ...client, ...timeout }) : new AnthropicProvider({ ...client, ...timeout }),
    options: { [name]: client },
    scriptFor: (model, ...turns) => void fake.scriptFor(model, ...turns),
    requests: () => fake.requests,
    violations: () => fake.violations,
    remaining: () => fake.remaining(),
    close: () => fake.close(),
  };
}
