import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';
import { signDelivery, stripeEvent, webhookSecret, type SignedDelivery } from '../helpers/webhook-signing';

let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `dedupe-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

it('1,000 distinct Stripe events each delivered 3 times (some as 10 concurrent copies) start exactly 1,000 runs', async () => {
  const secret = webhookSecret('stripe');
  await api.secrets.put(api.workspaceId, 'STRIPE_WEBHOOK_SECRET', { live: secret });
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: 'Customer created',
      document: {
        trigger: { type: 'webhook', source: 'stripe' },
        nodes: [{ id: 'done', type: 'end', output: { customer: { $expr: 'trigger.data.data.object.id' } } }],
        edges: [{ from: 'trigger', to: 'done' }],
      },
    },
  });
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
  const url = api.url + published.body.webhook.livePath;

  const events: SignedDelivery[] = [];
  for (let i = 0; i < 1000; i++) {
    events.push(await signDelivery('stripe', { secret, body: stripeEvent('customer.created', { id: `cus_${i}`, object: 'customer' }, `evt_dedupe_${i}`) }));
  }
  const send = async (d: SignedDelivery) => {
    const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
    const body = (await res.json()) as { status: string; runId: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  };
  // Every tenth event arrives as a burst of 10 concurrent copies; every event is also resent twice later, in another order.
  const bursts: (() => Promise<unknown>)[] = events.filter((_, i) => i % 10 === 0).map((d) => () => Promise.all(Array.from({ length: 10 }, () => send(d))));
  const firsts: (() => Promise<unknown>)[] = events.filter((_, i) => i % 10 !== 0).map((d) => () => send(d));
  await pool([...bursts, ...firsts], 8);
  const shuffled = [...events].sort(() => Math.random() - 0.5);
  const resends = await pool(
    [...shuffled, ...shuffled.reverse()].map((d) => () => send(d)),
    16,
  );
  expect(resends.every((r) => r.status === 'duplicate')).toBe(true);

  const endpoint = published.body.webhook.endpointId as string;
  const runs = () => api.db.selectFrom('runs').select(['id', 'workflow_id', 'status']).where('workflow_id', 'like', `webhook:${endpoint}:%`).execute();
  expect(await runs()).toHaveLength(1000);
  expect(new Set((await runs()).map((r) => r.workflow_id)).size).toBe(1000);
  // …and every one of them ran, once.
  await pollUntil('all 1,000 runs to complete', async () => ((await runs()).every((r) => r.status === 'completed') ? true : undefined), 120_000, 1000);
  const deliveries = await api.db.selectFrom('webhook_deliveries').select(['status']).where('endpoint_id', '=', endpoint).execute();
  expect(deliveries).toHaveLength(100 * 10 + 900 + 2000);
  expect(deliveries.filter((d) => d.status === 'delivered')).toHaveLength(1000);
}, 240_000);
