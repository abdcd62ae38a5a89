/**
 * The `auto` provider: the worker's default when neither the run nor the agent names a model.
 * Bedrock with its default model (or `BEDROCK_MODEL_ID`) when AWS credentials are detectable on
 * the worker, else the offline demo model. Decided once, when the worker starts.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../agent/types.js';
import { awsCredentialsDetectable } from './credentials.js';
import { DEFAULT_BEDROCK_MODEL_ID, DEMO_MODEL_ID, type ModelProvider } from './provider.js';

export const AUTO_PROVIDER = 'auto';

export class AutoProvider implements ModelProvider {
  private readonly target: ModelRequest['model'];

  /** `providers` is read at call time, so replacements registered after this one are used. */
  constructor(
    private readonly providers: Readonly<Record<string, ModelProvider>>,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.target = awsCredentialsDetectable(env)
      ? { provider: 'bedrock', modelId: env.BEDROCK_MODEL_ID || DEFAULT_BEDROCK_MODEL_ID }
      : { provider: 'demo', modelId: DEMO_MODEL_ID };
  }

  /** Which model `auto` stands for on this worker. */
  get model(): ModelRequest['model'] {
    return { ...this.target };
  }

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const provider = this.providers[this.target.provider];
    if (!provider) {
      throw ApplicationFailure.create({
        type: 'UnknownModelProvider',
        message: `the auto provider stands for ${this.target.provider}, which this worker does not have`,
        nonRetryable: true,
      });
    }
    return provider.invoke({ ...request, model: this.model });
  }
}
