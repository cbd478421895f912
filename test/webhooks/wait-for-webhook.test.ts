import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';
import { signDelivery, stripeEvent } from '../helpers/webhook-signing';
import { startStripeMock, type StripeMock } from '../peers/stripe-mock';

// stripe-mock accepts any sk_test_<word> key; the run is live, so the live slot holds one.
const STRIPE_KEY = `sk_test_Wait${crypto.randomBytes(8).toString('hex')}`;
const SIGNING_SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;

let api: TestApi;
let mock: StripeMock;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let flowId: string;
let inboxUrl: string;

beforeAll(async () => {
  mock = await startStripeMock();
  api = await startTestApi({ taskQueue: `wait-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue, endpoints: { stripe: mock.url } });
  await api.secrets.put(api.workspaceId, 'STRIPE_SECRET_KEY', { live: STRIPE_KEY });
  await api.secrets.put(api.workspaceId, 'STRIPE_WEBHOOK_SECRET', { live: SIGNING_SECRET });
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: 'Pay for the order',
      document: {
        trigger: { type: 'manual' },
        nodes: [
          {
            id: 'link',
            type: 'action',
            action: 'stripe.create-payment-link@1',
            inputs: {
              lineItems: [{ name: 'Tea box', unitAmount: 1999, currency: 'USD', quantity: 1 }],
              metadata: { order_id: { $expr: 'trigger.data.orderId' } },
            },
          },
          {
            id: 'paid',
            type: 'waitForWebhook',
            source: 'stripe',
            event: 'payment_intent.succeeded',
            match: { field: 'data.object.metadata.order_id', equals: { $expr: 'trigger.data.orderId' } },
            timeout: '5s',
          },
          { id: 'thanks', type: 'end', output: { paid: true, link: { $expr: 'nodes.link.url' }, paymentIntent: { $expr: 'nodes.paid.event.data.object.id' } } },
          { id: 'expired', type: 'end', output: { paid: false, link: { $expr: 'nodes.link.url' } } },
        ],
        edges: [
          { from: 'trigger', to: 'link' },
          { from: 'link', to: 'paid' },
          { from: 'paid', to: 'thanks' },
          { from: 'paid', to: 'expired', branch: 'timeout' },
        ],
      },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.problems).toEqual([]);
  flowId = created.body.id;
  const published = await api.request('POST', `/api/flows/${flowId}/publish`, { body: { note: 'v1' } });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  const endpoints = await api.request('GET', '/api/webhooks/endpoints');
  const inbox = endpoints.body.endpoints.find((e: { kind: string; source: string }) => e.kind === 'inbox' && e.source === 'stripe');
  expect(inbox, 'publishing a flow with a waitForWebhook node creates the stripe inbox').toBeTruthy();
  inboxUrl = inbox.urls.live;
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await mock?.stop();
});

async function startRun(orderId: string): Promise<string> {
  const res = await api.request('POST', `/api/flows/${flowId}/runs`, { body: { input: { orderId } } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.runId as string;
}

async function sendPaymentSucceeded(orderId: string, secret = SIGNING_SECRET) {
  const pi = `pi_${crypto.randomBytes(8).toString('hex')}`;
  const signed = await signDelivery('stripe', {
    secret,
    body: stripeEvent('payment_intent.succeeded', { id: pi, object: 'payment_intent', metadata: { order_id: orderId } }),
  });
  const res = await fetch(inboxUrl, { method: 'POST', headers: signed.headers, body: signed.body });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads loosely typed JSON
  return { status: res.status, body: (await res.json()) as Record<string, any>, pi };
}

const finished = (runId: string) =>
  pollUntil(
    `run ${runId} to end`,
    async () => {
      const r = await api.request('GET', `/api/runs/${runId}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    },
    30_000,
  );

describe('waitForWebhook', () => {
  it('continues when the matching signed Stripe event arrives; a run without one takes the timeout branch', async () => {
    const paying = await startRun('ord_A');
    const abandoned = await startRun('ord_B');
    // Both runs created their payment link and wait (the wait is registered before the node sleeps).
    await pollUntil(
      'both waits registered',
      async () => ((await api.db.selectFrom('webhook_waits').select('id').where('status', '=', 'waiting').execute()).length >= 2 ? true : undefined),
      20_000,
    );

    // While it waits the node says so (the run holds no worker: the wait is a durable timer).
    const waitingRun = await pollUntil(
      'the wait node to show waitingForEvent',
      async () => {
        const r = await api.request('GET', `/api/runs/${paying}`);
        return r.body.nodes.some((n: { nodeId: string; status: string }) => n.nodeId === 'paid' && n.status === 'waitingForEvent') ? r.body : undefined;
      },
      10_000,
    );
    expect(waitingRun.status).toBe('running');

    // Not for us: wrong secret (refused), another order (kept as unmatched), another event type.
    expect((await sendPaymentSucceeded('ord_A', `whsec_${crypto.randomBytes(24).toString('base64')}`)).status).toBe(401);
    const other = await sendPaymentSucceeded('ord_other');
    expect(other.body).toMatchObject({ status: 'unmatched' });

    const payment = await sendPaymentSucceeded('ord_A');
    expect(payment.status, JSON.stringify(payment.body)).toBe(200);
    expect(payment.body).toMatchObject({ status: 'matched', runId: paying });

    const paid = await finished(paying);
    expect(paid.status).toBe('completed');
    expect(paid.output).toMatchObject({ paid: true, paymentIntent: payment.pi, link: expect.stringMatching(/^https:\/\//) });
    expect(paid.nodes.find((n: { nodeId: string }) => n.nodeId === 'paid')).toMatchObject({
      status: 'succeeded',
      output: { received: true, eventType: 'payment_intent.succeeded' },
    });

    const timedOut = await finished(abandoned);
    expect(timedOut.status).toBe('completed');
    expect(timedOut.output).toMatchObject({ paid: false });
    expect(timedOut.nodes.find((n: { nodeId: string }) => n.nodeId === 'paid')).toMatchObject({ branch: 'timeout', output: { received: false } });

    const unmatched = await api.request('GET', '/api/webhooks/deliveries?status=unmatched');
    expect(unmatched.body.deliveries.map((d: { id: string }) => d.id)).toContain(other.body.deliveryId);
  }, 60_000);

  it('an event that arrives just before the wait is registered is not lost', async () => {
    const early = await sendPaymentSucceeded('ord_C');
    expect(early.body).toMatchObject({ status: 'unmatched' });
    const run = await startRun('ord_C');
    const done = await finished(run);
    expect(done.output).toMatchObject({ paid: true, paymentIntent: early.pi });
    const delivery = await api.request('GET', `/api/webhooks/deliveries/${early.body.deliveryId}`);
    expect(delivery.body).toMatchObject({ status: 'matched', runId: run });
    // The same event again finds its first delivery handled: a copy, not a second payment.
    const copy = await fetch(inboxUrl, { method: 'POST', headers: (await resign(delivery.body.body)).headers, body: delivery.body.body });
    expect(await copy.json()).toMatchObject({ status: 'duplicate', duplicateOf: early.body.deliveryId });
  }, 60_000);
});

function resign(body: string) {
  return signDelivery('stripe', { secret: SIGNING_SECRET, body });
}
