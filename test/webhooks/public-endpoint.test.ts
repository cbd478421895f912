import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { startTestWorker } from '../helpers/temporal';
import { pollUntil } from '../helpers/processes';
import { freePort } from '../helpers/ports';

let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `hooks-${Date.now()}`, webhookBodyLimit: '2kb' });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

async function publishHookFlow(trigger: object): Promise<{ flowId: string; live: string; test: string; warnings?: unknown }> {
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: 'Hook',
      document: { trigger, nodes: [{ id: 'done', type: 'end', output: { $expr: 'trigger.data' } }], edges: [{ from: 'trigger', to: 'done' }] },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return { flowId: created.body.id, live: published.body.webhook.livePath, test: published.body.webhook.testPath, warnings: published.body.warnings };
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(api.url + path, { method: 'POST', headers, body });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads loosely typed JSON
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('a public webhook endpoint', () => {
  it('needs its token, starts one run per event id, and keeps a log without the token', async () => {
    const hook = await publishHookFlow({ type: 'webhook', source: 'public', secrets: ['ORDERS_HOOK_TOKEN'] });
    expect(hook.warnings).toEqual([expect.objectContaining({ code: 'MISSING_SETUP_VARIABLE', message: expect.stringContaining('ORDERS_HOOK_TOKEN') })]);
    expect(hook.live).toMatch(/^\/hooks\/wh_live_[A-Za-z0-9_-]{43}$/);
    const json = { 'content-type': 'application/json' };
    const noSecret = await post(hook.live, '{"n":1}', { ...json, 'x-switchyard-token': 'anything' });
    expect(noSecret.status).toBe(401);
    // The sender learns only that the endpoint is not ready; the secret's name is in the workspace's log.
    expect(noSecret.body.error.message).toMatch(/no signing secret is set/);
    expect(noSecret.body.error.message).not.toMatch(/ORDERS_HOOK_TOKEN/);
    const notReady = await api.request('GET', '/api/webhooks/deliveries?status=rejected');
    expect(notReady.body.deliveries[0].error).toMatch(/ORDERS_HOOK_TOKEN/);

    await api.secrets.put(api.workspaceId, 'ORDERS_HOOK_TOKEN', { live: 'tok-live-1', test: 'tok-test-1' });
    expect((await post(hook.live, '{"n":1}', json)).status).toBe(401);
    expect((await post(hook.live, '{"n":1}', { ...json, 'x-switchyard-token': 'tok-test-1' })).status).toBe(401);
    expect((await post(hook.live, '{"n":1}', { 'content-type': 'text/plain', 'x-switchyard-token': 'tok-live-1' })).status).toBe(415);
    expect((await post(hook.live, 'x'.repeat(3000), { ...json, 'x-switchyard-token': 'tok-live-1' })).status).toBe(413);
    expect((await post('/hooks/wh_live_nope', '{}', json)).status).toBe(404);

    const headers = { ...json, 'x-switchyard-token': 'tok-live-1', 'idempotency-key': 'order-42' };
    const first = await post(hook.live, '{"order":42}', headers);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ received: true, status: 'delivered', runId: expect.stringMatching(/^run_/) });
    const again = await post(hook.live, '{"order":42}', headers);
    expect(again.body).toMatchObject({ status: 'duplicate', runId: first.body.runId });

    const test = await post(hook.test, '{"order":42}', { ...headers, 'x-switchyard-token': 'tok-test-1' });
    expect(test.body).toMatchObject({ status: 'delivered' });
    expect(test.body.runId).not.toBe(first.body.runId);

    const run = await pollUntil(
      'the webhook run to complete',
      async () => {
        const r = await api.request('GET', `/api/runs/${first.body.runId}`);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      20_000,
    );
    expect(run.trigger).toMatchObject({ type: 'webhook', id: 'order-42', data: { order: 42 } });
    expect(run.output).toEqual({ order: 42 });
    const testRun = await api.request('GET', `/api/runs/${test.body.runId}`);
    expect(testRun.body.mode).toBe('test');

    const log = await api.request('GET', '/api/webhooks/deliveries?limit=200');
    const statuses = log.body.deliveries.map((d: { status: string }) => d.status);
    expect(statuses.filter((s: string) => s === 'rejected')).toHaveLength(4);
    expect(statuses.filter((s: string) => s === 'delivered')).toHaveLength(2);
    expect(statuses.filter((s: string) => s === 'duplicate')).toHaveLength(1);
    const detail = await api.request('GET', `/api/webhooks/deliveries/${first.body.deliveryId}`);
    expect(detail.body.headers['x-switchyard-token']).toBe('[removed]');
    expect(JSON.stringify(detail.body)).not.toContain('tok-live-1');
    expect(detail.body.body).toBe('{"order":42}');

    // Replay starts a new run of the flow.
    const replay = await api.request('POST', `/api/webhooks/deliveries/${first.body.deliveryId}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    expect(replay.body).toMatchObject({ replayOf: first.body.deliveryId, status: 'delivered' });
    expect(replay.body.runId).not.toBe(first.body.runId);

    const endpoints = await api.request('GET', '/api/webhooks/endpoints');
    expect(endpoints.body.endpoints[0]).toMatchObject({ kind: 'trigger', source: 'public', urls: { live: api.url + hook.live, test: api.url + hook.test } });
  }, 60_000);
});

describe('an event filter', () => {
  it('starts the flow only for the listed event types; others are logged as ignored and answered 200', async () => {
    await api.secrets.put(api.workspaceId, 'PAID_HOOK_TOKEN', { live: 'tok-paid' });
    const hook = await publishHookFlow({ type: 'webhook', source: 'public', secrets: ['PAID_HOOK_TOKEN'], events: ['order.paid'] });
    const headers = { 'content-type': 'application/json', 'x-switchyard-token': 'tok-paid' };
    const refunded = await post(hook.live, '{"type":"order.refunded","id":1}', headers);
    expect(refunded).toMatchObject({ status: 200, body: { status: 'ignored' } });
    const paid = await post(hook.live, '{"type":"order.paid","id":1}', headers);
    expect(paid).toMatchObject({ status: 200, body: { status: 'delivered', runId: expect.stringMatching(/^run_/) } });
  }, 30_000);
});

describe('Temporal unreachable', () => {
  it('answers 503 with Retry-After, so the sender retries, and records the delivery as failed with no run', async () => {
    const address = `127.0.0.1:${await freePort()}`; // nothing listens there
    const down = await startTestApi({ taskQueue: `down-${Date.now()}`, temporalAddress: address, deadlineMs: 500 });
    try {
      await down.secrets.put(down.workspaceId, 'WEBHOOK_TOKEN', { live: 'tok' });
      const created = await down.request('POST', '/api/flows', {
        body: {
          name: 'Hook',
          document: { trigger: { type: 'webhook', source: 'public' }, nodes: [{ id: 'done', type: 'end' }], edges: [{ from: 'trigger', to: 'done' }] },
        },
      });
      const published = await down.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
      const res = await fetch(down.url + published.body.webhook.livePath, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchyard-token': 'tok', 'idempotency-key': 'evt-1' },
        body: '{"a":1}',
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/unreachable.*send it again/);
      const log = await down.request('GET', '/api/webhooks/deliveries');
      expect(log.body.deliveries).toEqual([expect.objectContaining({ status: 'failed', verified: true, eventId: 'evt-1', runId: null })]);
      expect(await down.db.selectFrom('runs').selectAll().execute()).toEqual([]);
    } finally {
      await down.close();
    }
  }, 30_000);
});
