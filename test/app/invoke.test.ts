/**
 * Issue 22, part 1: `POST /v1/flows/:flowKey/invoke` on the real API, the real dev server and a real worker; the
 * Stripe flow calls stripe-mock (Stripe's own mock) through the production Stripe client.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';
import { startStripeMock, type StripeMock } from '../peers/stripe-mock';

const STRIPE_KEY = `sk_test_Invoke${crypto.randomBytes(8).toString('hex')}`;

let api: TestApi;
let mock: StripeMock;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  mock = await startStripeMock();
  api = await startTestApi({ taskQueue: `invoke-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue, endpoints: { stripe: mock.url } });
  await api.secrets.put(api.workspaceId, 'STRIPE_SECRET_KEY', { live: STRIPE_KEY, test: STRIPE_KEY });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await mock?.stop();
});

/** Creates and publishes a flow with an invoke trigger; returns its id (the flow key). */
async function publish(name: string, nodes: unknown[], edges?: unknown[]): Promise<string> {
  const ids = nodes.map((n) => (n as { id: string }).id);
  const document = {
    trigger: { type: 'invoke' },
    nodes,
    edges: edges ?? ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })),
  };
  const created = await api.request('POST', '/api/flows', { body: { name, document } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.problems).toEqual([]);
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: { note: 'v1' } });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return created.body.id as string;
}

const transform = (id: string, expression: string, data: unknown = { $expr: 'trigger.data' }) => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs: { data, expression },
});

const ended = (runId: string) =>
  pollUntil(
    `run ${runId} to end`,
    async () => {
      const r = await api.request('GET', `/api/runs/${runId}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    },
    30_000,
  );

describe('POST /v1/flows/:flowKey/invoke', () => {
  it('answers with the URL of a Stripe checkout session the flow created (stripe-mock), within the wait', async () => {
    const flowKey = await publish('Checkout', [
      {
        id: 'session',
        type: 'action',
        action: 'stripe.create-checkout-session@1',
        inputs: {
          lineItems: [{ name: { $expr: 'trigger.data.product' }, unitAmount: 1999, currency: 'USD', quantity: 1 }],
          successUrl: 'https://shop.example/thanks',
          clientReferenceId: { $expr: 'trigger.data.orderId' },
        },
      },
      { id: 'answer', type: 'end', output: { url: { $expr: 'nodes.session.url' }, sessionId: { $expr: 'nodes.session.id' } } },
    ]);
    const res = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { body: { input: { product: 'Tea box', orderId: 'ord_1' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', duplicate: false, mode: 'live', output: { url: expect.stringMatching(/^https:\/\//) } });
    expect(res.body.output.sessionId).toMatch(/^cs_/);
    expect(res.body.runId).toMatch(/^run_/);
  });

  it('without an end node answers the last node’s output; a test key runs it in test mode', async () => {
    const flowKey = await publish('Greeting', [transform('greet', '{ "hello": data.name }')]);
    const res = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { key: api.keys.test, body: { input: { name: 'Ada' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', mode: 'test', output: { result: { hello: 'Ada' } } });
  });

  it('a slow flow answers 202 with the run id and where to follow it; the run completes', async () => {
    const flowKey = await publish('Slow', [{ id: 'wait', type: 'delay', duration: '3s' }, transform('done', '{ "done": true }')]);
    const started = Date.now();
    const res = await api.request('POST', `/v1/flows/${flowKey}/invoke?wait=1`, { body: { input: {} } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(res.body).toMatchObject({ status: 'running', links: { run: `/v1/runs/${res.body.runId}`, events: `/v1/runs/${res.body.runId}/events` } });
    expect(res.headers.get('location')).toBe(`/v1/runs/${res.body.runId}`);
    const run = await ended(res.body.runId);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ result: { done: true } });
  });

  it('the same Idempotency-Key twice runs the flow once and answers the same; another input with it is refused', async () => {
    const flowKey = await publish('Once', [transform('stamp', '{ "n": data.n * 2 }')]);
    const key = `order-${crypto.randomUUID()}`;
    const first = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { body: { input: { n: 21 } }, headers: { 'idempotency-key': key } });
    const second = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { body: { input: { n: 21 } }, headers: { 'idempotency-key': key } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(first.body).toMatchObject({ duplicate: false, output: { result: { n: 42 } } });
    expect(second.body).toEqual({ ...first.body, duplicate: true });
    const list = await api.request('GET', `/api/runs?flowId=${flowKey}`);
    expect(list.body.runs).toHaveLength(1);

    const other = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { body: { input: { n: 1 } }, headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { runId: first.body.runId } });
    const bad = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { body: {}, headers: { 'idempotency-key': 'has space' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/Idempotency-Key/);
  });

  it('a respond node answers before a later 2-second delay finishes; the run goes on and completes', async () => {
    const flowKey = await publish('Answer early', [
      { id: 'ack', type: 'respond', output: { accepted: true, order: { $expr: 'trigger.data.orderId' } } },
      { id: 'later', type: 'delay', duration: '2s' },
      transform('after', '{ "finished": true }'),
    ]);
    const started = Date.now();
    const res = await api.request('POST', `/v1/flows/${flowKey}/invoke`, { body: { input: { orderId: 'ord_9' } } });
    const took = Date.now() - started;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'running', respondedBy: 'ack', output: { accepted: true, order: 'ord_9' } });
    expect(took).toBeLessThan(2_000);
    const run = await ended(res.body.runId);
    expect(run.status).toBe('completed');
    expect(run.nodes.find((n: { nodeId: string }) => n.nodeId === 'after')).toMatchObject({ status: 'succeeded' });
    // Asked again with nothing new, the same answer (the respond node's), now from the ended run.
    const again = await api.request('POST', `/v1/flows/${flowKey}/invoke`, {
      body: { input: { orderId: 'ord_9' } },
      headers: { 'idempotency-key': `x-${crypto.randomUUID()}` },
    });
    expect(again.status).toBe(200);
  });

  it('a failed node answers 502 naming the node, its error type and message; a parked one answers 409', async () => {
    const call = (onError: string) => ({
      id: 'call',
      type: 'action',
      action: 'http.request@1',
      inputs: { url: 'http://127.0.0.1:9/private', method: 'GET' },
      retry: { maximumAttempts: 1 },
      onError,
    });
    const failing = await publish('Fails', [call('fail')]);
    const failed = await api.request('POST', `/v1/flows/${failing}/invoke`, { body: { input: {} } });
    expect(failed.status, JSON.stringify(failed.body)).toBe(502);
    expect(failed.body.error).toMatchObject({
      code: 'FLOW_FAILED',
      details: { nodeId: 'call', type: expect.any(String), runId: expect.stringMatching(/^run_/) },
    });
    expect(failed.body.error.message).toMatch(/at node "call"/);

    const parking = await publish('Parks', [call('pause')]);
    const parked = await api.request('POST', `/v1/flows/${parking}/invoke`, { body: { input: {} } });
    expect(parked.status, JSON.stringify(parked.body)).toBe(409);
    expect(parked.body.error).toMatchObject({ code: 'RUN_PARKED', details: { nodeId: 'call', status: 'parked' } });
    await api.request('POST', `/api/runs/${parked.body.error.details.runId}/cancel`);
  });

  it('refuses clearly: an unknown flow, a flow on another trigger, a wait over 60 s, a respond node outside an invoked flow', async () => {
    expect((await api.request('POST', '/v1/flows/flw_nope/invoke', { body: {} })).status).toBe(404);
    const created = await api.request('POST', '/api/flows', {
      body: {
        name: 'On event',
        document: { trigger: { type: 'event', event: 'a.b' }, nodes: [{ id: 'ack', type: 'respond' }], edges: [{ from: 'trigger', to: 'ack' }] },
      },
    });
    expect(created.body.problems).toEqual([expect.objectContaining({ code: 'RESPOND_WITHOUT_INVOKE', nodeId: 'ack' })]);
    const eventFlow = await api.request('POST', '/api/flows', {
      body: { name: 'Event', document: { trigger: { type: 'event', event: 'a.b' }, nodes: [transform('t', '1')], edges: [{ from: 'trigger', to: 't' }] } },
    });
    await api.request('POST', `/api/flows/${eventFlow.body.id}/publish`, { body: {} });
    const wrong = await api.request('POST', `/v1/flows/${eventFlow.body.id}/invoke`, { body: {} });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.message).toMatch(/event trigger, not on invoke/);
    const flowKey = await publish('Any', [transform('t', '1')]);
    const tooLong = await api.request('POST', `/v1/flows/${flowKey}/invoke?wait=61`, { body: {} });
    expect(tooLong.status).toBe(400);
  });
});
