import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';

/**
 * A flow's life after its first draft, through the API against the real Temporal dev server: tags and search,
 * duplicate, restore an old version as the draft, disable and enable (events ignored and said so, webhook endpoints
 * 410, manual runs refused), delete with its runs kept, export and import as a file.
 */
const taskQueue = `lifecycle-${crypto.randomUUID()}`;
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
});

afterAll(async () => {
  await api?.close();
});

const transform = (expression: string) => ({
  id: 'shape',
  type: 'action',
  action: 'data.transform@1',
  inputs: { data: { $expr: 'trigger.data' }, expression },
});

async function create(name: string, document: Record<string, unknown>) {
  const res = await api.request('POST', '/api/flows', { body: { name, document } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function publish(flowId: string) {
  const res = await api.request('POST', `/api/flows/${flowId}/publish`, { body: {} });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('the flow lifecycle', () => {
  it('tags flows and finds them by words in the name and by tag', async () => {
    const a = await create('Invoice reminders', { trigger: { type: 'manual' }, nodes: [], edges: [] });
    const b = await create('Welcome e-mail', { trigger: { type: 'manual' }, nodes: [], edges: [] });
    expect((await api.request('PUT', `/api/flows/${a}/tags`, { body: { tags: ['billing', 'reminders'] } })).body.tags).toEqual(['billing', 'reminders']);
    expect((await api.request('PUT', `/api/flows/${b}/tags`, { body: { tags: ['onboarding'] } })).status).toBe(200);
    expect((await api.request('PUT', `/api/flows/${b}/tags`, { body: { tags: ['Not A Tag'] } })).status).toBe(400);
    const ids = async (query: string) => ((await api.request('GET', `/api/flows?${query}`)).body.flows as { id: string }[]).map((f) => f.id);
    expect(await ids('q=invoice')).toEqual([a]);
    expect(await ids('q=WELCOME%20mail')).toEqual([b]);
    expect(await ids('q=%25')).toEqual([]); // LIKE's wildcard is a character like any other
    expect(await ids('tag=billing')).toEqual([a]);
    expect(await ids('tag=bill')).toEqual([]);
    expect((await api.request('GET', '/api/flow-tags')).body.tags).toEqual(expect.arrayContaining(['billing', 'onboarding', 'reminders']));
  });

  it('duplicates a flow as a new unpublished draft', async () => {
    const id = await create('Order sync', {
      trigger: { type: 'event', event: 'order.placed' },
      nodes: [transform('data')],
      edges: [{ from: 'trigger', to: 'shape' }],
    });
    await publish(id);
    const copy = await api.request('POST', `/api/flows/${id}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Order sync (copy)', publishedVersion: null, unpublished: false });
    expect(copy.body.id).not.toBe(id);
    expect(copy.body.document.nodes).toEqual((await api.request('GET', `/api/flows/${id}`)).body.document.nodes);
  });

  it('restores an old version as the draft without publishing it', async () => {
    const id = await create('Versions', { trigger: { type: 'manual' }, nodes: [transform('"v1"')], edges: [{ from: 'trigger', to: 'shape' }] });
    await publish(id);
    expect(
      (await api.request('PATCH', `/api/flows/${id}`, { body: { operations: [{ type: 'updateInput', nodeId: 'shape', input: 'expression', value: '"v2"' }] } }))
        .status,
    ).toBe(200);
    await publish(id);
    const restored = await api.request('POST', `/api/flows/${id}/versions/1/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.publishedVersion).toBe(2);
    expect(restored.body.document.nodes[0].inputs.expression).toBe('"v1"');
    expect((await api.request('POST', `/api/flows/${id}/versions/9/restore`)).status).toBe(404);
  });

  it('a disabled flow starts nothing: events say it was ignored, manual runs are refused, its webhook answers 410; enabled, it starts again', async () => {
    const event = `lifecycle.${crypto.randomUUID().slice(0, 8)}`;
    const id = await create('Disable me', { trigger: { type: 'event', event }, nodes: [transform('data')], edges: [{ from: 'trigger', to: 'shape' }] });
    await publish(id);
    const before = await api.request('POST', '/v1/events', { body: { name: event, data: {} } });
    expect(before.body.runs).toHaveLength(1);

    expect((await api.request('POST', `/api/flows/${id}/unpublish`)).status).toBe(200);
    const ignored = await api.request('POST', '/v1/events', { body: { name: event, data: {} } });
    expect(ignored.status).toBe(202);
    expect(ignored.body).toMatchObject({ runs: [], ignored: [{ flowId: id, reason: 'disabled' }] });
    const manual = await api.request('POST', `/api/flows/${id}/runs`, { body: { input: {}, mode: 'test' } });
    expect(manual.status).toBe(409);
    expect(manual.body.error.message).toMatch(/is disabled.*enable/);
    expect((await api.request('GET', '/api/flows')).body.flows.find((f: { id: string }) => f.id === id)).toMatchObject({ unpublished: true });

    const enabled = await api.request('POST', `/api/flows/${id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ publishedVersion: 1, unpublished: false });
    const after = await api.request('POST', '/v1/events', { body: { name: event, data: {} } });
    expect(after.body.runs).toHaveLength(1);
    expect(after.body.ignored).toBeUndefined();
    const never = await create('Never published', { trigger: { type: 'manual' }, nodes: [], edges: [] });
    expect((await api.request('POST', `/api/flows/${never}/enable`)).status).toBe(409);
  });

  it("a disabled webhook flow's endpoint answers 410, and the same URL works again once enabled", async () => {
    const token = `tok_${crypto.randomUUID()}`;
    expect((await api.request('PUT', '/api/secrets/LIFECYCLE_HOOK_TOKEN', { body: { live: token } })).status).toBe(200);
    const id = await create('Hooked', {
      trigger: { type: 'webhook', source: 'public', secrets: ['LIFECYCLE_HOOK_TOKEN'] },
      nodes: [transform('data')],
      edges: [{ from: 'trigger', to: 'shape' }],
    });
    const published = await publish(id);
    const deliver = () =>
      api.request('POST', published.webhook.livePath, { key: null, body: { id: crypto.randomUUID() }, headers: { 'x-switchyard-token': token } });
    expect((await deliver()).status).toBeLessThan(300);
    expect((await api.request('POST', `/api/flows/${id}/unpublish`)).status).toBe(200);
    const gone = await deliver();
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('ENDPOINT_DISABLED');
    expect((await api.request('POST', `/api/flows/${id}/enable`)).status).toBe(200);
    expect((await deliver()).status).toBeLessThan(300);
  });

  it('deletes a flow: gone from the list and the API, its runs still readable', async () => {
    const id = await create('Delete me', { trigger: { type: 'manual' }, nodes: [transform('data')], edges: [{ from: 'trigger', to: 'shape' }] });
    await publish(id);
    const run = await api.request('POST', `/api/flows/${id}/runs`, { body: { input: {}, mode: 'test' } });
    expect(run.status).toBe(201);
    expect((await api.request('DELETE', `/api/flows/${id}`)).status).toBe(204);
    expect((await api.request('GET', `/api/flows/${id}`)).status).toBe(404);
    expect(((await api.request('GET', '/api/flows?limit=200')).body.flows as { id: string }[]).some((f) => f.id === id)).toBe(false);
    expect((await api.request('GET', `/api/runs/${run.body.runId}`)).status).toBe(200);
  });

  it('exports a flow as a file (secret names, never values or pinned samples) and imports it elsewhere, reporting what is missing', async () => {
    const secret = `sk_test_${crypto.randomUUID()}`;
    expect((await api.request('PUT', '/api/secrets/STRIPE_SECRET_KEY', { body: { live: secret } })).status).toBe(200);
    const id = await create('Charge', {
      trigger: { type: 'event', event: 'order.placed' },
      nodes: [{ id: 'charge', type: 'action', action: 'stripe.create-customer@1', inputs: { email: { $expr: 'trigger.data.email' } } }],
      edges: [{ from: 'trigger', to: 'charge' }],
      pinned: { trigger: { email: 'ada@example.com' } },
    });
    await api.request('PUT', `/api/flows/${id}/tags`, { body: { tags: ['billing'] } });
    const exported = await api.request('GET', `/api/flows/${id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      format: 'switchyard.flow',
      formatVersion: 1,
      name: 'Charge',
      tags: ['billing'],
      requires: { integrations: ['stripe'], secrets: ['STRIPE_SECRET_KEY'] },
    });
    const text = JSON.stringify(exported.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('ada@example.com');

    const other = await api.createWorkspace('Importer');
    const imported = await api.request('POST', '/api/flows/import', { body: exported.body, key: other.keys.live });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body.flow).toMatchObject({ name: 'Charge', tags: ['billing'], publishedVersion: null });
    expect(imported.body.flow.document.nodes).toEqual(exported.body.document.nodes);
    expect(imported.body.missing).toEqual({ actions: [], secrets: ['STRIPE_SECRET_KEY'] });
    // Round trip: exported again, the same flow.
    const again = await api.request('GET', `/api/flows/${imported.body.flow.id}/export`, { key: other.keys.live });
    expect(again.body.document).toEqual(exported.body.document);

    const unknown = structuredClone(exported.body);
    unknown.document.nodes[0].action = 'nowhere.do-it@1';
    expect((await api.request('POST', '/api/flows/import', { body: unknown, key: other.keys.live })).body.missing.actions).toEqual(['nowhere.do-it@1']);
    const notAFlow = await api.request('POST', '/api/flows/import', { body: { hello: 'world' } });
    expect(notAFlow.status).toBe(422);
    expect(notAFlow.body.error.message).toMatch(/not a Switchyard flow file/);
    const broken = await api.request('POST', '/api/flows/import', {
      body: { ...exported.body, document: { trigger: { type: 'nope' }, nodes: [], edges: [] } },
    });
    expect(broken.status).toBe(400);
  });
});
