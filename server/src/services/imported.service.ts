import type { ActionInfo, CatalogIndex, IntegrationDefinition } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { walkNodes } from '#core/graph';
import type { FlowDocument, FlowSnapshot } from '#core/flow';
import { importedActionInfo, importedActionRef, importedSetup, operationInputSchema, withImported, type ImportedIntegration } from '#core/instant';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import type { RunMode } from '#core/catalog-sdk';
import { getImported, importedForRefs, insertImportedVersion, latestImported, listImported } from '#store/imported-integrations.repository';
import { getSettings } from '#store/settings.repository';
import type { ServerDeps } from '../deps';
import { importOpenApi, parseDocumentText, type ImportAuth } from '../integrations/openapi-import';

type CatalogDeps = Pick<ServerDeps, 'db' | 'catalog' | 'integrations'>;

/** The catalog as this workspace sees it: the ready-made integrations plus the imported versions `refs` pin. */
export async function catalogFor(
  deps: CatalogDeps,
  workspaceId: string,
  refs: Iterable<string>,
): Promise<{ catalog: CatalogIndex & { actions: ActionInfo[] }; integrations: IntegrationDefinition[] }> {
  const imported = await importedForRefs(deps.db, workspaceId, refs);
  if (imported.length === 0) return { catalog: deps.catalog, integrations: deps.integrations };
  return { catalog: withImported(deps.catalog, imported), integrations: [...deps.integrations, ...imported.map(asDefinition)] };
}

/** Every action the workspace can use: the catalog's and its imported integrations' (newest versions). */
export async function workspaceActions(deps: CatalogDeps, workspaceId: string): Promise<ActionInfo[]> {
  const imported = await latestImported(deps.db, workspaceId);
  return imported.length === 0 ? deps.catalog.actions : withImported(deps.catalog, imported).actions;
}

/** The action refs of a document or snapshot (where its imported versions are found). */
export function actionRefsOf(doc: FlowDocument | FlowSnapshot): string[] {
  return [...walkNodes(doc)].flatMap(({ node }) => (node.type === 'action' ? [node.action] : []));
}

/** An imported version as the catalog's setup checks read integrations (its actions run in the worker's `instant.call@1`). */
function asDefinition(i: ImportedIntegration): IntegrationDefinition {
  return {
    key: i.spec.key,
    version: i.version,
    title: i.spec.title,
    description: i.spec.description,
    auth: { type: 'none' },
    setup: importedSetup(i.spec),
    actions: [],
    instant: true,
    category: 'Instant',
  };
}

export interface OpenApiImportRequest {
  document?: string | Record<string, unknown> | undefined;
  url?: string | undefined;
  key?: string | undefined;
  operations?: string[] | undefined;
  auth?: ImportAuth | undefined;
  preview?: boolean | undefined;
}

/**
 * Imports an OpenAPI document (given, or fetched from a URL through the guarded client) as the next version of a
 * workspace integration. With `preview`, nothing is stored: the answer lists what would be imported, so a person can
 * pick the operations to keep.
 */
export async function importOpenApiDocument(
  deps: Pick<ServerDeps, 'db' | 'httpAllow'>,
  caller: { workspaceId: string; mode: RunMode },
  request: OpenApiImportRequest,
) {
  if ((request.document === undefined) === (request.url === undefined))
    throw new AppError('VALIDATION_FAILED', 'Give the document (its JSON or YAML text, or the JSON object) or its url, not both');
  const text = request.url !== undefined ? await fetchDocument(request.url, deps.httpAllow) : request.document;
  const parsed = typeof text === 'string' ? parseDocumentText(text) : structuredClone(text!);
  const spec = await importOpenApi(parsed, { key: request.key, operations: request.operations, auth: request.auth });
  const settings = await getSettings(deps.db, caller.workspaceId);
  const previous = (await listImported(deps.db, caller.workspaceId)).find((i) => i.key === spec.key);
  const stored = request.preview ? undefined : await insertImportedVersion(deps.db, caller.workspaceId, spec);
  const version = stored?.version ?? (previous?.version ?? 0) + 1;
  const notes: string[] = [];
  if (!settings.backendFunctions)
    notes.push('Instant integrations run only with Backend functions on: turn them on in App Settings before publishing a flow that uses this one.');
  const oauth = Object.entries(spec.schemes).filter(([, s]) => s.type === 'oauth2');
  if (oauth.length > 0)
    notes.push(
      `The document also offers OAuth 2 (${oauth.map(([n]) => n).join(', ')}): a connection requirement, usable once OAuth connections exist; until then the other schemes are used.`,
    );
  if (Object.keys(spec.schemes).length === 0)
    notes.push('The document declares no authentication. If the API needs it, import again with "auth" (bearer, basic or an API key).');
  if (previous) notes.push(`Version ${version} of ${spec.key}: flows that use version ${previous.version} keep it until you change their steps.`);
  return {
    key: spec.key,
    version,
    stored: stored !== undefined,
    title: spec.title,
    source: spec.source,
    baseUrl: spec.baseUrl,
    operations: spec.operations.map((op) => ({
      key: op.key,
      ref: importedActionRef(spec, version, op),
      method: op.method,
      path: op.path,
      title: op.title,
      tags: op.tags,
      deprecated: op.deprecated,
    })),
    setup: spec.setup,
    connections: oauth.map(([name, s]) => ({ scheme: name, ...(s.type === 'oauth2' ? { flows: s.flows, scopes: s.scopes.slice(0, 20) } : {}) })),
    backendFunctions: settings.backendFunctions,
    notes,
  };
}

async function fetchDocument(url: string, allow: string[] | undefined): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('VALIDATION_FAILED', `"${url.slice(0, 200)}" is not a URL`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol))
    throw new AppError('VALIDATION_FAILED', `Only http and https URLs can be fetched (got ${parsed.protocol})`);
  const http = createGuardedHttpClient({ allow: allow ?? [], maxResponseBytes: 20 * 1024 * 1024 + 1, timeoutMs: 30_000 });
  try {
    const res = await http.request({ url: parsed.toString(), headers: { accept: 'application/json, application/yaml;q=0.9, */*;q=0.5' } });
    if (res.status >= 400)
      throw new AppError('IMPORT_INVALID', `Fetching ${parsed.origin}${parsed.pathname} answered ${res.status}`, {
        problems: [{ pointer: '', message: `HTTP ${res.status}` }],
      });
    return res.text();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const message = (err as Error).message;
    if (/too large|exceeds/i.test(message))
      throw new AppError('IMPORT_TOO_LARGE', `The document at ${parsed.origin}${parsed.pathname} is over 20 MB, the limit`);
    throw new AppError('IMPORT_INVALID', `The document at ${parsed.origin}${parsed.pathname} cannot be fetched: ${message}`, {
      problems: [{ pointer: '', message }],
    });
  } finally {
    await http.close();
  }
}

/** The workspace's imported integrations, as the Catalog lists them (instant, newest version). */
export async function importedSummaries(deps: Pick<ServerDeps, 'db'>, workspaceId: string) {
  return (await latestImported(deps.db, workspaceId)).map((i) => summarizeImported(i));
}

export function summarizeImported(i: ImportedIntegration) {
  return {
    key: i.spec.key,
    version: i.version,
    title: i.spec.title,
    description: i.spec.description,
    category: 'Instant',
    auth: { type: 'none' as const },
    setup: i.spec.setup,
    actions: i.spec.operations.map((op) => ({
      ref: importedActionRef(i.spec, i.version, op),
      key: op.key,
      title: op.title,
      description: op.description.slice(0, 300),
      sideEffects: !['GET', 'HEAD', 'OPTIONS'].includes(op.method),
      idempotent: false,
      hasSandbox: false,
    })),
    examplePrompts: [],
    docs: i.spec.links,
    testConnection: false,
    instant: true,
  };
}

export async function requireImported(deps: Pick<ServerDeps, 'db'>, workspaceId: string, key: string, version?: number): Promise<ImportedIntegration> {
  const i = await getImported(deps.db, workspaceId, key, version);
  if (!i)
    throw new AppError(
      'NOT_FOUND',
      `There is no imported integration "${key}"${version ? ` version ${version}` : ''} in this workspace; import it from its OpenAPI document`,
    );
  return i;
}

/** The imported version's actions with their input and output JSON Schemas (for forms). */
export function importedSchemas(i: ImportedIntegration): ActionInfo[] {
  return i.spec.operations.map((op) => importedActionInfo(i, op));
}

/**
 * The Integration Prompt of an imported version, like the ready-made ones': overview, setup variables, an example
 * request per action, example usage and the document's links.
 */
export function importedPrompt(i: ImportedIntegration): string {
  const { spec, version } = i;
  const lines: string[] = [`# ${spec.title} integration (instant)`, '', spec.description, ''];
  lines.push(
    '## Overview',
    '',
    `Imported from its ${spec.source} document (API version ${spec.apiVersion || 'unknown'}) as \`${spec.key}\`, version ${version}: ${spec.operations.length} actions. ` +
      'An instant integration: it runs only with Backend functions on in App Settings. Each action sends one request through the guarded HTTP client (1 credit).',
    '',
  );
  lines.push('## Setup variables', '');
  for (const v of spec.setup) lines.push(`- \`${v.name}\`${v.required ? '' : ' (optional)'}: ${v.description} ${v.whereToGet}`);
  lines.push('', 'Each has a live and a test value: test runs use the test value (a test base URL points them at a sandbox).', '');
  lines.push('## Actions', '');
  for (const op of spec.operations) {
    const ref = importedActionRef(spec, version, op);
    lines.push(`### ${op.title} (\`${ref}\`)${op.deprecated ? ' (deprecated)' : ''}`, '');
    if (op.description && op.description !== op.title) lines.push(op.description.split('\n')[0]!, '');
    lines.push('Example request:', '', '```http', exampleRequest(i, op), '```', '');
  }
  lines.push('## Example usage', '');
  const first = spec.operations[0];
  if (first) {
    lines.push(
      'A flow node that uses this integration:',
      '',
      '```json',
      JSON.stringify(
        {
          id: `${spec.key.replace(/^x-/, '').replace(/-/g, '_')}_step`,
          type: 'action',
          action: importedActionRef(spec, version, first),
          inputs: exampleInput(i, first),
        },
        null,
        2,
      ),
      '```',
      '',
    );
  }
  lines.push('## Documentation', '');
  for (const l of spec.links) lines.push(`- [${l.title}](${l.url})`);
  if (spec.links.length === 0) lines.push('The document links no documentation.');
  return lines.join('\n') + '\n';
}

function exampleInput(i: ImportedIntegration, op: ImportedIntegration['spec']['operations'][number]): Record<string, unknown> {
  const schema = operationInputSchema(i.spec, op) as { properties: Record<string, { type?: unknown }>; required: string[] };
  const out: Record<string, unknown> = {};
  for (const name of schema.required) out[name] = placeholder(schema.properties[name]?.type, name);
  return out;
}

function placeholder(type: unknown, name: string): unknown {
  const t = Array.isArray(type) ? type[0] : type;
  if (t === 'integer' || t === 'number') return 1;
  if (t === 'boolean') return true;
  if (t === 'array') return [];
  if (t === 'object' || name === 'body') return {};
  return `<${name}>`;
}

function exampleRequest(i: ImportedIntegration, op: ImportedIntegration['spec']['operations'][number]): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, n: string) => `<${n}>`);
  const query = op.params.filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=<${p.name}>`);
  const lines = [`${op.method} ${i.spec.baseUrl || `$${i.spec.baseUrlVariable}`}${path}${query.length ? `?${query.join('&')}` : ''}`];
  for (const p of op.params.filter((p) => p.in === 'header' && p.required)) lines.push(`${p.name}: <${p.name}>`);
  const auth = (op.security ?? i.spec.security)[0] ?? [];
  for (const name of auth) {
    const s = i.spec.schemes[name];
    if (s?.type === 'bearer') lines.push(`Authorization: Bearer $${s.variable}`);
    else if (s?.type === 'basic') lines.push(`Authorization: Basic base64($${s.usernameVariable}:$${s.passwordVariable})`);
    else if (s?.type === 'apiKey' && s.in === 'header') lines.push(`${s.param}: $${s.variable}`);
  }
  if (op.body) lines.push(`Content-Type: ${op.body.contentType}`, '', '{ … }');
  return lines.join('\n');
}
