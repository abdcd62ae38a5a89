/** The model activity: one model call, dispatched to the provider the run chose. */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelResponse } from '../agent/types.js';
import type { ModelProvider } from '../models/provider.js';
import { recordModelCall } from '../observability/activity-metrics.js';
import { ConversationCache, type ModelActivityInput } from './conversation-cache.js';

export function createModelActivity(providers: Record<string, ModelProvider>, conversations = new ConversationCache()) {
  return async function invokeModel(input: ModelActivityInput): Promise<ModelResponse> {
    const request = await conversations.resolve(input);
    const provider = providers[request.model.provider];
    if (!provider) {
      throw ApplicationFailure.create({
        type: 'UnknownModelProvider',
        message: `no model provider "${request.model.provider}" in this worker; it has: ${Object.keys(providers).join(', ')}`,
        nonRetryable: true,
      });
    }
    const started = performance.now();
    let response: ModelResponse | undefined;
    try {
      response = await provider.invoke(request);
      return response;
    } finally {
      recordModelCall(request.model, performance.now() - started, response?.usage);
    }
  };
}
