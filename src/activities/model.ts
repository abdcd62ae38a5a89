/** The model activity: one model call, dispatched to the provider the run chose. */
import { ApplicationFailure } from '@temporalio/common';
import { toolUsesOf, type ModelResponse } from '../agent/types.js';
import { PERMANENT_MODEL_ERRORS } from '../models/errors.js';
import type { ModelProvider } from '../models/provider.js';
import { recordModelCall } from '../observability/activity-metrics.js';
import { ConversationCache, type ModelActivityInput } from './conversation-cache.js';
import { TextStream } from './text-stream.js';
import { checkOutput } from './output-check.js';

const PERMANENT = new Set(PERMANENT_MODEL_ERRORS);

export function createModelActivity(providers: Record<string, ModelProvider>, conversations = new ConversationCache()) {
  return async function invokeModel(input: ModelActivityInput): Promise<ModelResponse & { streamed?: boolean }> {
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
    // The run's watchers see the text as it comes (text-stream.ts); the run itself reads only the result.
    const stream = input.stream ? TextStream.open(input.stream.id) : undefined;
    let response: ModelResponse | undefined;
    try {
      response = await provider.invoke(request, stream ? { onText: (delta) => stream.text(delta) } : undefined);
      // Runs with a typed result: whether the model's output fits, checked here rather than in the workflow (output-check.ts).
      if (request.outputTool !== undefined) response = checkOutput(request, response);
      if (input.conversation && (toolUsesOf(response.message).length === 0 || response.outputCheck?.fits)) conversations.forget(input.conversation.key);
      await stream?.close();
      return stream?.streamed ? { ...response, streamed: true } : response;
    } catch (error) {
      await stream?.abandon();
      throw nonRetryableWhenPermanent(error);
    } finally {
      recordModelCall(request.model, performance.now() - started, response?.usage);
    }
  };
}

/**
 * The built-in providers mark permanent errors themselves; this covers a provider of one's own
 * that throws them as they come (an AWS SDK exception, say) or as retryable failures.
 */
function nonRetryableWhenPermanent(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const type = error instanceof ApplicationFailure ? error.type : error.name;
  if (!type || !PERMANENT.has(type) || (error instanceof ApplicationFailure && error.nonRetryable)) return error;
  return ApplicationFailure.create({ type, message: error.message, nonRetryable: true, cause: error });
}
