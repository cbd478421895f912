/**
 * Test-mode behaviour without a test key: deterministic simulated replies, no network.
 */

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type Schema = { [key: string]: unknown };

const MAX_DEPTH = 12;

/**
 * The smallest value that satisfies a JSON Schema's shape: objects carry only their `required` properties,
 * arrays their `minItems` items, strings and numbers a placeholder of the right type (the first `enum` value
 * or the `const` when there is one). Local `$ref`s (`#/$defs/x`, `#/definitions/x`) are followed.
 */
export function placeholderFor(schema: unknown, root: unknown = schema, depth = 0): JsonValue {
  if (!isObject(schema) || depth > MAX_DEPTH) return null;
  if (typeof schema.$ref === 'string') return placeholderFor(resolveRef(schema.$ref, root), root, depth + 1);
  if ('const' in schema) return schema.const as JsonValue;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as JsonValue;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      // Prefer a branch that is not just `null`, so the placeholder shows the real shape.
      const branch = options.find((o) => !(isObject(o) && o.type === 'null')) ?? options[0];
      return placeholderFor(branch, root, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const parts = schema.allOf.map((part) => placeholderFor(part, root, depth + 1));
    return parts.every((p) => isObject(p)) ? Object.assign({}, ...parts) : (parts[0] ?? null);
  }
  switch (typeOf(schema)) {
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
      return Object.fromEntries(required.map((name) => [name, placeholderFor(properties[name] ?? {}, root, depth + 1)]));
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.min(schema.minItems, 10) : 0;
      const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      return Array.from({ length: count }, (_, i) => placeholderFor(items[i] ?? schema.items ?? {}, root, depth + 1));
    }
    case 'string':
      return placeholderString(schema);
    case 'integer':
      return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 0;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function typeOf(schema: Schema): string | undefined {
  const { type } = schema;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if (isObject(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function placeholderString(schema: Schema): string {
  switch (schema.format) {
    case 'date-time':
      return '2000-01-01T00:00:00Z';
    case 'date':
      return '2000-01-01';
    case 'time':
      return '00:00:00';
    case 'email':
      return 'simulated@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/simulated';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default: {
      const text = 'simulated';
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      return text.length >= min ? text : text.padEnd(Math.min(min, 1000), 'x');
    }
  }
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[part] : undefined;
  }
  return node;
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The simulated text reply: names the model and quotes the start of the last user message. */
export function simulatedText(model: string, messages: { role: string; content: string }[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1];
  const excerpt = (last?.content ?? '').replace(/\s+/g, ' ').trim();
  const quoted = excerpt.length > 80 ? `${excerpt.slice(0, 79)}…` : excerpt;
  return `[simulated] A reply from ${model} to: "${quoted}"`;
}
