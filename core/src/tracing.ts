import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Tracer } from '@opentelemetry/api';

/** A process's OpenTelemetry tracing: spans go to an OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT). */
export interface Tracing {
  tracer: Tracer;
  /** Where the worker's workflow spans go too (the workflow sandbox hands them out through a sink). */
  processor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

/**
 * Starts tracing for this process and registers it globally (AsyncLocalStorage context, W3C trace-context
 * propagation), so Temporal's OpenTelemetry interceptors find it. Spans are batched and sent to
 * `<endpoint>/v1/traces` as OTLP/HTTP JSON.
 */
export function startTracing(o: { endpoint: string; serviceName: string }): Tracing {
  const resource = new Resource({ 'service.name': o.serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${o.endpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return { tracer: provider.getTracer('switchyard'), processor, resource, shutdown: () => provider.shutdown() };
}

/** What a worker without tracing gives the workflows' span sink: nothing is kept. */
export const NO_TRACING = { processor: new NoopSpanProcessor() as SpanProcessor, resource: Resource.empty() };
