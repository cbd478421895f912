/**
 * The JSON-Schema reading behind the node forms (editor/src/panel/schema-form.tsx): which kind of control a schema
 * needs, its variants and discriminator, the empty value of a type, labels and hints, and how a literal becomes an
 * expression and back. React-free: unit-tested in json-schema-form.test.ts.
 */
import type { JsonSchema } from '#core/catalog-sdk';
import { isExpr } from '#core/expressions';

export type Kind = 'any' | 'union' | 'enum' | 'const' | 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'record' | 'array';

/** Nesting deeper than this is edited as JSON (and recursive schemas end there). */
export const MAX_DEPTH = 8;

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isLiteralWrap = (v: unknown): v is { $literal: unknown } => isPlainObject(v) && Object.keys(v).length === 1 && '$literal' in v;

const schemaList = (v: unknown): JsonSchema[] | undefined => (Array.isArray(v) ? (v.filter(isPlainObject) as JsonSchema[]) : undefined);

/** Follows `$ref` (`#/$defs/x`, `#/definitions/x`, `#`), keeping the referring schema's own keywords. */
export function resolveRef(schema: JsonSchema | undefined, root: JsonSchema): JsonSchema {
  let s: JsonSchema = isPlainObject(schema) ? schema : {};
  for (let hops = 0; hops < 20 && typeof s.$ref === 'string'; hops++) {
    const ref = s.$ref;
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const target =
      ref === '#'
        ? root
        : m
          ? (root[m[1]!] as Record<string, JsonSchema> | undefined)?.[decodeURIComponent(m[2]!.replace(/~1/g, '/').replace(/~0/g, '~'))]
          : undefined;
    const { $ref: _ref, ...own } = s;
    if (!isPlainObject(target)) return own;
    s = { ...target, ...own };
  }
  return s;
}

/** The alternatives of a union (`anyOf`, `oneOf`, or a `type` list), without `null` (that only means "may be empty"). */
function rawVariants(s: JsonSchema, root: JsonSchema): JsonSchema[] | undefined {
  const list = schemaList(s.anyOf) ?? schemaList(s.oneOf);
  if (list) return list.map((v) => resolveRef(v, root)).filter((v) => v.type !== 'null');
  if (Array.isArray(s.type)) return (s.type as string[]).filter((t) => t !== 'null').map((t) => ({ ...s, type: t }));
  return undefined;
}

/** Resolves refs and collapses a one-variant union (`T | null`) into that variant. */
export function normalizeSchema(schema: JsonSchema | undefined, root: JsonSchema): JsonSchema {
  const s = resolveRef(schema, root);
  const variants = rawVariants(s, root);
  if (variants?.length !== 1) return s;
  const { anyOf: _a, oneOf: _o, type: _t, ...own } = s;
  return normalizeSchema({ ...variants[0], ...own }, root);
}

export function variantsOf(s: JsonSchema, root: JsonSchema): JsonSchema[] {
  return (rawVariants(s, root) ?? []).map((v) => normalizeSchema(v, root));
}

/** Whether the variants together admit any JSON value (zod's `z.json()`): edited as JSON. */
function isAnyJson(variants: JsonSchema[]): boolean {
  const covered = new Set<string>();
  for (const v of variants) {
    if ('const' in v || v.enum || v.properties) continue;
    const types = Array.isArray(v.type) ? (v.type as string[]) : [v.type as string];
    for (const t of types) covered.add(t === 'integer' ? 'number' : t);
  }
  return ['string', 'number', 'boolean', 'object', 'array'].every((t) => covered.has(t));
}

export function schemaKind(s: JsonSchema, root: JsonSchema): Kind {
  if ('const' in s) return 'const';
  if (Array.isArray(s.enum)) return 'enum';
  if (rawVariants(s, root)) {
    const variants = variantsOf(s, root);
    if (isAnyJson(variants)) return 'any';
    return variants.length === 0 ? 'null' : 'union';
  }
  switch (s.type) {
    case 'object':
      return isPlainObject(s.properties) && Object.keys(s.properties).length > 0 ? 'object' : 'record';
    case 'array':
      return isPlainObject(s.items) ? 'array' : 'any';
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return s.type;
    default:
      return 'any';
  }
}

/** The property every variant fixes to its own constant (`type` in `{ type: 'bearer', … } | { type: 'basic', … }`). */
export function discriminatorOf(variants: JsonSchema[]): string | undefined {
  const first = variants[0]?.properties;
  if (!isPlainObject(first) || variants.length < 2) return undefined;
  const constOf = (v: JsonSchema, key: string): unknown => {
    const p = (v.properties as Record<string, JsonSchema> | undefined)?.[key];
    if (!p) return undefined;
    if ('const' in p) return p.const;
    return Array.isArray(p.enum) && p.enum.length === 1 ? p.enum[0] : undefined;
  };
  return Object.keys(first).find((key) => {
    const values = variants.map((v) => constOf(v, key));
    return values.every((c) => c !== undefined) && new Set(values.map((c) => JSON.stringify(c))).size === values.length;
  });
}

export function discriminatorValue(variant: JsonSchema, key: string): unknown {
  const p = (variant.properties as Record<string, JsonSchema>)[key]!;
  return 'const' in p ? p.const : (p.enum as unknown[])[0];
}

export function fits(s: JsonSchema, value: unknown, root: JsonSchema): boolean {
  switch (schemaKind(s, root)) {
    case 'const':
      return JSON.stringify(s.const) === JSON.stringify(value);
    case 'enum':
      return (s.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value));
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
    case 'record':
      return isPlainObject(value);
    case 'union':
      return variantsOf(s, root).some((v) => fits(v, value, root));
    case 'any':
      return true;
  }
}

const SCALAR_KINDS = new Set<Kind>(['string', 'number', 'integer', 'boolean', 'enum', 'const', 'null']);

/** A union of plain values (`string | number | boolean`): a compact kind select beside the value. */
export function isScalarUnion(s: JsonSchema, root: JsonSchema): boolean {
  return variantsOf(s, root).every((v) => SCALAR_KINDS.has(schemaKind(v, root)));
}

/** A fresh value of a schema: its default, else the empty value of its kind. */
export function emptyValue(schema: JsonSchema, root: JsonSchema): unknown {
  const s = normalizeSchema(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  switch (schemaKind(s, root)) {
    case 'const':
      return s.const;
    case 'enum':
      return (s.enum as unknown[])[0];
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return typeof s.minimum === 'number' ? s.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'record':
      return {};
    case 'object': {
      // Required constants (a discriminator) are part of an empty object.
      const out: Record<string, unknown> = {};
      const required = new Set((s.required as string[] | undefined) ?? []);
      for (const [key, p] of Object.entries(s.properties as Record<string, JsonSchema>)) {
        const prop = normalizeSchema(p, root);
        if (required.has(key) && 'const' in prop) out[key] = prop.const;
      }
      return out;
    }
    case 'union': {
      const first = variantsOf(s, root)[0];
      return first ? emptyValue(first, root) : null;
    }
    case 'null':
    case 'any':
      return null;
  }
}

/** A mapping as one JSONata expression: `{ "a": 1, "b": { "$expr": "x" } }` → `{"a": 1, "b": (x)}`. */
export function mappingToExpression(value: unknown, nested = false): string {
  if (value === undefined) return '';
  if (isExpr(value)) return nested ? `(${value.$expr || 'null'})` : value.$expr;
  if (isLiteralWrap(value)) return JSON.stringify(value.$literal) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => mappingToExpression(v, true) || 'null').join(', ')}]`;
  if (isPlainObject(value))
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${mappingToExpression(v, true) || 'null'}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

/** Back from an expression to a literal: only when the expression is plain JSON; else the field is cleared. */
export function expressionToLiteral(source: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch {
    return undefined;
  }
}

const ACRONYMS: Record<string, string> = {
  url: 'URL',
  uri: 'URI',
  id: 'ID',
  ids: 'IDs',
  api: 'API',
  http: 'HTTP',
  json: 'JSON',
  html: 'HTML',
  ms: '(ms)',
  cc: 'CC',
  bcc: 'BCC',
};

/** `failOnErrorStatus` → `Fail on error status`, `timeoutMs` → `Timeout (ms)`; a schema `title` wins. */
export function fieldLabel(name: string, schema?: JsonSchema): string {
  if (typeof schema?.title === 'string' && schema.title) return schema.title;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\s-]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  if (words.length === 0 || words[0] === '') return name;
  const [first, ...rest] = words;
  return [first!.charAt(0).toUpperCase() + first!.slice(1), ...rest].join(' ');
}

/** String fields that hold the name of a workspace secret (never its value). */
/** A string field that holds an OAuth connection's id (`connection`, pattern `^con_…`): the editor offers a picker. */
export function isConnectionField(name: string, schema: JsonSchema): boolean {
  return schema.type === 'string' && name === 'connection' && typeof schema.pattern === 'string' && schema.pattern.startsWith('^con_');
}

export function isSecretNameField(name: string, schema: JsonSchema): boolean {
  if (schema.type !== 'string' || schema.enum) return false;
  if (name === 'secret') return true;
  const d = typeof schema.description === 'string' ? schema.description : '';
  return /\bsecret\b/i.test(d) && /\bname\b/i.test(d);
}

export function stringIssue(s: JsonSchema, value: string): string | undefined {
  if (value === '') return undefined;
  if (typeof s.minLength === 'number' && value.length < s.minLength) return `At least ${s.minLength} characters`;
  if (typeof s.maxLength === 'number' && value.length > s.maxLength) return `At most ${s.maxLength} characters`;
  if (typeof s.pattern === 'string') {
    try {
      if (!new RegExp(s.pattern, 'u').test(value)) return `Does not match the expected format (${s.pattern})`;
    } catch {
      // A pattern JavaScript cannot compile is the server's to check.
    }
  }
  if (s.format === 'uri' && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(value)) return 'A full URL, e.g. https://example.com/path';
  if (s.format === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) return 'An email address';
  return undefined;
}

/** Long text gets a textarea (decided by the schema, never by the text: the control must not change while typing). */
export function isLongString(s: JsonSchema): boolean {
  return s.type === 'string' && typeof s.maxLength === 'number' && s.maxLength > 500;
}

export function placeholderOf(s: JsonSchema): string | undefined {
  const d = s.default;
  if (d !== undefined && !(isPlainObject(d) && Object.keys(d).length === 0) && !(Array.isArray(d) && d.length === 0))
    return typeof d === 'string' ? d : JSON.stringify(d);
  const ex = Array.isArray(s.examples) ? (s.examples as unknown[])[0] : undefined;
  if (ex !== undefined) return `e.g. ${typeof ex === 'string' ? ex : JSON.stringify(ex)}`;
  return undefined;
}

export function variantLabel(v: JsonSchema, index: number, root: JsonSchema): string {
  if (typeof v.title === 'string') return v.title;
  const kind = schemaKind(v, root);
  switch (kind) {
    case 'record':
    case 'object':
      return 'object';
    case 'array':
      return 'list';
    case 'any':
      return 'JSON';
    case 'const':
      return JSON.stringify(v.const);
    case 'enum':
    case 'union':
      return `option ${index + 1}`;
    default:
      return kind;
  }
}
