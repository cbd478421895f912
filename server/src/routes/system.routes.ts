import { z } from 'zod';
import { defineRoute, type RouteDef } from '../http/route';
import { openApiDocument } from '../http/openapi';
import type { ServerDeps } from '../deps';
import { Readiness } from '#core/api';
import { PROMETHEUS_CONTENT_TYPE } from '#core/metrics-server';
import { checkReadiness } from '../services/readiness.service';

const Up = z.enum(['up', 'down']);
const Health = z.object({ ok: z.boolean(), database: Up, temporal: Up });

export function systemRoutes(deps: ServerDeps, allRoutes: () => RouteDef[]): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      tag: 'System',
      summary: 'Health of the API, its database and Temporal',
      auth: 'none',
      responses: { 200: { description: 'Healthy', schema: Health }, 503: { description: 'A dependency is down', schema: Health } },
      async handler() {
        const checks = { database: 'up', temporal: 'up' };
        await deps.db
          .selectFrom('workspaces')
          .select('id')
          .limit(1)
          .execute()
          .catch(() => (checks.database = 'down'));
        await deps.temporal.call((c) => c.connection.workflowService.getSystemInfo({})).catch(() => (checks.temporal = 'down'));
        const ok = checks.database === 'up' && checks.temporal === 'up';
        return { status: ok ? 200 : 503, body: { ok, ...checks } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/ready',
      tag: 'System',
      summary: 'Readiness: the database and Temporal answer and the migrations are current (each check has a 1.5 s deadline)',
      auth: 'none',
      responses: { 200: { description: 'Ready', schema: Readiness }, 503: { description: 'Not ready; `failed` names the checks', schema: Readiness } },
      async handler() {
        const readiness = await checkReadiness(deps);
        return { status: readiness.ready ? 200 : 503, body: readiness };
      },
    }),
    ...(deps.metrics && !deps.metrics.ownPort
      ? [
          defineRoute({
            method: 'get',
            path: '/metrics',
            tag: 'System',
            summary: 'Prometheus metrics (text exposition format); on METRICS_PORT instead when that is set',
            auth: 'none',
            responses: { 200: { description: 'Metrics', schema: z.string(), contentType: PROMETHEUS_CONTENT_TYPE } },
            async handler() {
              return { body: await deps.metrics!.api.render(), contentType: PROMETHEUS_CONTENT_TYPE };
            },
          }),
        ]
      : []),
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      tag: 'System',
      summary: 'This API as an OpenAPI 3.1 document, generated from its zod schemas',
      auth: 'none',
      responses: { 200: { description: 'OpenAPI document', schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) } },
      async handler() {
        return { body: openApiDocument(allRoutes()) };
      },
    }),
  ];
}
