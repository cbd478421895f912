import { z } from 'zod';
import type { RouteDef } from './route';

/** Builds the OpenAPI 3.1 document from the route table and its zod schemas. */
export function openApiDocument(routes: RouteDef[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [...schemaParameters(route.params, 'path'), ...schemaParameters(route.query, 'query')];
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'none' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, r]) => [
          status,
          { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: toSchema(r.schema, 'output') } } } : {}) },
        ]),
      ),
    };
  }
  paths['/hooks/{endpointId}'] = HOOKS_PATH;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: '0.1.0',
      description: 'Flows, runs and app events. Authenticate with `Authorization: Bearer <workspace API key>`.',
    },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Workspace API key: sy_live_… or sy_test_…' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}

/**
 * `POST /hooks/:endpointId` (hooks.routes.ts) takes the provider's raw bytes, not a zod-checked JSON body, so it is
 * not in the route table; it is described here.
 */
const HOOKS_PATH = {
  post: {
    summary:
      "Where providers deliver webhooks. The signature (or a public endpoint's X-Switchyard-Token) authenticates the sender; no API key. " +
      'Each event id starts or reaches its runs once; the answer is 2xx only once Temporal has the delivery.',
    tags: ['Webhooks'],
    security: [],
    parameters: [{ name: 'endpointId', in: 'path', required: true, schema: { type: 'string', pattern: '^wh_(live|test)_' } }],
    requestBody: {
      required: true,
      description: "The provider's body, byte for byte (JSON, or form-encoded for Slack); at most WEBHOOK_BODY_LIMIT (1 MiB).",
      content: { 'application/json': { schema: {} }, 'application/x-www-form-urlencoded': { schema: {} } },
    },
    responses: {
      200: { description: 'Accepted: delivered to a run (or recorded as a duplicate, or as unmatched for an inbox)' },
      400: { description: 'The body or a required header is malformed' },
      401: { description: 'The signature or token does not verify (or no signing secret is set: endpoints are default-deny)' },
      404: { description: 'No such endpoint' },
      409: { description: 'A copy of this event is still being handled; send it again (Retry-After)' },
      410: { description: 'The endpoint is disabled: its flow was unpublished or its trigger changed' },
      413: { description: 'The body is larger than the limit' },
      415: { description: 'The content type is not the one the source sends' },
      503: { description: 'Temporal is unreachable: nothing was accepted, send it again (Retry-After)' },
    },
  },
};

function toSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

function schemaParameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}
