import { describe, expect, it } from 'vitest';
import { FlowDocument, NodeTypes } from './flow';
import { flowDocumentJsonSchema } from './json-schema';

type Schema = Record<string, unknown>;

/**
 * A small structural checker for the keywords zod emits (enough to tell whether the schema describes the
 * document, not a full JSON Schema validator). Returns the JSON paths that fail.
 */
function check(root: Schema, schema: Schema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? (root.$defs as Record<string, Schema>)[name] : undefined;
    if (!target) return [`${path}: unresolved ${schema.$ref}`];
    return check(root, target, value, path);
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => check(root, s, value, path).length === 0);
    return ok ? [] : [`${path}: matches no anyOf branch`];
  }
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((s) => check(root, s, value, path).length === 0).length;
    return matches === 1 ? [] : [`${path}: matches ${matches} oneOf branches`];
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const ok = types.some((t) => t === actual || (t === 'integer' && Number.isInteger(value)));
    if (!ok) return [`${path}: expected ${types.join('|')}, got ${actual}`];
  }
  if ('const' in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.not && check(root, schema.not as Schema, value, path).length === 0) errors.push(`${path}: matches "not"`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: not one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errors.push(`${path}: too long`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: too many items`);
    if (schema.items) value.forEach((v, i) => errors.push(...check(root, schema.items as Schema, v, `${path}[${i}]`)));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in value)) errors.push(`${path}: missing required "${key}"`);
    for (const [key, v] of Object.entries(value)) {
      const sub = props[key];
      if (sub) errors.push(...check(root, sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected "${key}"`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(root, schema.additionalProperties as Schema, v, `${path}.${key}`));
    }
  }
  return errors;
}

/** Every `type` constant of an object schema anywhere in the tree: the node kinds and trigger types. */
function typeConstants(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => typeConstants(s, out));
  else if (typeof schema === 'object' && schema !== null) {
    const typeProp = (schema as { properties?: { type?: { const?: unknown } } }).properties?.type;
    if (typeof typeProp?.const === 'string') out.add(typeProp.const);
    Object.values(schema).forEach((v) => typeConstants(v, out));
  }
  return out;
}

const sample = {
  schemaVersion: 1,
  trigger: { type: 'event', event: 'user.signed_up' },
  nodes: [
    {
      id: 'fetch',
      type: 'action',
      action: 'http.request@1',
      inputs: { url: 'https://api.example.com/users', headers: { 'x-id': { $expr: 'trigger.data.id' } } },
      retry: { maximumAttempts: 3, initialInterval: '1s' },
      timeout: 5000,
    },
    { id: 'ok', type: 'condition', condition: 'nodes.fetch.status = 200' },
    { id: 'kind', type: 'switch', value: 'trigger.data.plan', cases: ['free', 'pro'] },
    { id: 'wait', type: 'delay', duration: '10m' },
    {
      id: 'each',
      type: 'forEach',
      items: 'nodes.fetch.body.items',
      concurrency: 2,
      body: {
        nodes: [{ id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'item' }, expression: 'data.name' } }],
        edges: [{ from: 'each', to: 'shape' }],
      },
    },
    { id: 'done', type: 'end', output: { users: { $expr: 'nodes.each' }, tags: ['a', 1, null, { $literal: { $expr: 'x' } }] } },
  ],
  edges: [
    { from: 'trigger', to: 'fetch' },
    { from: 'fetch', to: 'ok' },
    { from: 'ok', to: 'kind', branch: 'true' },
    { from: 'kind', to: 'wait', branch: 'pro' },
    { from: 'wait', to: 'each' },
    { from: 'each', to: 'done' },
  ],
  layout: { fetch: { x: 0, y: 0 } },
};

describe('flowDocumentJsonSchema', () => {
  const schema = flowDocumentJsonSchema();

  it('is plain JSON (the recursive parts are $defs, not functions or cycles)', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.$defs as object).length).toBeGreaterThan(0);
  });

  it('describes every node kind and trigger type', () => {
    const kinds = typeConstants(schema);
    for (const kind of NodeTypes) expect(kinds).toContain(kind);
    for (const trigger of ['event', 'manual', 'schedule']) expect(kinds).toContain(trigger);
  });

  it('requires what authors must write, and makes defaulted fields optional (io: input)', () => {
    expect(schema.required).toEqual(['trigger', 'nodes', 'edges']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('accepts a valid document, including a forEach body and nested mappings', () => {
    expect(FlowDocument.safeParse(sample).success).toBe(true);
    expect(check(schema, schema, sample)).toEqual([]);
    expect(check(schema, schema, { trigger: { type: 'manual' }, nodes: [], edges: [] })).toEqual([]);
  });

  it('carries the reserved trigger id (a refine in zod) as `not`', () => {
    const triggerNode = { ...sample, nodes: [{ id: 'trigger', type: 'delay', duration: '1s' }], edges: [] };
    expect(FlowDocument.safeParse(triggerNode).success).toBe(false);
    expect(check(schema, schema, triggerNode)).toContain('$.nodes[0]: matches no anyOf branch');
    expect(check(schema, schema, { ...triggerNode, nodes: [{ id: 'trigger_2', type: 'delay', duration: '1s' }] })).toEqual([]);
  });

  it('refuses documents the zod schema refuses, down inside forEach bodies', () => {
    const { trigger: _trigger, ...noTrigger } = sample;
    expect(check(schema, schema, noTrigger)).toContain('$: missing required "trigger"');
    expect(check(schema, schema, { ...sample, extra: 1 })).toContain('$: unexpected "extra"');
    expect(check(schema, schema, { ...sample, nodes: [{ id: 'x', type: 'teleport' }] })).toEqual(['$.nodes[0]: matches no anyOf branch']);

    const badBody = structuredClone(sample);
    (badBody.nodes[4] as { body: { nodes: unknown[] } }).body.nodes.push({ id: 'bad id', type: 'delay', duration: '5s' });
    expect(FlowDocument.safeParse(badBody).success).toBe(false);
    expect(check(schema, schema, badBody)).toEqual(['$.nodes[4]: matches no anyOf branch']);
  });
});
