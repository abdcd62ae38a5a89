/** The CLI's model choice: flags, then environment, else nothing (the agent's model or the worker's `auto`). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CREDENTIALS_NOTICE, resolveModel, type ModelFlags } from '../../src/cli/model-choice.js';

const HAIKU_BEDROCK = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
/** No AWS files to find, whatever the machine's home holds. */
const BARE: NodeJS.ProcessEnv = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };

const choose = (flags: ModelFlags, env: NodeJS.ProcessEnv = {}) => resolveModel(flags, { ...BARE, ...env });
const model = (flags: ModelFlags, env: NodeJS.ProcessEnv = {}) => choose(flags, env).model;
const refusal = (flags: ModelFlags, env: NodeJS.ProcessEnv = {}): string => {
  try {
    choose(flags, env);
  } catch (error) {
    const message = (error as Error).message;
    assert.doesNotMatch(message, /\n/);
    return message;
  }
  return assert.fail('expected an error');
};

describe('resolveModel', () => {
  it('--model provider:id for every provider; only the first colon separates', () => {
    assert.deepEqual(model({ model: 'openai:gpt-5-mini' }), { provider: 'openai', modelId: 'gpt-5-mini' });
    assert.deepEqual(model({ model: 'anthropic:claude-haiku-4-5' }), { provider: 'anthropic', modelId: 'claude-haiku-4-5' });
    assert.deepEqual(model({ model: `bedrock:${HAIKU_BEDROCK}` }), { provider: 'bedrock', modelId: HAIKU_BEDROCK });
    assert.deepEqual(model({ model: 'openai:llama3.2:3b' }), { provider: 'openai', modelId: 'llama3.2:3b' });
    assert.deepEqual(model({ model: 'demo:offline-demo' }), { provider: 'demo', modelId: 'offline-demo' });
  });

  it('--provider with a plain --model id, colons included, as before', () => {
    assert.deepEqual(model({ provider: 'bedrock', model: HAIKU_BEDROCK }), { provider: 'bedrock', modelId: HAIKU_BEDROCK });
    assert.deepEqual(model({ provider: 'openai', model: 'qwen2.5:7b' }), { provider: 'openai', modelId: 'qwen2.5:7b' });
    assert.deepEqual(model({ provider: 'openai', model: 'openai:gpt-5-mini' }), { provider: 'openai', modelId: 'gpt-5-mini' });
  });

  it('--provider alone takes the provider default; BEDROCK_MODEL_ID for bedrock', () => {
    assert.deepEqual(model({ provider: 'bedrock' }), { provider: 'bedrock', modelId: HAIKU_BEDROCK });
    assert.deepEqual(model({ provider: 'bedrock' }, { BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0' }), { provider: 'bedrock', modelId: 'amazon.nova-lite-v1:0' });
    assert.deepEqual(model({ provider: 'openai' }), { provider: 'openai', modelId: 'gpt-5-mini' });
    assert.deepEqual(model({ provider: 'anthropic' }), { provider: 'anthropic', modelId: 'claude-haiku-4-5' });
    assert.deepEqual(model({ provider: 'demo' }), { provider: 'demo', modelId: 'offline-demo' });
  });

  it('flags win over AGENT_MODEL, which wins over AGENT_MODEL_PROVIDER and BEDROCK_MODEL_ID', () => {
    const env = { AGENT_MODEL: 'anthropic:claude-sonnet-4-5', BEDROCK_MODEL_ID: 'x.y-v1:0' };
    assert.deepEqual(model({ model: 'openai:gpt-5' }, { ...env, AGENT_MODEL_PROVIDER: 'demo' }), { provider: 'openai', modelId: 'gpt-5' });
    assert.deepEqual(model({}, env), { provider: 'anthropic', modelId: 'claude-sonnet-4-5' });
    assert.deepEqual(model({}, { AGENT_MODEL: 'llama3.2:3b', AGENT_MODEL_PROVIDER: 'openai' }), { provider: 'openai', modelId: 'llama3.2:3b' });
    assert.deepEqual(model({}, { AGENT_MODEL_PROVIDER: 'demo' }), { provider: 'demo', modelId: 'offline-demo' });
    assert.deepEqual(model({}, { AGENT_MODEL_PROVIDER: 'bedrock', BEDROCK_MODEL_ID: 'x.y-v1:0' }), { provider: 'bedrock', modelId: 'x.y-v1:0' });
    assert.deepEqual(model({}, { BEDROCK_MODEL_ID: 'x.y-v1:0' }), { provider: 'bedrock', modelId: 'x.y-v1:0' });
  });

  it('nothing chosen: no model, and the notice only when no provider has credentials here', () => {
    assert.deepEqual(choose({}), { model: undefined, notice: NO_CREDENTIALS_NOTICE });
    assert.match(NO_CREDENTIALS_NOTICE, /offline demo model .* unless the agent names its model/);
    assert.deepEqual(choose({}, { AWS_PROFILE: 'dev' }), { model: undefined });
    const keyed = choose({}, { OPENAI_API_KEY: 'sk-x' });
    assert.equal(keyed.model, undefined);
    assert.equal(keyed.notice, `${NO_CREDENTIALS_NOTICE} To use openai, pass --model openai:gpt-5-mini.`);
    assert.deepEqual(choose({ provider: 'demo' }), { model: { provider: 'demo', modelId: 'offline-demo' } });
  });

  it('bad values give one-line errors that say what to write', () => {
    assert.match(refusal({ model: 'gpt-5-mini' }), /--model "gpt-5-mini" names no provider: use provider:id, e\.g\. openai:gpt-5-mini, or add --provider/);
    assert.match(refusal({ model: 'ollama:llama3' }), /--model: unknown provider "ollama".*use one of bedrock, openai, anthropic, demo \(for example openai:ollama:llama3\)/);
    assert.match(refusal({ model: 'openai:' }), /--model: invalid model "openai:": use provider:id/);
    assert.match(refusal({ model: 'openai:two words' }), /--model: invalid model/);
    assert.match(refusal({ provider: 'openai', model: 'anthropic:claude-haiku-4-5' }), /--provider openai contradicts --model "anthropic:claude-haiku-4-5"/);
    assert.match(refusal({ provider: 'mistral' }), /--provider: unknown provider "mistral"; use one of bedrock, openai, anthropic, demo/);
    assert.match(refusal({}, { AGENT_MODEL: 'gpt-5-mini' }), /AGENT_MODEL "gpt-5-mini" names no provider: .* or add AGENT_MODEL_PROVIDER/);
    assert.match(refusal({}, { AGENT_MODEL: 'anthropic:claude-haiku-4-5', AGENT_MODEL_PROVIDER: 'demo' }), /AGENT_MODEL_PROVIDER demo contradicts AGENT_MODEL/);
    assert.match(refusal({}, { AGENT_MODEL_PROVIDER: 'azure' }), /AGENT_MODEL_PROVIDER: unknown provider "azure"/);
    assert.match(refusal({ model: `openai:${'x'.repeat(300)}` }), /invalid model/);
  });
});
