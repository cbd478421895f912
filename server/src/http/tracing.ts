import type { NextFunction, Request, Response } from 'express';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';

/**
 * One server span per request (OTEL_EXPORTER_OTLP_ENDPOINT set), continuing a caller's trace (`traceparent`), active
 * while the request is handled: the Temporal client's interceptor then links the workflow it starts to it. The span
 * is named after the matched route's template, never the raw path (paths carry ids and webhook secrets).
 */
export function tracingMiddleware(tracer: Tracer) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    const active = trace.setSpan(parent, span);
    res.on('finish', () => {
      if (req.route) span.updateName(`${req.method} ${req.baseUrl}${String((req.route as { path: string }).path)}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    // The body arrives through the request's events: they must run in the span's context too.
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
