/**
 * OpenTelemetry tracing, on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set:
 * Temporal's OpenTelemetry plugin traces the client's starts, signals and updates, each workflow
 * run (its workflow tasks, signals and updates: the answers that end its waits) and each activity
 * (model calls, tool calls), all in one trace per run, exported over OTLP/HTTP. The exporter reads
 * the standard `OTEL_EXPORTER_OTLP_*` variables (headers, protocol); `OTEL_SERVICE_NAME` names the
 * service. One tracer provider per process: `startTracing` returns the same one every time.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export interface Tracing {
  /** For `Worker.create({ plugins })`, `bundleWorkflowCode({ plugins })` and `new Client({ plugins })`. */
  plugin: OpenTelemetryPlugin;
  /** Sends the spans still buffered; call before the process exits. */
  flush(): Promise<void>;
}

let tracing: Tracing | undefined;

export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT) && env.OTEL_TRACES_EXPORTER !== 'none';
}

/** The process's tracing, or undefined when no OTLP endpoint is configured. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (tracing || !tracingConfigured(env)) return tracing;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || 'hitl-agents' });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Activity spans use the global tracer, and their parent (the run's) arrives as context: both need registering.
  // Workflow spans go through the plugin's sink to the same processor.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  tracing = { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), flush: () => provider.forceFlush() };
  return tracing;
}
