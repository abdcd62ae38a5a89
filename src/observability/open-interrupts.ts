/**
 * The worker side of `hitl_interrupts_open`: workflow code reports +1 / -1 through the
 * `agentMetrics` sink (src/workflows/run-metrics.ts), and the worker keeps the up-down counter in
 * the runtime's meter, beside Temporal's own metrics. Sinks are not called while replaying, so
 * each change counts once per worker that made it; sum over workers for the cluster's total.
 */
import { Runtime, type InjectedSinks } from '@temporalio/worker';
import type { MetricUpDownCounter } from '@temporalio/common';
import type { AgentMetricsSinks } from '../workflows/run-metrics.js';

export function agentMetricsSinks(): InjectedSinks<AgentMetricsSinks> {
  let open: MetricUpDownCounter | undefined;
  return {
    agentMetrics: {
      openInterrupts: {
        fn: (_info, delta, tags) => {
          // The runtime's meter always has up-down counters; the interface makes them optional.
          open ??= Runtime.instance().metricMeter.createUpDownCounter?.('hitl_interrupts_open', 'interrupts', 'questions waiting for a person');
          open?.add(delta, tags);
        },
      },
    },
  };
}
