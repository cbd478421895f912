/**
 * Instant integrations imported from an OpenAPI document: what is stored for one version (a plain JSON `ImportedSpec`),
 * and how its operations become catalog actions. Pure: the server imports and stores specs, the worker runs their
 * operations (`instant.call@1`), and both ask these functions what an action looks like.
 *
 * An imported integration's key starts with `x-` (`x-github`), so its actions (`x-github.issues-create@2`) can never
 * collide with the catalog's, and anyone reading a flow sees at once that the action was imported into the workspace.
 */
import { z } from 'zod';
import type { ActionInfo, CatalogIndex, JsonSchema, SetupVariable } from './catalog-sdk';
import { ActionRefPattern } from './catalog-sdk';

export const IMPORTED_KEY_PREFIX = 'x-';
/** The one activity that runs every imported operation: it loads the operation and sends its request. */
export const INSTANT_CALL_ACTION = 'instant.call@1';
export const OPENAPI_MAX_BYTES = 20 * 1024 * 1024;
export const OPENAPI_MAX_OPERATIONS = 2000;

export function isImportedRef(ref: string): boolean {
  return ref.startsWith(IMPORTED_KEY_PREFIX);
}

/** `x-github.issues-create@2` → its parts, or undefined when the ref is not an imported action's. */
export function parseImportedRef(ref: string): { key: string; action: string; version: number } | undefined {
  const m = ActionRefPattern.exec(ref);
  if (!m || !isImportedRef(ref)) return undefined;
  return { key: m[1]!, action: m[2]!, version: Number(m[3]) };
}

export const ImportedKey = z
  .string()
  .regex(/^x-[a-z0-9][a-z0-9-]{0,40}$/, 'an imported integration key is "x-" and then lower-case letters, digits and dashes (at most 40)');

const Json: z.ZodType<JsonSchema> = z.record(z.string(), z.unknown());

/** How one security scheme of the document is filled from setup variables. */
export const ImportedScheme = z.discriminatedUnion('type', [
  z.object({ type: z.literal('apiKey'), in: z.enum(['header', 'query', 'cookie']), param: z.string(), variable: z.string() }),
  z.object({ type: z.literal('bearer'), variable: z.string() }),
  z.object({ type: z.literal('basic'), usernameVariable: z.string(), passwordVariable: z.string() }),
  /** OAuth 2 / OpenID Connect: a connection requirement, usable once OAuth connections exist; until then not sent. */
  z.object({ type: z.literal('oauth2'), flows: z.array(z.string()), scopes: z.array(z.string()) }),
]);
export type ImportedScheme = z.infer<typeof ImportedScheme>;

export const ImportedParam = z.object({
  /** The name on the wire. */
  name: z.string(),
  in: z.enum(['path', 'query', 'header', 'cookie']),
  /** The input field (the wire name, or `query_<name>` when two locations share a name). */
  field: z.string(),
  required: z.boolean(),
  description: z.string().optional(),
  schema: Json,
});
export type ImportedParam = z.infer<typeof ImportedParam>;

export const ImportedOperation = z.object({
  /** The action key: the operationId in kebab-case (`issues/create` → `issues-create`). */
  key: z.string(),
  operationId: z.string().optional(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']),
  path: z.string(),
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  deprecated: z.boolean(),
  params: z.array(ImportedParam),
  body: z.object({ contentType: z.string(), required: z.boolean(), schema: Json }).optional(),
  /** The JSON body of its first 2xx answer (`{}` when the document says nothing). */
  output: Json,
  /** Alternatives, each the schemes to send together; absent: the document's default; `[]`: no authentication. */
  security: z.array(z.array(z.string())).optional(),
  /** Its documentation link, when the document gives one. */
  docsUrl: z.string().optional(),
});
export type ImportedOperation = z.infer<typeof ImportedOperation>;

export const ImportedSpec = z.object({
  key: ImportedKey,
  title: z.string(),
  description: z.string(),
  /** `OpenAPI 3.1.0`, `Swagger 2.0` (converted to OpenAPI 3.0 on import). */
  source: z.string(),
  apiVersion: z.string(),
  /** The first server of the document, the default of the base-URL setup variable. */
  baseUrl: z.string(),
  baseUrlVariable: z.string(),
  schemes: z.record(z.string(), ImportedScheme),
  security: z.array(z.array(z.string())),
  setup: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      whereToGet: z.string(),
      required: z.boolean(),
      secret: z.boolean(),
    }),
  ),
  /** Named schemas the operations refer to as `#/$defs/<name>`. */
  components: z.record(z.string(), Json),
  operations: z.array(ImportedOperation),
  links: z.array(z.object({ title: z.string(), url: z.string() })),
});
export type ImportedSpec = z.infer<typeof ImportedSpec>;

/** One stored version of an imported integration. */
export interface ImportedIntegration {
  key: string;
  version: number;
  spec: ImportedSpec;
  createdAt: string;
}

export function importedActionRef(spec: Pick<ImportedSpec, 'key'>, version: number, op: Pick<ImportedOperation, 'key'>): string {
  return `${spec.key}.${op.key}@${version}`;
}

/** The operation's input: one field per parameter, plus `body`. */
export function operationInputSchema(spec: ImportedSpec, op: ImportedOperation): JsonSchema {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const p of op.params) {
    properties[p.field] = { ...p.schema, ...(p.description ? { description: p.description } : {}) };
    if (p.required) required.push(p.field);
  }
  if (op.body) {
    properties.body = op.body.schema;
    if (op.body.required) required.push('body');
  }
  return withDefs(spec, { type: 'object', properties, required, additionalProperties: false });
}

/** Its output: the status, the headers and the answer's body (typed by the document's 2xx answer). */
export function operationOutputSchema(spec: ImportedSpec, op: ImportedOperation): JsonSchema {
  return withDefs(spec, {
    type: 'object',
    properties: { status: { type: 'integer' }, headers: { type: 'object', additionalProperties: { type: 'string' } }, body: op.output },
    required: ['status', 'headers', 'body'],
  });
}

/** The schema with the `$defs` it reaches (and only those), so it stands alone. */
function withDefs(spec: ImportedSpec, schema: JsonSchema): JsonSchema {
  const names = reachableDefs(spec.components, schema);
  if (names.length === 0) return schema;
  return { ...schema, $defs: Object.fromEntries(names.map((n) => [n, spec.components[n]])) };
}

const DEF_REF = '#/$defs/';

/** The names of the components a schema refers to, directly or through others. */
export function reachableDefs(components: Record<string, JsonSchema>, schema: unknown): string[] {
  const seen = new Set<string>();
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(DEF_REF)) {
          const name = v.slice(DEF_REF.length);
          if (!seen.has(name) && components[name]) {
            seen.add(name);
            stack.push(components[name]);
          }
        } else if (typeof v === 'object') stack.push(v);
      }
    }
  }
  return [...seen].sort();
}

/**
 * A schema for people and the editor (forms, autocomplete, required fields): named schemas inlined one level deep and
 * deeper ones left open (`{}`), descriptions kept only on the first two levels. Stripe's answers reach hundreds of named
 * schemas; the worker checks inputs against the whole schema (operationInputSchema).
 */
export function shallowSchema(spec: ImportedSpec, schema: unknown, depth = 1): JsonSchema {
  const walk = (value: unknown, refs: number, level: number): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, refs, level + 1));
    if (!value || typeof value !== 'object') return value;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith(DEF_REF)) {
      const target = spec.components[ref.slice(DEF_REF.length)];
      return refs >= depth || !target ? {} : walk(target, refs + 1, level);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$defs' || (k === 'description' && level > 4)) continue;
      out[k] = walk(v, refs, level + 1);
    }
    return out;
  };
  return walk(schema, 0, 0) as JsonSchema;
}

export function importedActionInfo(integration: ImportedIntegration, op: ImportedOperation): ActionInfo {
  const { spec, version } = integration;
  return {
    ref: importedActionRef(spec, version, op),
    integration: spec.key,
    integrationTitle: spec.title,
    instant: true,
    title: op.title,
    description: `${op.deprecated ? '(Deprecated) ' : ''}${op.description || `${op.method} ${op.path}`}`,
    inputSchema: shallowSchema(spec, operationInputSchema(spec, op)),
    outputSchema: shallowSchema(spec, operationOutputSchema(spec, op)),
    sideEffects: !['GET', 'HEAD', 'OPTIONS'].includes(op.method),
    pricing: { kind: 'perRequest', credits: 1 },
    timeout: '60s',
  };
}

/** Setup variables of an imported integration, as the catalog's are declared. */
export function importedSetup(spec: ImportedSpec): SetupVariable[] {
  return spec.setup.map((v) => ({ ...v }));
}

// Described actions of each loaded version (versions never change; the store keeps recently used ones loaded).
const descriptions = new WeakMap<ImportedIntegration, Map<string, ActionInfo | undefined>>();

/**
 * The catalog with a workspace's imported integrations added. Their actions are described when first asked for
 * (GitHub's document has over 1,000), from specs that never change once stored.
 */
export function withImported<C extends CatalogIndex & { actions: ActionInfo[] }>(
  base: C,
  imported: ImportedIntegration[],
): CatalogIndex & { actions: ActionInfo[] } {
  if (imported.length === 0) return base;
  const byKey = new Map(imported.map((i) => [`${i.spec.key}@${i.version}`, i]));
  const getAction = (ref: string): ActionInfo | undefined => {
    const parsed = parseImportedRef(ref);
    if (!parsed) return base.getAction(ref);
    const integration = byKey.get(`${parsed.key}@${parsed.version}`);
    if (!integration) return undefined;
    let described = descriptions.get(integration);
    if (!described) descriptions.set(integration, (described = new Map()));
    if (!described.has(parsed.action)) {
      const op = integration.spec.operations.find((o) => o.key === parsed.action);
      described.set(parsed.action, op ? importedActionInfo(integration, op) : undefined);
    }
    return described.get(parsed.action);
  };
  return {
    getAction,
    get actions() {
      return [...base.actions, ...imported.flatMap((i) => i.spec.operations.map((op) => getAction(importedActionRef(i.spec, i.version, op))!))];
    },
  };
}
