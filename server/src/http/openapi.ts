import { z } from 'zod';
import { ErrorResponse, WebhookErrorResponse } from '#core/error-response';
import type { RouteDef } from './route';

type Json = Record<string, unknown>;

/**
 * Builds the OpenAPI 3.1 document from the route table and its zod schemas. Every named or recursive
 * definition lives once under `components/schemas`, so every `$ref` resolves from the document root.
 */
export function openApiDocument(routes: RouteDef[]) {
  const components = new SchemaComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [...schemaParameters(components, route.params, 'path'), ...schemaParameters(components, route.query, 'query')];
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'none'
        ? { security: [] }
        : route.auth === 'admin'
          ? { security: [{ adminToken: [] }] }
          : route.auth === 'person'
            ? { security: [{ session: [] }] }
            : {}),
      ...(route.scope ? { 'x-scope': route.scope } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.add(route.body, 'input') } } } } : {}),
      responses: responsesOf(route, components),
    };
  }
  paths['/hooks/{endpointId}'] = hooksPath(components);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: '0.1.0',
      description:
        'Flows, runs and app events. Authenticate with `Authorization: Bearer <workspace API key>` (its scopes must include ' +
        "the operation's `x-scope`), or, from the editor, with the session cookie plus `X-CSRF-Token` on writes and " +
        '`X-Switchyard-Workspace` naming the workspace. ' +
        'Every error answer is `{ error: { code, message, details? } }` (the `Error` schema).',
    },
    components: {
      schemas: components.schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Workspace API key: sy_live_… or sy_test_…' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'SWITCHYARD_ADMIN_TOKEN (the admin API is off when it is unset)' },
        session: { type: 'apiKey', in: 'cookie', name: 'sy_session', description: "The editor's session (sign in with POST /api/auth/signin)" },
      },
    },
    security: [{ apiKey: [] }, { session: [] }],
    paths,
  };
}

/**
 * The answers every route of a kind can give, whatever its own code does, so that a new route cannot forget
 * them: authentication (401, 403 for a test key or the wrong key, 429 after repeated failures), parsing and
 * validation (400; 413 and 415 for a body), and a resource named in the path (404). Answers that depend on
 * what the handler does (409, 422, 503 when it talks to Temporal) are declared by the route.
 */
function generalAnswers(route: RouteDef): number[] {
  return [
    ...(route.auth !== 'none' ? [401, 403, 429] : []),
    ...(route.params || route.query || route.body ? [400] : []),
    ...(route.body ? [413, 415] : []),
    ...(route.params ? [404] : []),
  ];
}

const GENERAL_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (malformed or too deeply nested JSON, or a parameter or body field failing its schema); `details` names each field',
  401: 'No credentials, or ones that are not valid',
  403: 'Not allowed with these credentials (for example a test key, sy_test_…, on something only a live key may do)',
  404: 'Nothing by that id in this workspace',
  413: 'The body is larger than the limit',
  415: "The body's Content-Encoding or charset is not supported",
  429: 'Too many failed authentications from this address or key; try again after Retry-After seconds',
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } } };

function responsesOf(route: RouteDef, components: SchemaComponents): Record<string, unknown> {
  const declared = route.responses;
  const statuses = [...new Set([...Object.keys(declared).map(Number), ...generalAnswers(route)])].sort((a, b) => a - b);
  return Object.fromEntries(
    statuses.map((status) => {
      const own = declared[status];
      const description = own?.description ?? GENERAL_DESCRIPTIONS[status] ?? `HTTP ${status}`;
      const schema = own?.schema ?? (status >= 400 ? ErrorResponse : undefined);
      const contentType = own?.contentType ?? 'application/json';
      return [
        String(status),
        {
          description,
          ...(status === 429 ? { headers: RETRY_AFTER } : {}),
          ...(schema ? { content: { [contentType]: { schema: components.add(schema, 'output') } } } : {}),
        },
      ];
    }),
  );
}

/**
 * `POST /hooks/:endpointId` (hooks.routes.ts) takes the provider's raw bytes, not a zod-checked JSON body, so it is
 * not in the route table; it is described here.
 */
function hooksPath(components: SchemaComponents) {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: components.add(WebhookErrorResponse, 'output') } } });
  return {
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
        200: {
          description: 'Accepted: delivered to a run (or recorded as a duplicate, or as unmatched for an inbox)',
          content: { 'application/json': { schema: { type: 'object', properties: { received: { const: true } }, required: ['received'] } } },
        },
        400: error('The body or a required header is malformed'),
        401: error('The signature or token does not verify (or no signing secret is set: endpoints are default-deny)'),
        404: error('No such endpoint'),
        402: error("The workspace's plan does not include an integration the flow uses"),
        409: { ...error('A copy of this event is still being handled; send it again (Retry-After)'), headers: RETRY_AFTER },
        410: error('The endpoint is disabled: its flow was unpublished or its trigger changed'),
        413: error('The body is larger than the limit'),
        415: error('The content type is not the one the source sends'),
        503: { ...error('Temporal is unreachable: nothing was accepted, send it again (Retry-After)'), headers: RETRY_AFTER },
      },
    },
  };
}

function schemaParameters(components: SchemaComponents, schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = components.add(schema, 'input') as { properties?: Json; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/**
 * The document's `components/schemas`. zod writes each schema's definitions (named ones such as `FlowNode`, and
 * recursive ones) into a `$defs` of that schema; a `$ref` to them means nothing once the schema is placed inside
 * the document. `add` moves them here and points the refs here. The same definition met again (another route
 * using the same schema) is stored once; two different definitions of one name get distinct names.
 */
class SchemaComponents {
  readonly schemas: Json = {};
  private readonly byContent = new Map<string, string>();

  add(schema: z.ZodType, io: 'input' | 'output'): Json {
    const { $schema: _dialect, $defs, ...root } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    const defs: Record<string, unknown> = { ...($defs as Json | undefined) };
    let top: unknown = root;
    // An unnamed recursive root refers to itself as `#`, which here would be the document: make it a definition.
    if (hasRef(root, '#')) {
      defs.Self = replaceRefs(root, (ref) => (ref === '#' ? `#/$defs/Self` : ref));
      top = { $ref: '#/$defs/Self' };
    }
    const names = new Map<string, string>();
    for (const local of Object.keys(defs)) {
      const content = fingerprint(local, defs);
      let name = this.byContent.get(content);
      if (!name) {
        name = this.freeName(isUnnamed(local) ? 'Schema' : local, io);
        this.byContent.set(content, name);
        this.schemas[name] = null; // reserved; filled below once every local name has its component name
      }
      names.set(local, name);
    }
    const toComponents = (node: unknown) =>
      replaceRefs(node, (ref) => {
        const name = names.get(localName(ref) ?? '');
        return name ? `#/components/schemas/${name}` : ref;
      });
    for (const [local, def] of Object.entries(defs)) {
      const name = names.get(local)!;
      if (this.schemas[name] === null) this.schemas[name] = toComponents(def);
    }
    return toComponents(top) as Json;
  }

  private freeName(base: string, io: 'input' | 'output'): string {
    const clean = base.replace(/[^A-Za-z0-9._-]/g, '_');
    for (const candidate of [clean, `${clean}_${io}`]) if (!(candidate in this.schemas)) return candidate;
    for (let n = 2; ; n++) if (!(`${clean}_${io}_${n}` in this.schemas)) return `${clean}_${io}_${n}`;
  }
}

/**
 * A fingerprint of the definition `local`: it and every definition it reaches through `$ref`s, unnamed ones
 * (zod's `__schema0`, `Self`) numbered in the order they are met, so one schema gives one fingerprint whichever
 * local names zod picked for it.
 */
function fingerprint(local: string, defs: Record<string, unknown>): string {
  const order: string[] = [];
  const token = (name: string) => (isUnnamed(name) ? `~${order.indexOf(name)}` : name);
  const visit = (name: string) => {
    if (order.includes(name) || !(name in defs)) return;
    order.push(name);
    replaceRefs(defs[name], (ref) => (visit(localName(ref) ?? ''), ref));
  };
  visit(local);
  return JSON.stringify(order.map((name) => [token(name), replaceRefs(defs[name], (ref) => (localName(ref) === undefined ? ref : token(localName(ref)!)))]));
}

const isUnnamed = (local: string) => local.startsWith('__') || local === 'Self';

function localName(ref: string): string | undefined {
  const segment = /^#\/\$defs\/(.+)$/.exec(ref)?.[1];
  return segment === undefined ? undefined : segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A deep copy of `node` with every `$ref` string passed through `map`. */
function replaceRefs(node: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => replaceRefs(item, map));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? map(value) : replaceRefs(value, map)]),
  );
}

function hasRef(node: unknown, ref: string): boolean {
  let found = false;
  replaceRefs(node, (r) => ((found ||= r === ref), r));
  return found;
}
