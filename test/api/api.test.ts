import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type ApiBody, type ApiResponse, type TestApi } from '../helpers/api';
import { unresolvedRefs } from '../helpers/openapi';
import { freePort } from '../helpers/ports';
import { startTestWorker, temporalClient } from '../helpers/temporal';

const taskQueue = `api-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let client: Client;

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  // The worker shares the API's database (it records each run's end) and its task queue.
  [worker, temporal] = await Promise.all([startTestWorker({ db: api.db, taskQueue }), temporalClient()]);
  client = temporal.client;
});

afterAll(async () => {
  await worker?.stop();
  await temporal?.close();
  await api?.close();
});

// ---------------------------------------------------------------------------------------------------------
// Builders and helpers

const transform = (id: string, expression: string, data?: unknown) => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs: { expression, ...(data !== undefined ? { data } : {}) },
});
const delay = (id: string, duration: string) => ({ id, type: 'delay', duration });
const chain = (...ids: string[]) => ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id }));
type NodeJson = { id: string } & Record<string, unknown>;
const manualFlow = (nodes: NodeJson[]) => ({ trigger: { type: 'manual' }, nodes, edges: chain(...nodes.map((n) => n.id)) });
const eventFlow = (event: string, nodes: NodeJson[]) => ({ trigger: { type: 'event', event }, nodes, edges: chain(...nodes.map((n) => n.id)) });

function expectError(res: ApiResponse, status: number, code: string, message?: RegExp): ApiBody {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(10);
  if (message) expect(res.body.error.message).toMatch(message);
  return res.body.error;
}

async function createFlow(name: string, document: unknown, key?: string): Promise<string> {
  const res = await api.request('POST', '/api/flows', { body: { name, document }, ...(key ? { key } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function publish(flowId: string, note?: string, key?: string): Promise<number> {
  const res = await api.request('POST', `/api/flows/${flowId}/publish`, { body: note ? { note } : {}, ...(key ? { key } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.version as number;
}

async function startManualRun(
  flowId: string,
  body: Record<string, unknown> = {},
  key?: string,
): Promise<{ runId: string; workflowId: string; version: number }> {
  const res = await api.request('POST', `/api/flows/${flowId}/runs`, { body, ...(key ? { key } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const TERMINAL = ['completed', 'failed', 'cancelled'];

/** Polls GET /api/runs/:id until `done` holds (by default: the run ended). */
async function pollRun(
  runId: string,
  done: (run: ApiBody) => boolean = (r) => TERMINAL.includes(r.status),
  key?: string,
  timeoutMs = 15_000,
): Promise<ApiBody> {
  const deadline = Date.now() + timeoutMs;
  let last: ApiResponse | undefined;
  while (Date.now() < deadline) {
    last = await api.request('GET', `/api/runs/${runId}`, key ? { key } : {});
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    if (done(last.body)) return last.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Run ${runId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last?.body)}`);
}

async function runRow(runId: string) {
  return api.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

// ---------------------------------------------------------------------------------------------------------

describe('system', () => {
  it('GET /api/health answers 200 with every dependency up, without a key', async () => {
    const res = await api.request('GET', '/api/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, database: 'up', temporal: 'up' });
  });

  it('GET /api/openapi.json documents /api/flows and /v1/events with their request bodies', async () => {
    const res = await api.request('GET', '/api/openapi.json', { key: null });
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/flows',
        '/api/flows/{flowId}',
        '/api/flows/{flowId}/publish',
        '/api/flows/{flowId}/runs',
        '/api/runs',
        '/api/runs/{runId}',
        '/v1/events',
        '/hooks/{endpointId}',
      ]),
    );
    // The webhook receiver takes raw bytes and no API key.
    expect(doc.paths['/hooks/{endpointId}'].post).toMatchObject({ security: [], responses: { 200: {}, 401: {}, 413: {}, 503: {} } });
    const createFlowSchema = doc.paths['/api/flows'].post.requestBody.content['application/json'].schema;
    expect(createFlowSchema.type).toBe('object');
    expect(createFlowSchema.required).toEqual(expect.arrayContaining(['name', 'document']));
    expect(Object.keys(createFlowSchema.properties)).toEqual(expect.arrayContaining(['name', 'document']));
    expect(doc.paths['/api/flows'].get.requestBody).toBeUndefined();
    const eventSchema = doc.paths['/v1/events'].post.requestBody.content['application/json'].schema;
    expect(eventSchema.required).toContain('name');
    expect(Object.keys(eventSchema.properties)).toEqual(expect.arrayContaining(['name', 'id', 'data']));
    expect(eventSchema.properties.name.pattern).toBeTruthy();
    expect(Object.keys(doc.paths['/v1/events'].post.responses)).toEqual(expect.arrayContaining(['202', '401', '503']));
    expect(doc.paths['/api/flows/{flowId}'].get.parameters).toEqual([expect.objectContaining({ name: 'flowId', in: 'path', required: true })]);
  });

  it('GET /api/openapi.json: every operation declares the schema of its success answer (a route without one fails here)', async () => {
    const doc = (await api.request('GET', '/api/openapi.json', { key: null })).body;
    const lacking: string[] = [];
    let operations = 0;
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: object }> }>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations++;
        const successes = Object.entries(operation.responses).filter(([status]) => /^[23]\d\d$/.test(status));
        // 204 and redirects (OpenID Connect sign-in: 302, 303) carry no body; any other success must say what its body is.
        const undocumented = successes.filter(([status, r]) => status !== '204' && !/^3/.test(status) && !r.content);
        if (successes.length === 0 || undocumented.length > 0) lacking.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(operations).toBeGreaterThan(40);
    expect(lacking).toEqual([]);
  });

  it('GET /api/openapi.json: every $ref resolves, every error answer has the one error schema, body rules are in the schemas', async () => {
    const doc = (await api.request('GET', '/api/openapi.json', { key: null })).body;
    expect(unresolvedRefs(doc)).toEqual([]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Error', 'FlowNode', 'JsonValue']));
    type Operation = {
      security?: unknown[];
      requestBody?: unknown;
      parameters?: unknown[];
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    };
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const statuses = Object.keys(op.responses);
        const where = `${method.toUpperCase()} ${path}`;
        if (op.security === undefined) expect(statuses, where).toEqual(expect.arrayContaining(['401', '403', '429']));
        if (op.requestBody) expect(statuses, where).toEqual(expect.arrayContaining(['400', '413', '415']));
        if (path.includes('{')) expect(statuses, where).toContain('404');
        const errorSchema = path.startsWith('/hooks/') ? 'WebhookError' : 'Error';
        // The probes' 503 is their own status body (which checks failed), as load balancers and orchestrators read it.
        for (const status of statuses.filter((s) => Number(s) >= 400 && !(['/api/health', '/api/ready'].includes(path) && s === '503')))
          expect(op.responses[status]!.content?.['application/json']?.schema, `${where} ${status}`).toEqual({ $ref: `#/components/schemas/${errorSchema}` });
      }
    }
    // A secret needs a live or a test value: the schema says so, not only the code.
    const secretBody = doc.paths['/api/secrets/{name}'].put.requestBody.content['application/json'].schema;
    expect(secretBody.anyOf.map((o: { required: string[] }) => o.required)).toEqual([['live'], ['test']]);
    expect(doc.paths['/api/admin/workspaces/{workspaceId}/plan'].put.security).toEqual([{ adminToken: [] }]);
  });

  it('an unknown /api route is a 404 in the error shape', async () => {
    expectError(await api.request('GET', '/api/nope'), 404, 'NOT_FOUND', /No route GET \/api\/nope/);
  });
});

describe('flows CRUD', () => {
  it('creates a draft with problems, reads, lists, renames, replaces, applies operations and deletes it', async () => {
    // An incomplete draft (the transform has no expression) is saved, with its problems.
    const created = await api.request('POST', '/api/flows', {
      body: {
        name: 'Greeter',
        document: {
          trigger: { type: 'manual' },
          nodes: [{ id: 'greet', type: 'action', action: 'data.transform@1' }],
          edges: [{ from: 'trigger', to: 'greet' }],
        },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^flw_/);
    expect(created.body).toMatchObject({
      name: 'Greeter',
      publishedVersion: null,
      unpublished: false,
      document: {
        schemaVersion: 1,
        trigger: { type: 'manual' },
        nodes: [{ id: 'greet', type: 'action', action: 'data.transform@1', inputs: {} }],
        edges: [{ from: 'trigger', to: 'greet' }],
        layout: {},
      },
      problems: [{ code: 'MISSING_INPUT', nodeId: 'greet', field: 'inputs.expression', message: expect.stringContaining('expression') }],
    });
    expect(created.body.createdAt).toMatch(ISO);

    const read = await api.request('GET', `/api/flows/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const list = await api.request('GET', '/api/flows?limit=200');
    expect(list.status).toBe(200);
    expect(list.body.flows).toContainEqual({
      id,
      name: 'Greeter',
      publishedVersion: null,
      trigger: null,
      event: null,
      unpublished: false,
      tags: [],
      updatedAt: expect.stringMatching(ISO),
    });

    // Rename only: the document stays.
    const renamed = await api.request('PATCH', `/api/flows/${id}`, { body: { name: 'Greeter 2' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Greeter 2');
    expect(renamed.body.document).toEqual(created.body.document);

    // Replace the document: now valid.
    const replaced = await api.request('PATCH', `/api/flows/${id}`, { body: { document: manualFlow([transform('greet', '"hi"')]) } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toBe('Greeter 2');
    expect(replaced.body.document.nodes).toEqual([transform('greet', '"hi"')]);
    expect(replaced.body.problems).toEqual([]);

    // Edit operations: add a node and connect it.
    const edited = await api.request('PATCH', `/api/flows/${id}`, {
      body: {
        operations: [
          { type: 'addNode', node: transform('shout', '$uppercase(data)', { $expr: 'nodes.greet.result' }), position: { x: 10, y: 20 } },
          { type: 'connect', edge: { from: 'greet', to: 'shout' } },
        ],
      },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.document.nodes.map((n: { id: string }) => n.id)).toEqual(['greet', 'shout']);
    expect(edited.body.document.edges).toEqual([
      { from: 'trigger', to: 'greet' },
      { from: 'greet', to: 'shout' },
    ]);
    expect(edited.body.document.layout).toEqual({ shout: { x: 10, y: 20 } });
    expect(edited.body.problems).toEqual([]);

    // An impossible operation is refused and nothing of the batch is applied.
    const impossible = await api.request('PATCH', `/api/flows/${id}`, {
      body: {
        operations: [
          { type: 'removeNode', nodeId: 'shout' },
          { type: 'connect', edge: { from: 'greet', to: 'ghost' } },
          { type: 'updateInput', nodeId: 'ghost', input: 'x', value: 1 },
        ],
      },
    });
    expectError(impossible, 400, 'VALIDATION_FAILED', /Operation refused: There is no node "ghost"/);
    const duplicate = await api.request('PATCH', `/api/flows/${id}`, { body: { operations: [{ type: 'connect', edge: { from: 'greet', to: 'shout' } }] } });
    expectError(duplicate, 400, 'VALIDATION_FAILED', /already exists/);
    // An operation that would store an invalid document is refused too.
    const invalid = await api.request('PATCH', `/api/flows/${id}`, {
      body: { operations: [{ type: 'addNode', node: { id: '9bad', type: 'delay', duration: '1s' } }] },
    });
    const invalidError = expectError(invalid, 400, 'VALIDATION_FAILED', /invalid document/i);
    expect(invalidError.details).toEqual([
      expect.objectContaining({ path: ['nodes', 2, 'id'], message: expect.stringContaining('a node id starts with a letter') }),
    ]);
    expect((await api.request('GET', `/api/flows/${id}`)).body.document).toEqual(edited.body.document);

    // Delete: 204 without a body, then 404 everywhere.
    const deleted = await api.request('DELETE', `/api/flows/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expectError(await api.request('GET', `/api/flows/${id}`), 404, 'NOT_FOUND', new RegExp(id));
    expectError(await api.request('DELETE', `/api/flows/${id}`), 404, 'NOT_FOUND');
    expectError(await api.request('PATCH', `/api/flows/${id}`, { body: { name: 'x' } }), 404, 'NOT_FOUND');
    expect((await api.request('GET', '/api/flows?limit=200')).body.flows.map((f: { id: string }) => f.id)).not.toContain(id);
  });

  it('refuses a malformed flow with 400 and the JSON path of each problem', async () => {
    const res = await api.request('POST', '/api/flows', {
      body: {
        name: '',
        document: {
          trigger: { type: 'manual' },
          nodes: [
            { id: 'a', type: 'action', inputs: {} },
            { id: 'b', type: 'delay', duration: 'soon' },
          ],
          edges: [{ from: 'trigger' }],
        },
      },
    });
    const error = expectError(res, 400, 'VALIDATION_FAILED', /^Invalid body: /);
    expect(error.details).toEqual(
      expect.arrayContaining([
        { in: 'body', path: ['name'], message: expect.any(String) },
        { in: 'body', path: ['document', 'nodes', 0, 'action'], message: expect.stringMatching(/expected string/) },
        { in: 'body', path: ['document', 'nodes', 1, 'duration'], message: expect.any(String) },
        { in: 'body', path: ['document', 'edges', 0, 'to'], message: expect.any(String) },
      ]),
    );
    expect(res.body.error.message).toContain('document.nodes.0.action');
    // Nothing was saved.
    expect((await api.request('GET', '/api/flows?limit=200')).body.flows.map((f: { name: string }) => f.name)).not.toContain('');
  });

  it('refuses an unknown trigger type and an unknown node type at their paths', async () => {
    const res = await api.request('POST', '/api/flows', { body: { name: 'x', document: { trigger: { type: 'telepathy' }, nodes: [], edges: [] } } });
    const error = expectError(res, 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ in: 'body', path: ['document', 'trigger', 'type'] })]);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const broken = await api.request('POST', '/api/flows', { rawBody: '{"name": "x", "document": {' });
    expectError(broken, 400, 'VALIDATION_FAILED', /not valid JSON/);
    // Not JSON at all, with a non-JSON content type: there is no body to read.
    const text = await api.request('POST', '/api/flows', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } });
    const error = expectError(text, 400, 'VALIDATION_FAILED', /Invalid body/);
    expect(error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'body', path: ['name'] }), expect.objectContaining({ in: 'body', path: ['document'] })]),
    );
  });
});

describe('publishing', () => {
  it('refuses an invalid graph with 422 listing every problem by node, and publishes nothing', async () => {
    const id = await createFlow('Broken', {
      trigger: { type: 'manual' },
      nodes: [
        { id: 'mystery', type: 'action', action: 'nope.thing@1', inputs: {} },
        { id: 'needs', type: 'action', action: 'data.transform@1', inputs: {} },
        transform('island', '"alone"'),
      ],
      edges: [
        { from: 'trigger', to: 'mystery' },
        { from: 'mystery', to: 'needs' },
        { from: 'needs', to: 'ghost' },
      ],
    });
    const res = await api.request('POST', `/api/flows/${id}/publish`, { body: {} });
    const error = expectError(res, 422, 'FLOW_INVALID', /cannot be published: 4 problems/);
    const problems = error.details.problems as { code: string; nodeId?: string; field?: string; message: string }[];
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        { code: 'UNKNOWN_ACTION', nodeId: 'mystery', field: 'action', message: expect.stringContaining('nope.thing@1') },
        { code: 'MISSING_INPUT', nodeId: 'needs', field: 'inputs.expression', message: expect.stringContaining('"expression"') },
        { code: 'DANGLING_EDGE', nodeId: 'needs', message: expect.stringContaining('"ghost"') },
        { code: 'UNREACHABLE_NODE', nodeId: 'island', message: expect.stringContaining('cannot be reached') },
      ]),
    );
    // The GET shows the same problems; nothing was published.
    const flow = await api.request('GET', `/api/flows/${id}`);
    expect(flow.body.problems).toEqual(problems);
    expect(flow.body.publishedVersion).toBeNull();
    expect((await api.request('GET', `/api/flows/${id}/versions`)).body).toEqual({ versions: [] });
    expectError(await api.request('POST', `/api/flows/${id}/runs`, { body: {} }), 409, 'CONFLICT', /no published version/);
  });

  it('publishes numbered immutable versions and reads them back', async () => {
    const id = await createFlow('Versioned', manualFlow([transform('say', '"one"')]));
    expect(await publish(id, 'first')).toBe(1);
    await api.request('PATCH', `/api/flows/${id}`, {
      body: {
        operations: [
          { type: 'updateInput', nodeId: 'say', input: 'expression', value: '"two"' },
          { type: 'moveNode', nodeId: 'say', position: { x: 1, y: 2 } },
        ],
      },
    });
    const second = await api.request('POST', `/api/flows/${id}/publish`, { body: {} });
    expect(second.status).toBe(201);
    expect(second.body).toEqual({ flowId: id, version: 2, note: null, publishedAt: expect.stringMatching(ISO) });

    const versions = await api.request('GET', `/api/flows/${id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.versions).toEqual([
      { version: 2, note: null, publishedAt: expect.stringMatching(ISO) },
      { version: 1, note: 'first', publishedAt: expect.stringMatching(ISO) },
    ]);
    const v1 = await api.request('GET', `/api/flows/${id}/versions/1`);
    expect(v1.status).toBe(200);
    // The snapshot is frozen (v1 still says "one") and carries no editor layout.
    expect(v1.body).toEqual({
      version: 1,
      note: 'first',
      publishedAt: expect.stringMatching(ISO),
      snapshot: { schemaVersion: 1, trigger: { type: 'manual' }, nodes: [transform('say', '"one"')], edges: [{ from: 'trigger', to: 'say' }] },
    });
    expect((await api.request('GET', `/api/flows/${id}/versions/2`)).body.snapshot.nodes[0].inputs.expression).toBe('"two"');
    expectError(await api.request('GET', `/api/flows/${id}/versions/3`), 404, 'NOT_FOUND', /no version 3/);
    expectError(await api.request('GET', `/api/flows/${id}/versions/zero`), 400, 'VALIDATION_FAILED');
    expect((await api.request('GET', `/api/flows/${id}`)).body.publishedVersion).toBe(2);
  });

  it('a run finishes on the version it started with, even when a newer one is published meanwhile', async () => {
    const flowOn = (label: string) =>
      manualFlow([delay('wait', '2s'), transform('say', `"${label}"`), { id: 'done', type: 'end', output: { said: { $expr: 'nodes.say.result' } } }]);
    const id = await createFlow('Pinned', flowOn('v1'));
    expect(await publish(id)).toBe(1);
    const first = await startManualRun(id);
    expect(first.version).toBe(1);
    await pollRun(first.runId, (r) => r.nodes.some((n: { nodeId: string; status: string }) => n.nodeId === 'wait' && n.status === 'running'));

    await api.request('PATCH', `/api/flows/${id}`, { body: { document: flowOn('v2') } });
    expect(await publish(id)).toBe(2);
    const firstDone = await pollRun(first.runId);
    expect(firstDone).toMatchObject({ status: 'completed', version: 1, output: { said: 'v1' } });

    // A new run takes the newest version; an older one can still be run on request.
    const second = await startManualRun(id);
    const old = await startManualRun(id, { version: 1 });
    expect([second.version, old.version]).toEqual([2, 1]);
    expectError(await api.request('POST', `/api/flows/${id}/runs`, { body: { version: 9 } }), 404, 'NOT_FOUND', /no version 9/);
    const [secondDone, oldDone] = await Promise.all([pollRun(second.runId), pollRun(old.runId)]);
    expect(secondDone).toMatchObject({ status: 'completed', version: 2, output: { said: 'v2' } });
    expect(oldDone).toMatchObject({ status: 'completed', version: 1, output: { said: 'v1' } });
  });
});

describe('app events', () => {
  it('starts every subscribed published flow once per event id', async () => {
    const event = `order.created.${crypto.randomUUID()}`;
    const a = await createFlow('Event A', eventFlow(event, [transform('a', '"A:" & data', { $expr: 'trigger.data.orderId' })]));
    const b = await createFlow('Event B', eventFlow(event, [transform('b', '"B:" & data', { $expr: 'trigger.data.orderId' })]));
    await createFlow('Unpublished draft on the same event', eventFlow(event, [transform('c', '"C"')]));
    const deletedFlow = await createFlow('Deleted on the same event', eventFlow(event, [transform('d', '"D"')]));
    await publish(a);
    await publish(b);
    await publish(deletedFlow);
    expect((await api.request('DELETE', `/api/flows/${deletedFlow}`)).status).toBe(204);

    const first = await api.request('POST', '/v1/events', { body: { name: event, id: 'evt-1', data: { orderId: 7 } } });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body.eventId).toBe('evt-1');
    // Ordered by creation; two flows created in the same millisecond may come in either order.
    expect([...first.body.runs].sort((x: { flowId: string }, y: { flowId: string }) => [a, b].indexOf(x.flowId) - [a, b].indexOf(y.flowId))).toEqual([
      { flowId: a, runId: expect.stringMatching(/^run_/), duplicate: false },
      { flowId: b, runId: expect.stringMatching(/^run_/), duplicate: false },
    ]);

    // The same event id again: the same runs, nothing new started.
    const again = await api.request('POST', '/v1/events', { body: { name: event, id: 'evt-1', data: { orderId: 7 } } });
    expect(again.status).toBe(202);
    expect(again.body.runs).toEqual(first.body.runs.map((r: object) => ({ ...r, duplicate: true })));
    const rows = await api.db.selectFrom('runs').select(['id', 'flow_id', 'workflow_id', 'temporal_run_id', 'mode']).where('flow_id', 'in', [a, b]).execute();
    expect(rows).toHaveLength(2);

    const byFlow = (id: string) => first.body.runs.find((r: { flowId: string }) => r.flowId === id).runId as string;
    const [runA, runB] = await Promise.all([byFlow(a), byFlow(b)].map((runId) => pollRun(runId)));
    expect(runA).toMatchObject({
      flowId: a,
      mode: 'live',
      status: 'completed',
      trigger: { type: 'event', name: event, id: 'evt-1', data: { orderId: 7 } },
      output: { a: { result: 'A:7' } },
    });
    expect(runB).toMatchObject({ flowId: b, status: 'completed', output: { b: { result: 'B:7' } } });

    // Temporal holds exactly one workflow execution per flow for this event.
    for (const run of [runA, runB]) {
      const row = rows.find((r) => r.id === run.id)!;
      expect(run.workflowId).toBe(row.workflow_id);
      expect(row.workflow_id).toContain(':evt-1');
      // The run records its end just before its workflow closes: the close follows within moments.
      let description = await client.workflow.getHandle(run.workflowId).describe();
      for (let i = 0; i < 100 && description.status.name === 'RUNNING'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        description = await client.workflow.getHandle(run.workflowId).describe();
      }
      expect(description.status.name).toBe('COMPLETED');
      expect(description.runId).toBe(row.temporal_run_id);
      expect(description.taskQueue).toBe(taskQueue);
      let executions: string[] = [];
      for (let i = 0; i < 100 && executions.length === 0; i++) {
        executions = [];
        for await (const wf of client.workflow.list({ query: `WorkflowId = "${run.workflowId}"` })) executions.push(wf.runId);
        if (executions.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(executions).toEqual([row.temporal_run_id]);
    }
  });

  it('answers 202 with no runs for an event no flow subscribes to', async () => {
    const res = await api.request('POST', '/v1/events', { body: { name: `nobody.listens.${crypto.randomUUID()}`, data: { x: 1 } } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), runs: [] });
  });

  it('starts a test run for a test key', async () => {
    const event = `user.signed_up.${crypto.randomUUID()}`;
    const id = await createFlow('Test mode', eventFlow(event, [transform('hello', '"hi " & data', { $expr: 'trigger.data.name' })]));
    await publish(id);
    const test = await api.request('POST', '/v1/events', { key: api.keys.test, body: { name: event, id: 'same-id', data: { name: 'Ada' } } });
    expect(test.status).toBe(202);
    expect(test.body.runs).toHaveLength(1);
    const done = await pollRun(test.body.runs[0].runId);
    expect(done).toMatchObject({ mode: 'test', status: 'completed', output: { hello: { result: 'hi Ada' } } });
    expect((await runRow(done.id)).mode).toBe('test');
    // The same event id with the live key is another run (live and test never collide).
    const live = await api.request('POST', '/v1/events', { body: { name: event, id: 'same-id', data: { name: 'Ada' } } });
    expect(live.body.runs).toEqual([{ flowId: id, runId: expect.not.stringMatching(done.id), duplicate: false }]);
    expect((await pollRun(live.body.runs[0].runId)).mode).toBe('live');
  });

  it('refuses an invalid event with 400 and its path', async () => {
    const error = expectError(await api.request('POST', '/v1/events', { body: { name: 'not a name!', id: '' } }), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'body', path: ['name'] }), expect.objectContaining({ in: 'body', path: ['id'] })]),
    );
  });
});

describe('runs', () => {
  it('shows per-node state live while running (query) and from the database after', async () => {
    const id = await createFlow('Detail', manualFlow([transform('greet', '"Hello " & data.name', { $expr: 'trigger.data' }), delay('wait', '1s')]));
    await publish(id);
    const { runId, workflowId } = await startManualRun(id, { input: { name: 'Ada' } });
    expect(workflowId).toMatch(new RegExp(`^manual:${id}:`));

    const live = await pollRun(runId, (r) => r.nodes.some((n: { nodeId: string; status: string }) => n.nodeId === 'wait' && n.status === 'running'));
    // Still running: nothing in the database yet, so this came from the workflow's query.
    expect((await runRow(runId)).state).toBeNull();
    expect(live).toMatchObject({
      id: runId,
      flowId: id,
      version: 1,
      workflowId,
      mode: 'live',
      status: 'running',
      trigger: { type: 'manual', data: { name: 'Ada' } },
      createdAt: expect.stringMatching(ISO),
    });
    expect(live.output).toBeUndefined();
    const greet = live.nodes.find((n: { nodeId: string }) => n.nodeId === 'greet');
    expect(greet).toEqual({
      key: 'greet',
      nodeId: 'greet',
      type: 'action',
      status: 'succeeded',
      input: { expression: '"Hello " & data.name', data: { name: 'Ada' } },
      output: { result: 'Hello Ada' },
      attempts: 1,
      attemptLog: [
        { activityId: 'greet', attempt: 1, status: 'succeeded', error: null, startedAt: expect.stringMatching(ISO), endedAt: expect.stringMatching(ISO) },
      ],
      startedAt: expect.stringMatching(ISO),
      endedAt: expect.stringMatching(ISO),
    });
    const waiting = live.nodes.find((n: { nodeId: string }) => n.nodeId === 'wait');
    expect(waiting).toEqual({
      key: 'wait',
      nodeId: 'wait',
      type: 'delay',
      status: 'running',
      attempts: 0,
      attemptLog: [],
      startedAt: expect.stringMatching(ISO),
    });

    const done = await pollRun(runId);
    expect((await runRow(runId)).state).not.toBeNull();
    expect(done).toMatchObject({
      status: 'completed',
      endedAt: expect.stringMatching(ISO),
      output: { greet: { result: 'Hello Ada' }, wait: { delayedMs: 1000 } },
    });
    expect(done.error).toBeUndefined();
    expect(done.nodes.find((n: { nodeId: string }) => n.nodeId === 'greet')).toEqual(greet);
    expect(done.nodes.find((n: { nodeId: string }) => n.nodeId === 'wait')).toMatchObject({
      status: 'succeeded',
      output: { delayedMs: 1000 },
      endedAt: expect.stringMatching(ISO),
    });
    expect(Date.parse(done.endedAt) - Date.parse(done.createdAt)).toBeGreaterThanOrEqual(1000);
  });

  it('cancels a running run (202, then cancelled); cancelling an ended run is a 409', async () => {
    const id = await createFlow('Long wait', manualFlow([delay('wait', '10m'), transform('never', '"never"')]));
    await publish(id);
    const { runId } = await startManualRun(id);
    await pollRun(
      runId,
      (r) => r.status === 'running' && r.nodes.some((n: { nodeId: string; status: string }) => n.nodeId === 'wait' && n.status === 'running'),
    );

    const cancel = await api.request('POST', `/api/runs/${runId}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body).toEqual({ runId, status: 'cancelling' });
    const cancelled = await pollRun(runId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.nodes.find((n: { nodeId: string }) => n.nodeId === 'never')).toBeUndefined();
    expect((await runRow(runId)).status).toBe('cancelled');

    expectError(await api.request('POST', `/api/runs/${runId}/cancel`), 409, 'CONFLICT', /is cancelled; only a running or parked run can be cancelled/);
    const quick = await createFlow('Quick', manualFlow([transform('q', '1')]));
    await publish(quick);
    const completed = await startManualRun(quick);
    expect((await pollRun(completed.runId)).status).toBe('completed');
    expectError(await api.request('POST', `/api/runs/${completed.runId}/cancel`), 409, 'CONFLICT', /is completed/);
    expectError(await api.request('POST', '/api/runs/run_nope/cancel'), 404, 'NOT_FOUND', /run_nope/);
    expectError(await api.request('GET', '/api/runs/run_nope'), 404, 'NOT_FOUND', /run_nope/);
  });

  it('lists runs filtered by flow, status and mode', async () => {
    const ok = await createFlow('Filter ok', manualFlow([transform('x', '1')]));
    const bad = await createFlow('Filter failing', manualFlow([{ ...transform('boom', '$error("boom")'), retry: { maximumAttempts: 1 }, onError: 'fail' }]));
    await publish(ok);
    await publish(bad);
    const live = await startManualRun(ok);
    const test = await startManualRun(ok, {}, api.keys.test);
    const explicitTest = await startManualRun(ok, { mode: 'test', input: { a: 1 } });
    const failing = await startManualRun(bad);
    const ended = await Promise.all([live, test, explicitTest, failing].map((r) => pollRun(r.runId)));
    expect(ended.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'failed']);
    expect(ended[3].error).toMatchObject({ nodeId: 'boom', message: expect.stringContaining('boom') });

    const list = async (query: string) => {
      const res = await api.request('GET', `/api/runs?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.runs as { id: string; flowId: string; status: string; mode: string; version: number; error?: unknown }[];
    };
    const byFlow = await list(`flowId=${ok}`);
    expect(byFlow.map((r) => r.id).sort()).toEqual([live.runId, test.runId, explicitTest.runId].sort());
    expect(byFlow.every((r) => r.flowId === ok && r.version === 1 && r.status === 'completed')).toBe(true);
    expect((await list(`flowId=${ok}&mode=test`)).map((r) => r.id).sort()).toEqual([test.runId, explicitTest.runId].sort());
    expect((await list(`flowId=${ok}&mode=live`)).map((r) => r.id)).toEqual([live.runId]);
    expect(await list(`flowId=${ok}&status=failed`)).toEqual([]);
    const failed = await list(`flowId=${bad}&status=failed`);
    expect(failed).toEqual([
      expect.objectContaining({ id: failing.runId, status: 'failed', mode: 'live', error: expect.objectContaining({ nodeId: 'boom' }) }),
    ]);
    expect((await list('status=failed')).map((r) => r.id)).toContain(failing.runId);
    expect((await list('status=completed&limit=200')).map((r) => r.id)).toEqual(expect.arrayContaining([live.runId, test.runId]));
    expect((await list('status=completed&limit=200')).map((r) => r.id)).not.toContain(failing.runId);
    expect((await list(`flowId=${ok}&limit=1`)).length).toBe(1);
    expect(await list(`flowId=${ok}&from=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);

    const wrong = expectError(await api.request('GET', '/api/runs?status=sleeping'), 400, 'VALIDATION_FAILED', /Invalid query parameter/);
    expect(wrong.details).toEqual([expect.objectContaining({ in: 'query parameter', path: ['status'] })]);
  });
});

describe('schedules', () => {
  it('publishes a schedule flow and answers each schedule route: read, pause, resume, run now, backfill, the test schedule, unpublish', async () => {
    const flowId = await createFlow('Weekly digest', {
      trigger: { type: 'schedule', cron: '0 9 * * 1', timezone: 'Europe/Berlin' },
      nodes: [{ id: 'done', type: 'end', output: { $expr: 'trigger.data' } }],
      edges: [{ from: 'trigger', to: 'done' }],
    });
    await publish(flowId);
    const base = `/api/flows/${flowId}/schedules`;
    const read = await api.request('GET', `${base}/live`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({ mode: 'live', state: 'active', timezone: 'Europe/Berlin', overlap: 'skip', catchupWindowMs: 60_000 });
    expect(read.body.nextFireTimes).toHaveLength(10);
    // Another workspace's flow schedule is a 404, like a missing one.
    const other = await api.createWorkspace('Schedule outsider');
    expect((await api.request('GET', `${base}/live`, { key: other.keys.live })).status).toBe(404);
    expect((await api.request('POST', `${base}/live/pause`, { key: other.keys.live, body: {} })).status).toBe(404);
    const paused = await api.request('POST', `${base}/live/pause`, { body: { note: 'holidays' } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', note: 'holidays' });
    const resumed = await api.request('POST', `${base}/live/resume`, { body: {} });
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('active');
    expect((await api.request('POST', `${base}/live/run`)).status).toBe(202);
    const backfill = await api.request('POST', `${base}/live/backfill`, { body: { from: '2026-11-01T00:00:00Z', to: '2026-11-15T00:00:00Z' } });
    expect(backfill.status, JSON.stringify(backfill.body)).toBe(202);
    // Mondays 2 and 9 November 2026, 09:00 in Berlin (CET).
    expect(backfill.body).toMatchObject({ fires: 2, scheduledTimes: ['2026-11-02T08:00:00.000Z', '2026-11-09T08:00:00.000Z'] });
    const deadline = Date.now() + 15_000;
    let runs: ApiBody[] = [];
    while (runs.length < 3 && Date.now() < deadline) {
      runs = (await api.request('GET', `/api/runs?flowId=${flowId}&trigger=schedule`)).body.runs;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runs).toHaveLength(3);
    const created = await api.request('PUT', `${base}/test`);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.mode).toBe('test');
    expect((await api.request('DELETE', `${base}/test`)).status).toBe(204);
    const unpublished = await api.request('POST', `/api/flows/${flowId}/unpublish`);
    expect(unpublished.status).toBe(200);
    expect(unpublished.body).toEqual({ flowId, publishedVersion: 1, published: false });
    // The flow says so too (the editor shows "Unpublished (was v1)"); publishing again clears it.
    expect((await api.request('GET', `/api/flows/${flowId}`)).body).toMatchObject({ publishedVersion: 1, unpublished: true });
    expect((await api.request('GET', `${base}/live`)).status).toBe(409);
  });
});

describe('auth and isolation', () => {
  it('refuses a missing or wrong key with 401', async () => {
    expectError(await api.request('GET', '/api/flows', { key: null }), 401, 'UNAUTHORIZED', /Authorization: Bearer/);
    expectError(await api.request('GET', '/api/flows', { key: 'sy_live_not-a-real-key' }), 401, 'UNAUTHORIZED', /not valid/);
    expectError(await api.request('POST', '/v1/events', { key: null, body: { name: 'x' } }), 401, 'UNAUTHORIZED');
    expectError(await api.request('GET', '/api/flows', { key: null, headers: { authorization: `Basic ${api.keys.live}` } }), 401, 'UNAUTHORIZED');
    // X-Api-Key works too.
    expect((await api.request('GET', '/api/flows', { key: null, headers: { 'x-api-key': api.keys.live } })).status).toBe(200);
  });

  it("hides another workspace's flows and runs (404)", async () => {
    const other = await api.createWorkspace();
    expect(other.workspaceId).not.toBe(api.workspaceId);
    const event = `isolated.${crypto.randomUUID()}`;
    const mine = await createFlow('Mine', eventFlow(event, [transform('m', '"mine"')]));
    await publish(mine);
    const { runId } = await startManualRun(mine);
    await pollRun(runId);
    const key = other.keys.live;

    expectError(await api.request('GET', `/api/flows/${mine}`, { key }), 404, 'NOT_FOUND');
    expectError(await api.request('PATCH', `/api/flows/${mine}`, { key, body: { name: 'stolen' } }), 404, 'NOT_FOUND');
    expectError(await api.request('POST', `/api/flows/${mine}/publish`, { key, body: {} }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `/api/flows/${mine}/versions`, { key }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `/api/flows/${mine}/versions/1`, { key }), 404, 'NOT_FOUND');
    expectError(await api.request('POST', `/api/flows/${mine}/runs`, { key, body: {} }), 404, 'NOT_FOUND');
    expectError(await api.request('DELETE', `/api/flows/${mine}`, { key }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `/api/runs/${runId}`, { key }), 404, 'NOT_FOUND');
    expectError(await api.request('POST', `/api/runs/${runId}/cancel`, { key }), 404, 'NOT_FOUND');
    expect((await api.request('GET', '/api/flows', { key })).body).toEqual({ flows: [] });
    expect((await api.request('GET', '/api/runs', { key })).body).toEqual({ runs: [] });
    expect((await api.request('GET', `/api/runs?flowId=${mine}`, { key: other.keys.test })).body).toEqual({ runs: [] });
    // Its events start none of this workspace's flows.
    expect((await api.request('POST', '/v1/events', { key, body: { name: event, id: 'e1' } })).body.runs).toEqual([]);

    // The other workspace works on its own, and the first cannot see it either.
    const theirs = await createFlow('Theirs', manualFlow([transform('t', '"theirs"')]), key);
    expectError(await api.request('GET', `/api/flows/${theirs}`), 404, 'NOT_FOUND');
    expect((await api.request('GET', `/api/flows/${mine}`)).body.name).toBe('Mine');
  });
});

describe('limits', () => {
  it('refuses a body over the limit with 413', async () => {
    const big = 'x'.repeat(150 * 1024);
    const error = expectError(
      await api.request('POST', '/api/flows', { body: { name: 'big', document: manualFlow([transform('a', `"${big}"`)]) } }),
      413,
      'PAYLOAD_TOO_LARGE',
      /larger than the limit of 102400 bytes/,
    );
    expect(error.details).toBeUndefined();
    expectError(await api.request('POST', '/v1/events', { body: { name: 'big', data: { big } } }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('Temporal unreachable', () => {
  let down: TestApi;
  let address: string;

  beforeAll(async () => {
    address = `127.0.0.1:${await freePort()}`; // nothing listens there
    down = await startTestApi({ taskQueue: `down-${crypto.randomUUID()}`, temporalAddress: address, deadlineMs: 500 });
  });
  afterAll(async () => {
    await down?.close();
  });

  it('answers 503 TEMPORAL_UNAVAILABLE for a run or an event, and records no run', async () => {
    const started = Date.now();
    const post = (path: string, body: unknown) => down.request('POST', path, { key: down.keys.live, body });
    const created = await post('/api/flows', { name: 'Down', document: eventFlow('down.event', [transform('x', '1')]) });
    expect(created.status).toBe(201);
    expect((await post(`/api/flows/${created.body.id}/publish`, {})).status).toBe(201);

    const run = await post(`/api/flows/${created.body.id}/runs`, { input: { a: 1 } });
    expectError(run, 503, 'TEMPORAL_UNAVAILABLE', new RegExp(`Temporal at ${address} is unreachable; nothing was started`));
    const event = await post('/v1/events', { name: 'down.event', id: 'evt-down' });
    expectError(event, 503, 'TEMPORAL_UNAVAILABLE', /is unreachable/);
    expect((await down.request('GET', '/api/runs', { key: down.keys.live })).body).toEqual({ runs: [] });
    expect(await down.db.selectFrom('runs').selectAll().execute()).toEqual([]);

    // Health says which dependency is down.
    const health = await down.request('GET', '/api/health', { key: null });
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ ok: false, database: 'up', temporal: 'down' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
