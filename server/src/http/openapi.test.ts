import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { unresolvedRefs } from '../../../test/helpers/openapi';
import { openApiDocument } from './openapi';
import { defineRoute } from './route';

const handler = async () => ({});

interface Tree {
  name: string;
  children: Tree[];
}
// Recursive and unnamed: zod writes it as `$defs/__schema0`.
const TreeSchema: z.ZodType<Tree> = z.lazy(() => z.object({ name: z.string(), children: z.array(TreeSchema) }));
const Named = z.object({ a: z.string().default('x') }).meta({ id: 'Named' });

describe('openApiDocument', () => {
  const doc = openApiDocument([
    defineRoute({
      method: 'post',
      path: '/api/trees',
      tag: 'T',
      summary: 's',
      body: z.object({ tree: TreeSchema }),
      responses: { 201: { description: 'd' } },
      handler,
    }),
    // The recursive schema as a whole body: zod refers to the root as `#`.
    defineRoute({
      method: 'put',
      path: '/api/trees/:id',
      tag: 'T',
      summary: 's',
      params: z.object({ id: z.string() }),
      body: TreeSchema,
      responses: { 200: { description: 'd', schema: TreeSchema } },
      handler,
    }),
    // One name, two meanings: its input has `a` optional, its output has it required.
    defineRoute({
      method: 'post',
      path: '/api/named',
      tag: 'T',
      summary: 's',
      auth: 'none',
      body: Named,
      responses: { 200: { description: 'd', schema: Named } },
      handler,
    }),
  ]);

  it('hoists every definition to components/schemas: every $ref resolves from the root', () => {
    expect(unresolvedRefs(doc)).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('$defs');
  });

  it('stores a definition used by several routes once, and keeps two different ones of one name apart', () => {
    const names = Object.keys(doc.components.schemas);
    // The tree's input (a nested field of one body, the whole body of another) is stored once; its output differs (no extra keys).
    expect(names.filter((n) => n.startsWith('Schema'))).toEqual(['Schema', 'Schema_output']);
    expect(names).toEqual(expect.arrayContaining(['Named', 'Named_output', 'Error']));
    const named = doc.components.schemas as Record<string, { required?: string[] }>;
    expect(named.Named!.required).toBeUndefined();
    expect(named.Named_output!.required).toEqual(['a']);
  });

  it('documents the answers every route of its kind gives, with the one error schema', () => {
    const put = doc.paths['/api/trees/{id}']!.put as { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
    expect(Object.keys(put.responses)).toEqual(['200', '400', '401', '403', '404', '413', '415', '429']);
    for (const status of ['400', '401', '403', '404', '413', '415', '429'])
      expect(put.responses[status]!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    const open = doc.paths['/api/named']!.post as { security: unknown[]; responses: Record<string, unknown> };
    expect(open.security).toEqual([]);
    expect(Object.keys(open.responses)).toEqual(['200', '400', '413', '415']);
  });
});
