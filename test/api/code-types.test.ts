import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';

/** A TypeScript code step's type errors are shown (warnings from POST /api/code/check) and never block publishing. */
describe('code steps: type errors', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ taskQueue: `code-types-${crypto.randomUUID()}` });
  });
  afterAll(async () => {
    await api?.close();
  });

  const source = [
    "import { sum } from 'lodash-es';",
    'export default async function (input: { a: number }, ctx: CodeStepContext) {',
    "  const n: number = 'x';",
    "  await ctx.fech('https://example.com');",
    '  return { total: sum([input.a, n]) };',
    '}',
  ].join('\n');

  it('reports them as warnings with line and column, typed against ctx and the allowed helpers', async () => {
    const res = await api.request('POST', '/api/code/check', { body: { source, language: 'typescript' } });
    expect(res.status).toBe(200);
    expect(res.body.diagnostics).toEqual([
      { message: "Type 'string' is not assignable to type 'number'.", line: 3, column: 9, severity: 'warning' },
      {
        message: expect.stringMatching(/Property 'fech' does not exist on type 'CodeStepContext'. Did you mean 'fetch'\?/),
        line: 4,
        column: 13,
        severity: 'warning',
      },
    ]);
    const clean = await api.request('POST', '/api/code/check', {
      body: { source: source.replace("'x'", '1').replace('fech', 'fetch'), language: 'typescript' },
    });
    expect(clean.body.diagnostics).toEqual([]);
    // JavaScript is not type-checked; a syntax error is still an error, not a warning.
    expect(
      (await api.request('POST', '/api/code/check', { body: { source: 'export default async function (input, ctx) { ctx.fech() }', language: 'javascript' } }))
        .body.diagnostics,
    ).toEqual([]);
    const broken = await api.request('POST', '/api/code/check', {
      body: { source: 'export default async function (input) { return { ', language: 'typescript' },
    });
    expect(broken.body.diagnostics[0]).not.toHaveProperty('severity', 'warning');
  });

  it('a step with type errors still saves and publishes (they do not block)', async () => {
    const document = {
      trigger: { type: 'manual' },
      nodes: [{ id: 'typed', type: 'code', language: 'typescript', source, inputs: { a: 1 } }],
      edges: [{ from: 'trigger', to: 'typed' }],
    };
    const created = await api.request('POST', '/api/flows', { body: { name: 'Typed', document } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
  });
});
