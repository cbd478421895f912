import crypto from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookSourceId } from '#core/webhooks';
import { startTestApi, type TestApi } from '../helpers/api';
import { malformedCorpus } from '../helpers/malformed-signatures';
import { rawRequest } from '../helpers/raw-http';
import { githubIssueEvent, signDelivery, slackEvent, standardEvent, stripeEvent, webhookSecret } from '../helpers/webhook-signing';

/**
 * The malformed-header corpus (test/helpers/malformed-signatures.ts, 50+ cases per source) sent over HTTP to
 * a published endpoint of each source: every case is answered 4xx with the standard error body, never 5xx,
 * and the endpoint still accepts a good delivery afterwards. Then Stripe's several `t=`, read as stripe-node
 * reads them: the last one counts.
 */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `malformed-${Date.now()}` });
}, 60_000);
afterAll(async () => {
  await api?.close();
});

const bodies: Record<WebhookSourceId, () => string> = {
  stripe: () => stripeEvent('customer.created', { id: `cus_${crypto.randomBytes(6).toString('hex')}`, object: 'customer' }),
  github: () => githubIssueEvent('opened', { number: crypto.randomInt(1e6), title: 'x' }),
  slack: () => slackEvent({ type: 'app_mention', text: 'hi' }),
  standard: () => standardEvent('email.delivered', { id: crypto.randomUUID() }),
  hmac: () => JSON.stringify({ type: 'order.paid', id: crypto.randomUUID() }),
};

async function publishFor(source: WebhookSourceId): Promise<{ url: string; secret: string }> {
  const secret = webhookSecret(source);
  const name = `${source.toUpperCase()}_MALFORMED`;
  await api.secrets.put(api.workspaceId, name, { live: secret });
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: `${source} malformed`,
      document: {
        trigger: { type: 'webhook', source, secrets: [name], ...(source === 'hmac' ? { header: 'X-Acme-Signature' } : {}) },
        nodes: [{ id: 'done', type: 'end', output: 'ok' }],
        edges: [{ from: 'trigger', to: 'done' }],
      },
    },
  });
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return { url: api.url + published.body.webhook.livePath, secret };
}

const sources = Object.keys(bodies) as WebhookSourceId[];

describe.each(sources)('%s endpoint', (source) => {
  it('answers every malformed signature header 4xx, never 5xx, and still takes a good delivery', async () => {
    const { url, secret } = await publishFor(source);
    const valid = await signDelivery(source, { secret, body: bodies[source](), header: 'x-acme-signature' });
    const corpus = malformedCorpus(source, valid);
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    for (const m of corpus) {
      const res = await rawRequest(url, { headers: m.headers, body: m.body });
      expect(res.status, `${m.what}: ${JSON.stringify(res.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, m.what).toBeLessThan(500);
      expect(res.body.error, m.what).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    const good = await rawRequest(url, { headers: valid.headers, body: valid.body });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
  }, 60_000);
});

describe('Stripe-Signature with several t=', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const header = (secret: string, body: string, t: number) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });

  it('follows the last one: accepted when it is fresh and signed, refused when it is stale or ahead, whatever comes first', async () => {
    const { url, secret } = await publishFor('stripe');
    const send = (body: string, signature: string) => rawRequest(url, { headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });

    const fresh = bodies.stripe();
    const accepted = await send(fresh, `t=${now() - 3600},${header(secret, fresh, now())}`);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);

    for (const late of [now() - 3600, now() + 3600]) {
      const body = bodies.stripe();
      const res = await send(body, `t=${now()},${header(secret, body, late)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(401);
      expect(res.body.error.code).toBe('TIMESTAMP_OUT_OF_RANGE');
    }

    const body = bodies.stripe();
    const res = await send(body, `${header(secret, body, now() - 5)},t=${now()}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('SIGNATURE_INVALID');
  }, 30_000);
});
