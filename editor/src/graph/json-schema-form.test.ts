import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '#core/catalog-sdk';
import {
  discriminatorOf,
  emptyValue,
  expressionToLiteral,
  fieldLabel,
  isSecretNameField,
  mappingToExpression,
  normalizeSchema,
  resolveRef,
  schemaKind,
} from './json-schema-form';

/** Schemas as the server sends them: zod's toJSONSchema of an action's input. */
const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

describe('json-schema-form (the node forms’ schema logic, without React)', () => {
  it('tells which control each kind of schema needs', () => {
    const root = json(
      z.object({
        name: z.string(),
        count: z.number().int(),
        ratio: z.number(),
        on: z.boolean(),
        color: z.enum(['red', 'blue']),
        kind: z.literal('x'),
        tags: z.array(z.string()),
        headers: z.record(z.string(), z.string()),
        nested: z.object({ a: z.string() }),
        either: z.union([z.string(), z.number()]),
        anything: z.json(),
      }),
    );
    const kinds = Object.fromEntries(Object.entries(root.properties as Record<string, JsonSchema>).map(([k, s]) => [k, schemaKind(s, root)]));
    expect(kinds).toEqual({
      name: 'string',
      count: 'integer',
      ratio: 'number',
      on: 'boolean',
      color: 'enum',
      kind: 'const',
      tags: 'array',
      headers: 'record',
      nested: 'object',
      either: 'union',
      anything: 'any',
    });
  });

  it('resolves $refs to the root’s $defs and reads a discriminated union’s discriminator', () => {
    const Auth = z.discriminatedUnion('type', [
      z.object({ type: z.literal('bearer'), secret: z.string() }),
      z.object({ type: z.literal('basic'), user: z.string() }),
    ]);
    const root = json(z.object({ a: Auth, b: Auth }));
    const b = (root.properties as Record<string, JsonSchema>).b!;
    const resolved = resolveRef(b, root);
    expect(resolved.$ref).toBeUndefined();
    const variants = (normalizeSchema(b, root).anyOf ?? normalizeSchema(b, root).oneOf) as JsonSchema[];
    expect(discriminatorOf(variants.map((v) => resolveRef(v, root)))).toBe('type');
  });

  it('gives each kind an empty value: defaults first, then the required constants of an object', () => {
    const root = json(
      z.object({
        method: z.enum(['GET', 'POST']).default('POST'),
        auth: z.object({ type: z.literal('bearer'), secret: z.string() }),
        retries: z.number().min(1),
        list: z.array(z.string()),
        flag: z.boolean(),
      }),
    );
    const empty = (k: string) => emptyValue((root.properties as Record<string, JsonSchema>)[k]!, root);
    expect([empty('method'), empty('auth'), empty('retries'), empty('list'), empty('flag')]).toEqual(['POST', { type: 'bearer' }, 1, [], false]);
  });

  it('turns a mapping into one expression and a plain-JSON expression back into a literal', () => {
    expect(mappingToExpression({ a: 1, b: { $expr: 'trigger.data.x' }, c: [true, { $expr: '' }] })).toBe(
      '{"a": 1, "b": (trigger.data.x), "c": [true, (null)]}',
    );
    expect(mappingToExpression({ $expr: 'nodes.a.body' })).toBe('nodes.a.body');
    expect(mappingToExpression(undefined)).toBe('');
    expect(expressionToLiteral('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(expressionToLiteral('nodes.a.body')).toBeUndefined();
  });

  it('labels fields for people, and recognises a field that names a secret', () => {
    expect(fieldLabel('apiUrl')).toBe('API URL');
    expect(fieldLabel('timeout_ms')).toBe('Timeout (ms)');
    expect(fieldLabel('x', { title: 'Given title' })).toBe('Given title');
    expect(isSecretNameField('secret', { type: 'string' })).toBe(true);
    expect(isSecretNameField('token', { type: 'string', description: 'The name of the secret holding it' })).toBe(true);
    expect(isSecretNameField('token', { type: 'string', description: 'A token' })).toBe(false);
  });
});
