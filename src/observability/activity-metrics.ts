/**
 * Metrics the activities record, through the worker runtime's meter (`Context.current().metricMeter`),
 * so they come out of the same Prometheus endpoint as Temporal's own (`--metrics-port`):
 *
 *   hitl_model_latency (ms, histogram)     by provider, model, outcome (ok | error)
 *   hitl_model_tokens  (counter)           by provider, model, direction (input | output)
 *   hitl_tool_calls    (counter)           by agent, tool, outcome (success | error | interrupt | failed)
 *
 * Outside an activity (unit tests calling the functions directly) nothing is recorded.
 */
import { modelLabel } from '../agent/model-choice.js';
import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import type { ModelChoice, Usage } from '../agent/types.js';

export const MODEL_LATENCY = 'hitl_model_latency';
export const MODEL_TOKENS = 'hitl_model_tokens';
export const TOOL_CALLS = 'hitl_tool_calls';

function meter(): MetricMeter | undefined {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}

/** One model call: its latency, and its tokens when it answered. */
export function recordModelCall(model: ModelChoice, latencyMs: number, usage: Usage | undefined): void {
  const metrics = meter();
  if (!metrics) return;
  const tags = { provider: model.provider, model: modelLabel(model) };
  metrics.createHistogram(MODEL_LATENCY, 'int', 'ms', 'model call latency').record(Math.round(latencyMs), { ...tags, outcome: usage ? 'ok' : 'error' });
  if (!usage) return;
  const tokens = metrics.createCounter(MODEL_TOKENS, 'tokens', 'model tokens');
  tokens.add(usage.inputTokens, { ...tags, direction: 'input' });
  tokens.add(usage.outputTokens, { ...tags, direction: 'output' });
}

export type ToolCallOutcome = 'success' | 'error' | 'interrupt' | 'failed';

/** One tool call attempt's outcome: a result (success or error), a question for a human, or an attempt that threw (Temporal retries it). */
export function recordToolCall(agent: string, tool: string, outcome: ToolCallOutcome): void {
  meter()?.createCounter(TOOL_CALLS, 'calls', 'tool calls by outcome').add(1, { agent, tool, outcome });
}
