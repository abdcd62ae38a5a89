/** The worker-side defaults: the providers every worker has, and `auto` picking Bedrock or the demo model. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelRequest, ModelResponse } from '../../src/agent/types.js';
import { AutoProvider } from '../../src/models/auto.js';
import { defaultProviders } from '../../src/models/default-providers.js';
import { DEFAULT_BEDROCK_MODEL_ID, type ModelProvider } from '../../src/models/provider.js';

const BARE: NodeJS.ProcessEnv = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };
const request: ModelRequest = { model: { provider: 'auto', modelId: 'auto' }, system: '', messages: [{ role: 'user', content: [{ text: 'hi' }] }], tools: [] };

class Recorder implements ModelProvider {
  readonly seen: ModelRequest[] = [];
  constructor(private readonly name: string) {}
  async invoke(req: ModelRequest): Promise<ModelResponse> {
    this.seen.push(req);
    return { message: { role: 'assistant', content: [{ text: this.name }] }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
  }
}

describe('auto provider', () => {
  it('uses Bedrock with its default model when AWS credentials are detectable', async () => {
    const providers = { bedrock: new Recorder('bedrock'), demo: new Recorder('demo') };
    const auto = new AutoProvider(providers, { ...BARE, AWS_ACCESS_KEY_ID: 'AKIA...' });
    assert.deepEqual((await auto.invoke(request)).message.content, [{ text: 'bedrock' }]);
    assert.deepEqual(providers.bedrock.seen[0]!.model, { provider: 'bedrock', modelId: DEFAULT_BEDROCK_MODEL_ID });
    assert.equal(providers.demo.seen.length, 0);
    const pinned = new AutoProvider(providers, { ...BARE, AWS_PROFILE: 'dev', BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0' });
    assert.deepEqual(pinned.model, { provider: 'bedrock', modelId: 'amazon.nova-lite-v1:0' });
  });

  it('uses the offline demo model without AWS credentials, even with other providers\' keys', async () => {
    const providers = { bedrock: new Recorder('bedrock'), demo: new Recorder('demo') };
    const auto = new AutoProvider(providers, { ...BARE, OPENAI_API_KEY: 'sk-x' });
    assert.deepEqual((await auto.invoke(request)).message.content, [{ text: 'demo' }]);
    assert.deepEqual(providers.demo.seen[0]!.model, { provider: 'demo', modelId: 'offline-demo' });
  });

  it('fails non-retryably when the provider it stands for is missing', async () => {
    const auto = new AutoProvider({}, BARE);
    await assert.rejects(auto.invoke(request), (error: { type?: string; nonRetryable?: boolean; message: string }) => {
      assert.deepEqual([error.type, error.nonRetryable], ['UnknownModelProvider', true]);
      assert.match(error.message, /stands for demo/);
      return true;
    });
  });
});

describe('defaultProviders', () => {
  it('registers bedrock, openai, anthropic, demo, auto and scripted without any key or network', async () => {
    const providers = defaultProviders({ region: 'us-east-1' }, { openai: { baseURL: 'http://127.0.0.1:9/v1' }, anthropic: { baseURL: 'http://127.0.0.1:9' } });
    assert.deepEqual(Object.keys(providers).sort(), ['anthropic', 'auto', 'bedrock', 'demo', 'openai', 'scripted']);
    const response = await providers.demo!.invoke({ ...request, model: { provider: 'demo', modelId: 'offline-demo' } });
    assert.match(JSON.stringify(response.message), /offline demo model/);
  });
});
