/**
 * The `auto` provider: the worker's default when neither the run nor the agent names a model.
 * Bedrock with its default model (or `BEDROCK_MODEL_ID`) when AWS credentials are detectable on
 * the worker, else the offline demo model. Decided once, when the worker starts. The demo model
 * only drives the example file agents: for any other agent the call fails the run, non-retryably,
 * with a message that says which model to choose.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../agent/types.js';
import { awsCredentialsDetectable } from './credentials.js';
import { DemoProvider, demoModelDrives } from './demo.js';
import { DEFAULT_BEDROCK_MODEL_ID, DEMO_MODEL_ID, type ModelProvider } from './provider.js';

export const AUTO_PROVIDER = 'auto';

/** Why a run without a model fails on a worker whose `auto` is the demo model, and what to do. */
export const DEMO_CANNOT_DRIVE =
  'no model was chosen and this worker has no AWS credentials, so its default is the offline demo model, which only drives the example file agents; ' +
  'start this agent with a model: --model scripted:FILE (offline, a JSON script of turns), or bedrock:…, openai:…, anthropic:… ' +
  "(or name one in defineAgent({ model }) or AgentClient.start({ model })); see docs/models.md";

function demoCannotDrive(): ApplicationFailure {
  return ApplicationFailure.create({ type: 'DemoModelCannotDrive', message: DEMO_CANNOT_DRIVE, nonRetryable: true });
}

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
    // The demo model drives the example file agents only: anything else would "complete" with a
    // sentence about file names. Refuse, and say which model to choose.
    if (provider instanceof DemoProvider && !demoModelDrives(request)) throw demoCannotDrive();
    return provider.invoke({ ...request, model: this.model });
  }
}
