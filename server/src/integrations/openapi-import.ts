/**
 * OpenAPI import: a Swagger 2.0, OpenAPI 3.0 or 3.1 document (JSON or YAML) becomes an `ImportedSpec`, one action per
 * operation. `@readme/openapi-parser` dereferences it (circular `$ref`s included; external files and URLs are never
 * fetched), `swagger2openapi` converts Swagger 2.0 first. Named schemas stay shared as `$defs` rather than being
 * copied into every operation (GitHub's document would grow from 13 MB to over 70 MB).
 *
 * What is checked is what an import uses: versions, operations, parameters, request bodies, answers, security schemes
 * and servers, each problem named by its JSON pointer. A whole-document check against the OpenAPI meta-schema is not
 * run: it costs twice the import on large documents and refuses published documents (many have harmless mistakes in
 * parts an action never reads). docs/instant-integrations.md says more.
 */
import { dereference, MissingPointerError } from '@readme/openapi-parser';
import swagger2openapi from 'swagger2openapi';
import { parse as parseYaml } from 'yaml';
import { AppError } from '#core/errors';
import { MAX_JSON_DEPTH } from '#core/json-depth';
import type { JsonSchema } from '#core/catalog-sdk';
import {
  ImportedKey,
  OPENAPI_MAX_BYTES,
  OPENAPI_MAX_OPERATIONS,
  reachableDefs,
  type ImportedOperation,
  type ImportedParam,
  type ImportedScheme,
  type ImportedSpec,
} from '#core/instant';

export interface ImportProblem {
  pointer: string;
  message: string;
}

export interface OpenApiImportOptions {
  /** The integration key (`x-…`); default: from the document's title. */
  key?: string | undefined;
  /** Keep only these operations (action keys or operationIds); default: all. */
  operations?: string[] | undefined;
  /**
   * How the API authenticates, for documents that declare no security scheme (GitHub's does not): added as the
   * scheme `imported` and required by every operation that names none.
   */
  auth?: ImportAuth | undefined;
}

export type ImportAuth = { type: 'bearer' } | { type: 'basic' } | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
type Obj = Record<string, unknown>;

function invalid(message: string, problems: ImportProblem[]): AppError {
  return new AppError('IMPORT_INVALID', message, { problems: problems.slice(0, 100), ...(problems.length > 100 ? { more: problems.length - 100 } : {}) });
}

/** Reads the text as JSON or YAML: an object, within the size limit. */
export function parseDocumentText(text: string): Obj {
  const bytes = Buffer.byteLength(text);
  if (bytes > OPENAPI_MAX_BYTES) {
    throw new AppError(
      'IMPORT_TOO_LARGE',
      `The document is ${(bytes / 1024 / 1024).toFixed(1)} MB; the limit is 20 MB. Import a smaller document, or one split by tag.`,
    );
  }
  let doc: unknown;
  const trimmed = text.trimStart();
  try {
    // maxAliasCount bounds YAML alias expansion ("billion laughs").
    doc = trimmed.startsWith('{') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000, uniqueKeys: false });
  } catch (err) {
    throw invalid(`The document is neither JSON nor YAML that parses: ${(err as Error).message.split('\n')[0]}`, [
      { pointer: '', message: (err as Error).message.split('\n')[0]! },
    ]);
  }
  if (depthOf(doc) > MAX_JSON_DEPTH) {
    throw invalid(`The document is nested deeper than ${MAX_JSON_DEPTH} levels, which no API description needs`, [{ pointer: '', message: 'too deep' }]);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw invalid('The document is not an object: an OpenAPI document is a JSON or YAML object', [{ pointer: '', message: 'not an object' }]);
  return doc as Obj;
}

/** How deep a parsed value nests (iteratively: a hostile document must not overflow the stack here). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    max = Math.max(max, d);
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) if (child && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/** The number of operations in `paths` (before any dereferencing, so the limit is checked cheaply). */
function countOperations(doc: Obj): number {
  let n = 0;
  for (const item of Object.values((doc.paths as Obj | undefined) ?? {})) {
    if (item && typeof item === 'object') for (const m of METHODS) if ((item as Obj)[m]) n++;
  }
  return n;
}

/** Parses, checks and converts a document into the spec to store (not stored here). */
export async function importOpenApi(input: Obj, options: OpenApiImportOptions = {}): Promise<ImportedSpec> {
  let doc = input;
  let source: string;
  if (typeof doc.swagger === 'string') {
    if (doc.swagger !== '2.0')
      throw invalid(`Swagger ${doc.swagger} is not supported: import Swagger 2.0 or OpenAPI 3.x`, [{ pointer: '/swagger', message: 'unsupported version' }]);
    source = 'Swagger 2.0';
    checkOperationCount(doc);
    try {
      doc = (await swagger2openapi.convertObj(doc as never, { patch: true, warnOnly: true, resolve: false } as never)).openapi as unknown as Obj;
    } catch (err) {
      throw invalid(`The Swagger 2.0 document cannot be converted: ${(err as Error).message}`, [{ pointer: '', message: (err as Error).message }]);
    }
  } else if (typeof doc.openapi === 'string' && /^3\.[01]\.\d+$/.test(doc.openapi)) {
    source = `OpenAPI ${doc.openapi}`;
  } else {
    throw invalid('Not an OpenAPI document: "openapi" must be 3.0.x or 3.1.x (or "swagger": "2.0")', [
      { pointer: doc.openapi ? '/openapi' : '', message: 'missing or unsupported version' },
    ]);
  }
  checkOperationCount(doc);
  const openapi31 = typeof doc.openapi === 'string' && doc.openapi.startsWith('3.1');

  try {
    // In place: the input is a fresh parse. External references are left alone, never fetched.
    doc = (await dereference(doc as never, { resolve: { external: false, file: false }, dereference: { circular: true } })) as unknown as Obj;
  } catch (err) {
    if (err instanceof MissingPointerError) {
      const pointer = String((err as { targetRef?: string }).targetRef ?? '').replace(/^#/, '');
      throw invalid(`A $ref points at nothing: ${err.message}`, [{ pointer, message: err.message }]);
    }
    throw invalid(`The document's references cannot be resolved: ${(err as Error).message}`, [{ pointer: '', message: (err as Error).message }]);
  }
  return new Extractor(doc, source, openapi31, options).run();
}

function checkOperationCount(doc: Obj): void {
  const n = countOperations(doc);
  if (n > OPENAPI_MAX_OPERATIONS) {
    throw new AppError(
      'IMPORT_TOO_LARGE',
      `The document has ${n} operations; the limit is ${OPENAPI_MAX_OPERATIONS}. Import a smaller document, or one split by tag.`,
    );
  }
}

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

class Extractor {
  private readonly problems: ImportProblem[] = [];
  /** Each named schema object (after dereferencing, shared by identity) → its `$defs` name. */
  private readonly named = new Map<object, string>();
  private readonly components: Record<string, JsonSchema> = {};
  /** Named schemas each named schema refers to, and those the operations refer to (collected while converting). */
  private readonly componentRefs = new Map<string, Set<string>>();
  private refs = new Set<string>();

  constructor(
    private readonly doc: Obj,
    private readonly source: string,
    private readonly openapi31: boolean,
    private readonly options: OpenApiImportOptions,
  ) {}

  run(): ImportedSpec {
    const doc = this.doc;
    const info = (doc.info ?? {}) as Obj;
    if (typeof info.title !== 'string' || !info.title.trim()) this.problem('/info/title', 'the API needs a title');
    const title = typeof info.title === 'string' ? info.title.trim().slice(0, 100) : 'API';
    const key = this.options.key ?? defaultKey(title, this.server('X').baseUrl);
    const keyCheck = ImportedKey.safeParse(key);
    if (!keyCheck.success) this.problem('', `key "${key}": ${keyCheck.error.issues[0]!.message}`);
    const prefix = key.replace(/^x-/, '').replace(/-/g, '_').toUpperCase();

    const schemas = ((doc.components as Obj | undefined)?.schemas ?? {}) as Obj;
    for (const [name, schema] of Object.entries(schemas)) if (schema && typeof schema === 'object') this.named.set(schema, defName(name));
    for (const [name, schema] of Object.entries(schemas)) {
      if (!schema || typeof schema !== 'object') continue;
      this.refs = new Set();
      this.components[defName(name)] = this.schema(schema as Obj, `/components/schemas/${esc(name)}`, true);
      this.componentRefs.set(defName(name), this.refs);
    }
    this.refs = new Set();

    const { schemes, setup, security } = this.security(prefix);
    const { baseUrl, variable: baseUrlVariable } = this.server(prefix);
    setup.unshift({
      name: baseUrlVariable,
      description: `Base URL of ${title}${baseUrl ? ` (default ${baseUrl})` : ''}; a test value points test runs at a sandbox or a local server.`,
      whereToGet: baseUrl ? `Leave unset to use ${baseUrl}, the document's first server.` : 'The document names no absolute server URL: set the API address.',
      required: !baseUrl,
      secret: false,
    });

    let operations = this.operations();
    if (this.options.operations) {
      const wanted = new Set(this.options.operations);
      const known = new Set(operations.flatMap((o) => [o.key, o.operationId ?? o.key]));
      for (const w of wanted) if (!known.has(w)) this.problem('/paths', `operation "${w}" (asked to keep) is not in the document`);
      operations = operations.filter((o) => wanted.has(o.key) || (o.operationId !== undefined && wanted.has(o.operationId)));
    }
    if (operations.length === 0 && this.problems.length === 0) this.problem('/paths', 'the document has no operations to import');
    if (this.problems.length > 0) {
      throw invalid(
        `The document cannot be imported: ${this.problems.length} problem${this.problems.length === 1 ? '' : 's'}, first at "${this.problems[0]!.pointer || '/'}": ${this.problems[0]!.message}`,
        this.problems,
      );
    }
    // Keep only the named schemas the kept operations reach (all of them unless some operations were left out).
    const used = this.options.operations ? reachableDefs(this.components, operations) : this.closure(this.refs);
    const externalDocs = doc.externalDocs as Obj | undefined;
    return {
      key,
      title,
      description: typeof info.description === 'string' ? info.description.slice(0, 2000) : `${title}, imported from its OpenAPI document.`,
      source: this.source,
      apiVersion: typeof info.version === 'string' ? info.version : String(info.version ?? ''),
      baseUrl,
      baseUrlVariable,
      schemes,
      security,
      setup,
      components: Object.fromEntries(used.map((n) => [n, this.components[n]!])),
      operations,
      links:
        typeof externalDocs?.url === 'string'
          ? [{ title: typeof externalDocs.description === 'string' ? externalDocs.description : 'Documentation', url: externalDocs.url }]
          : [],
    };
  }

  private closure(direct: Set<string>): string[] {
    const seen = new Set<string>();
    const stack = [...direct];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const next of this.componentRefs.get(name) ?? []) stack.push(next);
    }
    return [...seen].sort();
  }

  private problem(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  private server(prefix: string): { baseUrl: string; variable: string } {
    const variable = `${prefix}_BASE_URL`;
    const servers = this.doc.servers as Obj[] | undefined;
    const first = Array.isArray(servers) ? servers[0] : undefined;
    if (!first || typeof first !== 'object' || typeof first.url !== 'string') return { baseUrl: '', variable };
    // Server variables take their defaults: `https://{region}.api.example.com` → `https://us.api.example.com`.
    const vars = (first.variables && typeof first.variables === 'object' ? first.variables : {}) as Record<string, Obj | null>;
    const url = first.url.replace(/\{([^}]+)\}/g, (m, name: string) => (typeof vars[name]?.default === 'string' ? (vars[name].default as string) : m));
    return { baseUrl: /^https?:\/\/[^{}\s]+$/.test(url) ? url.replace(/\/+$/, '') : '', variable };
  }

  private security(prefix: string): { schemes: Record<string, ImportedScheme>; setup: ImportedSpec['setup']; security: string[][] } {
    let declared = ((this.doc.components as Obj | undefined)?.securitySchemes ?? {}) as Record<string, Obj>;
    let documentSecurity = this.doc.security;
    const auth = this.options.auth;
    if (auth && Object.keys(declared).length > 0)
      this.problem('/components/securitySchemes', 'the document declares its authentication; "auth" is only for documents that do not');
    if (auth && Object.keys(declared).length === 0) {
      declared = { imported: auth.type === 'apiKey' ? { type: 'apiKey', in: auth.in, name: auth.name } : { type: 'http', scheme: auth.type } };
      documentSecurity = [{ imported: [] }];
    }
    const schemes: Record<string, ImportedScheme> = {};
    const setup: ImportedSpec['setup'] = [];
    const apiKeys = Object.values(declared).filter((s) => s?.type === 'apiKey').length;
    const security = this.requirements(documentSecurity, '/security') ?? [];
    const firstChoice = new Set(security[0] ?? []);
    for (const [name, s] of Object.entries(declared)) {
      const pointer = `/components/securitySchemes/${esc(name)}`;
      const described = typeof s?.description === 'string' ? ` ${s.description.slice(0, 300)}` : '';
      const required = firstChoice.has(name);
      const suffix = upperSnake(name);
      if (s?.type === 'apiKey') {
        if (!['header', 'query', 'cookie'].includes(String(s.in)) || typeof s.name !== 'string') {
          this.problem(pointer, 'an apiKey scheme needs "in" (header, query or cookie) and "name"');
          continue;
        }
        const variable = apiKeys === 1 ? `${prefix}_API_KEY` : `${prefix}_${suffix}`;
        schemes[name] = { type: 'apiKey', in: s.in as 'header' | 'query' | 'cookie', param: s.name, variable };
        setup.push({
          name: variable,
          description: `API key sent in the ${s.in} "${s.name}".`,
          whereToGet: `From ${prefix.toLowerCase()}'s dashboard or docs.${described}`,
          required,
          secret: true,
        });
      } else if (s?.type === 'http' && String(s.scheme).toLowerCase() === 'bearer') {
        const variable = `${prefix}_TOKEN`;
        schemes[name] = { type: 'bearer', variable };
        setup.push({
          name: variable,
          description: `Bearer token (Authorization: Bearer …)${s.bearerFormat ? `, ${String(s.bearerFormat)}` : ''}.`,
          whereToGet: `From ${prefix.toLowerCase()}'s dashboard or docs.${described}`,
          required,
          secret: true,
        });
      } else if (s?.type === 'http' && String(s.scheme).toLowerCase() === 'basic') {
        schemes[name] = { type: 'basic', usernameVariable: `${prefix}_USERNAME`, passwordVariable: `${prefix}_PASSWORD` };
        setup.push(
          {
            name: `${prefix}_USERNAME`,
            description: 'User name for HTTP Basic authentication.',
            whereToGet: `Your account's user name.${described}`,
            required,
            secret: true,
          },
          {
            name: `${prefix}_PASSWORD`,
            description: 'Password for HTTP Basic authentication.',
            whereToGet: `Your account's password or API secret.${described}`,
            required,
            secret: true,
          },
        );
      } else if (s?.type === 'oauth2' || s?.type === 'openIdConnect') {
        const flows = Object.keys((s.flows ?? {}) as Obj);
        const scopes = [...new Set(Object.values((s.flows ?? {}) as Record<string, Obj>).flatMap((f) => Object.keys((f?.scopes ?? {}) as Obj)))];
        schemes[name] = { type: 'oauth2', flows: s.type === 'openIdConnect' ? ['openIdConnect'] : flows, scopes: scopes.slice(0, 200) };
      } else if (s?.type === 'http') {
        schemes[name] = { type: 'oauth2', flows: [`http ${String(s.scheme)} (not supported)`], scopes: [] };
      } else {
        this.problem(pointer, `unknown security scheme type "${String(s?.type)}"`);
      }
    }
    for (const alternative of security)
      for (const n of alternative) if (!declared[n]) this.problem('/security', `names the scheme "${n}", which components.securitySchemes does not declare`);
    return { schemes, setup, security };
  }

  private requirements(value: unknown, pointer: string): string[][] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.problem(pointer, 'security must be a list of requirement objects');
      return undefined;
    }
    return value.map((r) => (r && typeof r === 'object' ? Object.keys(r as Obj) : []));
  }

  private operations(): ImportedOperation[] {
    const paths = this.doc.paths;
    if (!paths || typeof paths !== 'object') {
      this.problem('/paths', 'the document has no paths');
      return [];
    }
    const out: ImportedOperation[] = [];
    const keys = new Set<string>();
    for (const [path, item] of Object.entries(paths as Obj)) {
      if (!item || typeof item !== 'object') continue;
      const itemPointer = `/paths/${esc(path)}`;
      if (!path.startsWith('/')) this.problem(itemPointer, 'a path must start with "/"');
      const shared = this.params((item as Obj).parameters, `${itemPointer}/parameters`);
      for (const method of METHODS) {
        const op = (item as Obj)[method] as Obj | undefined;
        if (!op) continue;
        const pointer = `${itemPointer}/${method}`;
        if (typeof op !== 'object') {
          this.problem(pointer, 'an operation must be an object');
          continue;
        }
        const own = this.params(op.parameters, `${pointer}/parameters`);
        // An operation's parameter overrides a path-level one of the same name and location.
        const params = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
        for (const name of path.match(/\{[^}]+\}/g)?.map((m) => m.slice(1, -1)) ?? []) {
          if (!params.some((p) => p.in === 'path' && p.name === name))
            this.problem(pointer, `the path names {${name}} but no path parameter "${name}" is declared`);
        }
        const operationId = typeof op.operationId === 'string' ? op.operationId : undefined;
        let key = slug(operationId ?? `${method}-${path}`).slice(0, 80) || method;
        for (let i = 2; keys.has(key); i++) key = `${slug(operationId ?? `${method}-${path}`).slice(0, 76)}-${i}`;
        keys.add(key);
        const fields = new Set<string>();
        const named: ImportedParam[] = params.map((p) => {
          const field = fields.has(p.name) || (p.name === 'body' && op.requestBody) ? `${p.in}_${p.name}` : p.name;
          fields.add(field);
          return { ...p, field };
        });
        const summary = typeof op.summary === 'string' ? op.summary.trim() : '';
        const description = typeof op.description === 'string' ? op.description.trim() : '';
        const security = this.requirements(op.security, `${pointer}/security`);
        const docs = op.externalDocs as Obj | undefined;
        const body = this.requestBody(op.requestBody, `${pointer}/requestBody`);
        out.push({
          key,
          ...(operationId ? { operationId } : {}),
          method: method.toUpperCase() as ImportedOperation['method'],
          path,
          title: (summary || operationId || `${method.toUpperCase()} ${path}`).slice(0, 200),
          description: (description || summary).slice(0, 2000),
          tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [],
          deprecated: op.deprecated === true,
          params: named,
          ...(body ? { body } : {}),
          output: this.output(op.responses, `${pointer}/responses`),
          ...(security ? { security } : {}),
          ...(typeof docs?.url === 'string' ? { docsUrl: docs.url } : {}),
        });
      }
    }
    return out;
  }

  private params(value: unknown, pointer: string): Omit<ImportedParam, 'field'>[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(pointer, 'parameters must be a list');
      return [];
    }
    const out: Omit<ImportedParam, 'field'>[] = [];
    value.forEach((p: Obj, i) => {
      const at = `${pointer}/${i}`;
      if (!p || typeof p !== 'object' || typeof p.name !== 'string' || !p.name) return this.problem(at, 'a parameter needs a "name"');
      if (!['path', 'query', 'header', 'cookie'].includes(String(p.in)))
        return this.problem(`${at}/in`, `"in" must be path, query, header or cookie (got ${JSON.stringify(p.in)})`);
      if (p.in === 'path' && p.required !== true) this.problem(`${at}/required`, `path parameter "${p.name}" must be required`);
      // A parameter's schema, or the schema of its only content type.
      const content = p.content as Record<string, Obj> | undefined;
      const schema = (p.schema ?? (content ? Object.values(content)[0]?.schema : undefined) ?? {}) as Obj;
      out.push({
        name: p.name,
        in: p.in as ImportedParam['in'],
        required: p.required === true,
        ...(typeof p.description === 'string' && p.description ? { description: p.description.slice(0, 500) } : {}),
        schema: this.schema(schema, `${at}/schema`),
      });
    });
    return out;
  }

  private requestBody(value: unknown, pointer: string): ImportedOperation['body'] | undefined {
    if (!value || typeof value !== 'object') return undefined;
    const content = (value as Obj).content as Record<string, Obj> | undefined;
    if (!content || typeof content !== 'object') {
      this.problem(`${pointer}/content`, 'a request body needs "content"');
      return undefined;
    }
    // JSON first, then a form, then whatever is first.
    const types = Object.keys(content);
    const contentType =
      types.find((t) => /^application\/(.+\+)?json\b/i.test(t)) ??
      types.find((t) => /^application\/x-www-form-urlencoded\b/i.test(t)) ??
      types.find((t) => /^text\//i.test(t)) ??
      types[0];
    if (!contentType) return undefined;
    return {
      contentType,
      required: (value as Obj).required === true,
      schema: this.schema((content[contentType]?.schema ?? {}) as Obj, `${pointer}/content/${esc(contentType)}/schema`),
    };
  }

  private output(value: unknown, pointer: string): JsonSchema {
    if (!value || typeof value !== 'object') return {};
    const responses = value as Record<string, Obj>;
    const status = Object.keys(responses).find((s) => /^2\d\d$/.test(s)) ?? Object.keys(responses).find((s) => /^2XX$/i.test(s));
    const content = status ? (responses[status]?.content as Record<string, Obj> | undefined) : undefined;
    if (!content) return {};
    const type = Object.keys(content).find((t) => /^application\/(.+\+)?json\b/i.test(t));
    return type ? this.schema((content[type]?.schema ?? {}) as Obj, `${pointer}/${status}/content/${esc(type)}/schema`) : { type: 'string' };
  }

  /**
   * A JSON Schema (2020-12) from an OpenAPI schema: named schemas become `$ref`s to `$defs`, OpenAPI 3.0's `nullable`
   * and boolean exclusive bounds become their JSON Schema forms, and vendor extensions, `xml` and `discriminator` go.
   */
  private schema(value: Obj, pointer: string, isDefinition = false): JsonSchema {
    // OpenAPI 3.1 allows `true`/`false` as schemas; anything else that is not an object is read as "any value".
    if (!value || typeof value !== 'object' || Array.isArray(value)) return typeof value === 'boolean' ? (value ? {} : { not: {} }) : {};
    this.at = [pointer];
    return this.convert(value, isDefinition, new Set());
  }

  /** Where the schema being converted is: its root's pointer, then keys (a problem's pointer is built only when needed). */
  private at: string[] = [];

  private child(v: unknown, stack: Set<object>, ...keys: string[]): unknown {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    this.at.push(...keys);
    const out = this.convert(v as Obj, false, stack);
    this.at.length -= keys.length;
    return out;
  }

  private convert(value: Obj, isDefinition: boolean, stack: Set<object>): JsonSchema {
    if (!isDefinition) {
      const name = this.named.get(value);
      if (name) {
        this.refs.add(name);
        return { $ref: `#/$defs/${name}` };
      }
    }
    if (stack.has(value)) return {}; // a cycle through an unnamed schema: left open
    stack.add(value);
    const out: Obj = {};
    for (const k in value) {
      const v = value[k];
      // A `$ref` left after dereferencing points outside the document (never fetched): its schema is left open.
      if (k.startsWith('x-') || DROPPED.has(k) || k === '$ref') continue;
      if (Array.isArray(v)) out[k] = SUBSCHEMA_LISTS.has(k) ? v.map((item: unknown, i) => this.child(item, stack, k, String(i))) : v;
      else if (v && typeof v === 'object' && SUBSCHEMA_MAPS.has(k)) {
        const map: Obj = {};
        for (const n in v as Obj) map[n] = this.child((v as Obj)[n], stack, k, n);
        out[k] = map;
      } else if (v && typeof v === 'object' && SUBSCHEMAS.has(k)) out[k] = this.child(v, stack, k);
      else out[k] = v;
    }
    stack.delete(value);
    if (!this.openapi31) {
      if (out.nullable === true) {
        if (typeof out.type === 'string') out.type = [out.type, 'null'];
        else if (out.enum) out.enum = [...(out.enum as unknown[]), null];
      }
      delete out.nullable;
      for (const [bound, exclusive] of BOUNDS) {
        if (out[exclusive] === true && typeof out[bound] === 'number') {
          out[exclusive] = out[bound];
          delete out[bound];
        } else if (typeof out[exclusive] === 'boolean') delete out[exclusive];
      }
    }
    if (typeof out.type === 'string' && !TYPES.has(out.type)) {
      this.problem([this.at[0], ...this.at.slice(1).map(esc), 'type'].join('/'), `unknown type "${out.type}"`);
      delete out.type;
    }
    return out;
  }
}

const DROPPED = new Set(['xml', 'discriminator', 'externalDocs', 'example', 'examples']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
const BOUNDS = [
  ['minimum', 'exclusiveMinimum'],
  ['maximum', 'exclusiveMaximum'],
] as const;
const SUBSCHEMAS = new Set([
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedProperties',
  'unevaluatedItems',
  'additionalItems',
]);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** `x-github` from `https://api.github.com`; from the title's first words when there is no server. */
function defaultKey(title: string, baseUrl: string): string {
  const labels = baseUrl ? new URL(baseUrl).hostname.split('.') : [];
  const host = labels.length >= 2 ? labels[labels.length - 2]! : '';
  const name = host && !['localhost', 'local', 'co', 'com'].includes(host) ? host : slug(title, false).split('-').slice(0, 3).join('-');
  return `x-${name.slice(0, 40).replace(/-+$/, '') || 'api'}`;
}

function slug(s: string, splitCamel = true): string {
  return (splitCamel ? s.replace(/([a-z0-9])([A-Z])/g, '$1-$2') : s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function upperSnake(s: string): string {
  return slug(s).replace(/-/g, '_').toUpperCase() || 'AUTH';
}

function defName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
