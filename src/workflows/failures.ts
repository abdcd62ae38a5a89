/**
 * Turns whatever escaped the agent loop into a clean, non-retryable workflow failure with a
 * readable reason. A plain Error thrown from workflow code would fail the workflow *task* and
 * retry it forever; an ApplicationFailure ends the run.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

const MODEL_ACTIVITIES = new Set(['invokeModel', 'invokeModelDelta']);

export function runFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure && error.nonRetryable) return error;
  // The model gave no output that fits the run's schema (agent/structured-output.ts).
  if (error instanceof Error && error.name === 'StructuredOutputError') return ApplicationFailure.create({ type: 'StructuredOutputFailed', message: error.message, nonRetryable: true });
  // A direct tool call that cannot run (agent/direct-call.ts): an MCP tool the run did not find, an input that does not fit.
  if (error instanceof Error && error.name === 'DirectToolCallError') return ApplicationFailure.create({ type: 'DirectToolCallRefused', message: error.message, nonRetryable: true });
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    const modelCall = MODEL_ACTIVITIES.has(error.activityType);
    const what = modelCall ? 'model call' : `activity ${error.activityType}`;
    const detail =
      cause instanceof ApplicationFailure
        ? `${cause.type ?? 'Error'}: ${cause.message}`
        : cause instanceof TimeoutFailure
          ? `timed out (${cause.timeoutType})`
          : cause?.message ?? error.message;
    return ApplicationFailure.create({
      type: modelCall ? 'ModelCallFailed' : 'ActivityFailed',
      message: `${what} failed: ${detail}`,
      nonRetryable: true,
      cause: error,
    });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return ApplicationFailure.create({ type: 'AgentRunError', message, nonRetryable: true });
}
