import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { startTestWorker } from '../helpers/temporal';

/**
 * Test this step, against the real worker and Temporal dev server: one action step of an unsaved document runs once
 * in test mode, its input resolved from pinned samples and upstream outputs; a failure is an answer; what cannot be
 * tested is a 422 naming the step.
 */
const taskQueue = `test-step-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
let flowId: string;

beforeAll(async () => {
  peer = await startHttpPeer((hit) => {
    if (hit.path.startsWith('/orders/')) return { body: { id: hit.path.split('/')[2], total: 4200 } };
    if (hit.path.startsWith('/customers/')) return { body: { customer: hit.path.split('/')[2] } };
    return { status: 500, body: { error: 'boom' } };
  });
  api = await startTestApi({ taskQueue });
  worker = await startTestWorker({ db: api.db, taskQueue });
  const created = await api.request('POST', '/api/flows', { body: { name: 'orders', document: doc() } });
  expect(created.status).toBe(201);
  flowId = created.body.id;
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await peer?.close();
});

function doc(pinned?: Record<string, unknown>) {
  return {
    trigger: { type: 'event', event: 'order.placed' },
    nodes: [
      { id: 'order', type: 'action', action: 'http.request@1', inputs: { url: { $expr: `"${peer.url}/orders/" & trigger.data.orderId` } } },
      { id: 'customer', type: 'action', action: 'http.request@1', inputs: { url: { $expr: `"${peer.url}/customers/c-" & nodes.order.body.id` } } },
      { id: 'broken', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/broken` } },
      { id: 'big', type: 'condition', condition: 'nodes.order.body.total > 1000' },
    ],
    edges: [
      { from: 'trigger', to: 'order' },
      { from: 'order', to: 'customer' },
      { from: 'customer', to: 'broken' },
      { from: 'broken', to: 'big' },
    ],
    ...(pinned ? { pinned } : {}),
  };
}

describe('Test this step', () => {
  it("runs one step of the unsaved document in test mode, its input from the trigger's pinned sample", async () => {
    const before = peer.hits.length;
    const res = await api.request('POST', `/api/flows/${flowId}/nodes/order/test`, { body: { document: doc({ trigger: { orderId: 'ord_7' } }) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      nodeId: 'order',
      input: { url: `${peer.url}/orders/ord_7` },
      output: { status: 200, body: { id: 'ord_7' } },
      credits: 1,
    });
    expect(peer.hits.slice(before).map((h) => h.path)).toEqual(['/orders/ord_7']);
    // Recorded as test usage (list price, nothing charged): the balance is untouched.
    const usage = await api.request('GET', '/api/credits/usage');
    expect(usage.body.byIntegration.find((r: { integration: string; mode: string }) => r.integration === 'http' && r.mode === 'test')).toMatchObject({
      charged: 0,
    });
  });

  it('reads upstream outputs from earlier tests, and pinned outputs over them', async () => {
    const fromOutputs = await api.request('POST', `/api/flows/${flowId}/nodes/customer/test`, {
      body: { document: doc(), outputs: { order: { status: 200, body: { id: 'ord_7' } } } },
    });
    expect(fromOutputs.body).toMatchObject({ ok: true, input: { url: `${peer.url}/customers/c-ord_7` }, output: { body: { customer: 'c-ord_7' } } });
    const pinnedWins = await api.request('POST', `/api/flows/${flowId}/nodes/customer/test`, {
      body: { document: doc({ order: { status: 200, body: { id: 'pinned' } } }), outputs: { order: { status: 200, body: { id: 'ord_7' } } } },
    });
    expect(pinnedWins.body).toMatchObject({ ok: true, input: { url: `${peer.url}/customers/c-pinned` } });
  });

  it('a failing step is an answer with its error, tried once', async () => {
    const before = peer.hits.length;
    const res = await api.request('POST', `/api/flows/${flowId}/nodes/broken/test`, { body: { document: doc() } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, nodeId: 'broken', error: { message: expect.stringMatching(/500/) } });
    expect(peer.hits.length - before).toBe(1);
  });

  it('what cannot be tested is a 422 naming the step; an unknown step or flow is a 404', async () => {
    const condition = await api.request('POST', `/api/flows/${flowId}/nodes/big/test`, { body: { document: doc() } });
    expect(condition.status).toBe(422);
    expect(condition.body.error).toMatchObject({ code: 'STEP_NOT_TESTABLE', message: expect.stringContaining('"big" is a condition step') });
    const bad = doc();
    (bad.nodes[0]!.inputs as Record<string, unknown>).url = { $expr: '"a" & (' };
    const syntax = await api.request('POST', `/api/flows/${flowId}/nodes/order/test`, { body: { document: bad } });
    expect(syntax.status).toBe(422);
    expect(syntax.body.error.message).toMatch(/Step "order": Expression/);
    expect((await api.request('POST', `/api/flows/${flowId}/nodes/nope/test`, { body: { document: doc() } })).status).toBe(404);
    expect((await api.request('POST', `/api/flows/flw_nope/nodes/order/test`, { body: { document: doc() } })).status).toBe(404);
  });

  it('a test key may test a step (it runs in test mode)', async () => {
    const res = await api.request('POST', `/api/flows/${flowId}/nodes/order/test`, {
      body: { document: doc({ trigger: { orderId: 'ord_8' } }) },
      key: api.keys.test,
    });
    expect(res.body).toMatchObject({ ok: true, output: { body: { id: 'ord_8' } } });
  });
});
