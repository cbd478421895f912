import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookSourceId } from '#core/webhooks';
import { startTestApi, type TestApi } from '../helpers/api';
import { startTestWorker } from '../helpers/temporal';
import { githubIssueEvent, signDelivery, slackEvent, standardEvent, stripeEvent, webhookSecret, type SignedDelivery } from '../helpers/webhook-signing';

/**
 * The signature vectors of every verifier, end to end through `POST /hooks/:id` (the verifier unit tests in
 * catalog/webhooks cover more cases per scheme): good deliveries start a run, bad ones get a 4xx and start
 * nothing. Signatures are made by the providers' own libraries (see webhook-signing.ts).
 */
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `sig-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

const bodies: Record<WebhookSourceId, () => string> = {
  stripe: () => stripeEvent('customer.created', { id: `cus_${crypto.randomBytes(6).toString('hex')}`, object: 'customer' }),
  github: () => githubIssueEvent('opened', { number: crypto.randomInt(1e6), title: 'x' }),
  slack: () => slackEvent({ type: 'app_mention', text: 'hi' }),
  standard: () => standardEvent('email.delivered', { id: crypto.randomUUID() }),
  hmac: () => JSON.stringify({ type: 'order.paid', id: crypto.randomUUID() }),
};
const sources = Object.keys(bodies) as WebhookSourceId[];
const hasTimestamp = (s: WebhookSourceId) => ['stripe', 'slack', 'standard'].includes(s);
const signatureHeader: Record<WebhookSourceId, string> = {
  stripe: 'stripe-signature',
  github: 'x-hub-signature-256',
  slack: 'x-slack-signature',
  standard: 'webhook-signature',
  hmac: 'x-acme-signature',
};

async function publishFor(source: WebhookSourceId): Promise<{ url: string; current: string; previous: string }> {
  const current = webhookSecret(source);
  const previous = webhookSecret(source);
  // Two active secrets: the one being rotated in and the one being rotated out.
  const names = [`${source.toUpperCase()}_HOOK_NEW`, `${source.toUpperCase()}_HOOK_OLD`];
  await api.secrets.put(api.workspaceId, names[0]!, { live: current });
  await api.secrets.put(api.workspaceId, names[1]!, { live: previous });
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: `${source} hook`,
      document: {
        trigger: { type: 'webhook', source, secrets: names, ...(source === 'hmac' ? { header: 'X-Acme-Signature' } : {}) },
        nodes: [{ id: 'done', type: 'end', output: { $expr: 'trigger.name' } }],
        edges: [{ from: 'trigger', to: 'done' }],
      },
    },
  });
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return { url: api.url + published.body.webhook.livePath, current, previous };
}

const sign = (source: WebhookSourceId, secret: string, body: string, timestamp?: Date) =>
  signDelivery(source, { secret, body, header: 'x-acme-signature', ...(timestamp ? { timestamp } : {}) });

async function send(url: string, d: SignedDelivery) {
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads loosely typed JSON
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe.each(sources)('%s deliveries over HTTP', (source) => {
  it('accepts every good delivery and refuses every bad one with a 4xx, starting no run for it', async () => {
    const { url, current, previous } = await publishFor(source);
    const good: [string, SignedDelivery][] = [
      ['signed with the current secret', await sign(source, current, bodies[source]())],
      ['signed with the previous secret (rotation)', await sign(source, previous, bodies[source]())],
    ];
    const bad: [string, SignedDelivery][] = [];
    const valid = await sign(source, current, bodies[source]());
    bad.push(['tampered body', { ...valid, body: valid.body.replace('"', '"x_') }]);
    bad.push(['wrong secret', await sign(source, webhookSecret(source), bodies[source]())]);
    bad.push(['re-serialised JSON', { ...valid, body: JSON.stringify(JSON.parse(valid.body), null, 2) }]);
    const sig = valid.headers[signatureHeader[source]]!;
    bad.push(['truncated signature', { ...valid, headers: { ...valid.headers, [signatureHeader[source]]: sig.slice(0, -6) } }]);
    const { [signatureHeader[source]]: _dropped, ...unsigned } = valid.headers;
    bad.push(['missing signature header', { ...valid, headers: unsigned }]);
    bad.push(['wrong content type', { ...valid, headers: { ...valid.headers, 'content-type': 'text/plain' } }]);
    if (hasTimestamp(source)) {
      bad.push(['stale timestamp (10 minutes old)', await sign(source, current, bodies[source](), new Date(Date.now() - 10 * 60_000))]);
      bad.push(['future timestamp (10 minutes ahead)', await sign(source, current, bodies[source](), new Date(Date.now() + 10 * 60_000))]);
    }

    for (const [what, delivery] of good) {
      const res = await send(url, delivery);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.status, what).toBe('delivered');
    }
    for (const [what, delivery] of bad) {
      const res = await send(url, delivery);
      expect(res.status, `${what} must be refused`).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(res.body.error.message, what).toBeTruthy();
    }
    const endpoint = (await api.request('GET', '/api/webhooks/endpoints')).body.endpoints.find((e: { urls: { live: string } }) => e.urls.live === url);
    const log = await api.request('GET', `/api/webhooks/deliveries?endpointId=${endpoint.id}&limit=200`);
    expect(log.body.deliveries.filter((d: { status: string }) => d.status === 'delivered')).toHaveLength(good.length);
    expect(log.body.deliveries.filter((d: { status: string }) => d.status === 'rejected')).toHaveLength(bad.length);
    const runs = await api.db.selectFrom('runs').select('id').where('workflow_id', 'like', `webhook:${endpoint.id}:%`).execute();
    expect(runs).toHaveLength(good.length);
  }, 30_000);
});

it('answers a body over the limit with 413', async () => {
  const { url, current } = await publishFor('hmac');
  const big = JSON.stringify({ type: 'x', pad: 'x'.repeat(1024 * 1024) });
  const res = await fetch(url, { method: 'POST', ...(await sign('hmac', current, big)) });
  expect(res.status).toBe(413);
}, 30_000);
