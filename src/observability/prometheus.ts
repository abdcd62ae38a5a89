/**
 * The worker runtime's telemetry for `--metrics-port N`: Temporal's Prometheus exporter serves
 * `/metrics` with the SDK's own metrics (task latencies, slots, polls) and ours (interrupts, time
 * to answer, decisions, model latency and tokens, tool outcomes), all from one registry.
 */
import type { TelemetryOptions } from '@temporalio/worker';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Buckets (ms) that fit what they measure: people answer in minutes to days, models in seconds. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  hitl_interrupt_answer_time: [10 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR, 12 * HOUR, 24 * HOUR, 72 * HOUR, 168 * HOUR],
  hitl_model_latency: [100, 250, 500, SECOND, 2.5 * SECOND, 5 * SECOND, 10 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE],
};

/** Telemetry that serves Prometheus metrics on `host:port` (default all interfaces, as scrapers expect). */
export function prometheusTelemetry(port: number, host = process.env.AGENT_METRICS_HOST || '0.0.0.0'): TelemetryOptions {
  return {
    metrics: {
      prometheus: { bindAddress: `${host.includes(':') ? `[${host}]` : host}:${port}`, histogramBucketOverrides: HISTOGRAM_BUCKETS },
    },
  };
}
