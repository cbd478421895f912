import { z } from 'zod';
import { defineRoute, type RouteDef } from '../http/route';
import { openApiDocument } from '../http/openapi';
import type { ServerDeps } from '../deps';

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
