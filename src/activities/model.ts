/** The model activity: one model call, dispatched to the provider the run chose. */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../agent/types.js';
import type { ModelProvider } from '../models/provider.js';

export function createModelActivity(providers: Record<string, ModelProvider>) {
  return async function invokeModel(request: ModelRequest): Promise<ModelResponse> {
    const provider = providers[request.model.provider];
    if (!provider) {
      throw ApplicationFailure.create({
        type: 'UnknownModelProvider',
        message: `no model provider "${request.model.provider}" in this worker; it has: ${Object.keys(providers).join(', ')}`,
        nonRetryable: true,
      });
    }
    return provider.invoke(request);
  };
}
