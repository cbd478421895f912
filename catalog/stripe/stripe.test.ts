import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunMode } from '#core/catalog-sdk';
import type { NodeRunState, RunState } from '#core/run';
import type { Db } from '#store/database';
import { SecretStore } from '#store/secrets';
import { expectRunFailure, type FlowRunner, runNodesWithId, startFlowRunner, testConnection as runTestConnection } from '../../test/helpers/flows';
import { testDb, testMasterKey } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { startStripeMock, type StripeMock } from '../../test/peers/stripe-mock';
import stripe from './index';

// stripe-mock accepts any `sk_test_<one word>` key (exactly three `_`-separated parts), so both slots
// hold test keys that differ; the recording proxy tells them apart.
const LIVE_KEY = `sk_test_LiveSlot${crypto.randomBytes(8).toString('hex')}`;
const TEST_KEY = `sk_test_TestSlot${crypto.randomBytes(8).toString('hex')}`;
/** stripe-mock answers 401 to anything that is not a test key, like Stripe does to a revoked key. */
const BAD_KEY = `sk_live_Revoked${crypto.randomBytes(8).toString('hex')}`;
const LIVE_KEY_AS_TEST = `sk_live_Real${crypto.randomBytes(8).toString('hex')}`;

/** Records every `resolve(workspace, name, mode)`: proves which secret values were ever read. */
class RecordingSecretStore extends SecretStore {
  readonly resolved: { workspaceId: string; name: string; mode: RunMode }[] = [];
  override async resolve(workspaceId: string, name: string, mode: RunMode): Promise<string | undefined> {
    this.resolved.push({ workspaceId, name, mode });
    return super.resolve(workspaceId, name, mode);
  }
}

interface ProxyHit {
  method: string;
  path: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
  at: number;
}

type Fault = { drop: true } | { status: number; headers?: Record<string, string>; body: unknown };

/**
 * A recording HTTP proxy in front of stripe-mock (which echoes no keys): records the Authorization and
 * Idempotency-Key of every request, and can answer the next request to a path with a scripted fault
 * (a dropped connection, or a Stripe-shaped error) before forwarding again.
 */
async function startRecordingProxy(target: string) {
  const hits: ProxyHit[] = [];
  const faults = new Map<string, Fault[]>();
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      };
      hits.push({
        method: req.method ?? 'GET',
        path,
        authorization: header('authorization'),
        idempotencyKey: header('idempotency-key'),
        form: new URLSearchParams(body.toString()),
        at: Date.now(),
      });
      const fault = faults.get(`${req.method} ${path}`)?.shift();
      if (fault && 'drop' in fault) {
        req.socket.destroy();
        return;
      }
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'application/json', 'request-id': `req_${crypto.randomBytes(6).toString('hex')}`, ...fault.headers });
        res.end(JSON.stringify(fault.body));
        return;
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${err.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    /** The next request to `METHOD /path` gets these faults, one per request, then requests are forwarded again. */
    failNext(route: string, ...next: Fault[]) {
      faults.set(route, [...(faults.get(route) ?? []), ...next]);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let db: Db;
let secrets: RecordingSecretStore;
let mock: StripeMock;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let runner: FlowRunner;
const ws = { main: '', liveOnly: '', none: '', badKey: '', liveKeyAsTest: '' };

beforeAll(async () => {
  db = await testDb();
  secrets = new RecordingSecretStore(db, testMasterKey);
  await createWorkspaces(
    db,
    ws,
    {
      main: { STRIPE_SECRET_KEY: { live: LIVE_KEY, test: TEST_KEY } },
      liveOnly: { STRIPE_SECRET_KEY: { live: LIVE_KEY } },
      badKey: { STRIPE_SECRET_KEY: { live: BAD_KEY } },
      liveKeyAsTest: { STRIPE_SECRET_KEY: { test: LIVE_KEY_AS_TEST } },
    },
    { store: secrets, namePrefix: 'stripe-' },
  );
  mock = await startStripeMock();
  proxy = await startRecordingProxy(mock.url);
  // The worker reads secrets through the recording store.
  runner = await startFlowRunner({ db, secrets, integrations: [stripe], endpoints: { stripe: proxy.url } });
});

afterAll(async () => {
  await runner?.stop();
  await proxy?.close();
  await mock?.stop();
});

type NodeSpec = { id: string; action: string; inputs: Record<string, unknown>; retry?: Record<string, unknown>; onError?: 'fail' | 'branch' };
const fastRetry = { initialInterval: '100ms', maximumAttempts: 3, backoffCoefficient: 1 };

/** Runs the nodes in a chain (trigger → first → … → last) and returns the final state and workflow id. */
function runChain(mode: RunMode, workspaceId: string, nodes: NodeSpec[]): Promise<{ state: RunState; workflowId: string }> {
  const actions = nodes.map(({ action, ...n }) => ({ type: 'action', action: `stripe.${action}@1`, ...n }));
  return runNodesWithId(runner.client, runner.taskQueue, actions, { mode, workspaceId, flowId: 'flw_stripe' });
}

/** Runs a chain that must fail; returns the run's failure message and what it says about the node. */
async function runChainFailing(mode: RunMode, workspaceId: string, nodes: NodeSpec[]) {
  const { cause } = await expectRunFailure(runChain(mode, workspaceId, nodes));
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const details = (cause as ApplicationFailure).details?.[0] as { type?: string; status?: number; nodeId?: string } | undefined;
  return { message: String(cause?.message), details };
}

const testConnection = (workspaceId: string, mode: RunMode) => runTestConnection(runner.client, runner.taskQueue, { workspaceId, integration: 'stripe', mode });

/** Requests the proxy saw from here on. */
function watchHits() {
  const start = proxy.hits.length;
  return () => proxy.hits.slice(start);
}

const lineItem = { name: 'Tea subscription box', unitAmount: 1999, currency: 'USD', quantity: 2 };
const customerNode: NodeSpec = {
  id: 'customer',
  action: 'create-customer',
  inputs: { email: 'ada@example.com', name: 'Ada Lovelace', metadata: { userId: 'u_42' } },
};
const piNode: NodeSpec = { id: 'pi', action: 'retrieve-payment-intent', inputs: { paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' } };
const refundNode: NodeSpec = {
  id: 'refund',
  action: 'create-refund',
  inputs: { paymentIntentId: { $expr: 'nodes.pi.id' }, amount: 500, reason: 'requested_by_customer' },
};
const everyAction: NodeSpec[] = [
  customerNode,
  {
    id: 'session',
    action: 'create-checkout-session',
    inputs: {
      lineItems: [lineItem],
      successUrl: 'https://shop.example.com/thanks?session={CHECKOUT_SESSION_ID}',
      customerId: { $expr: 'nodes.customer.id' },
      clientReferenceId: 'order_42',
    },
  },
  { id: 'link', action: 'create-payment-link', inputs: { lineItems: [lineItem], afterCompletionUrl: 'https://shop.example.com/thanks' } },
  piNode,
  refundNode,
];

describe('stripe integration (stripe-mock behind a recording proxy, real Temporal dev server)', () => {
  it('runs every action in live mode with the live key, each create carrying its node idempotency key', async () => {
    const hits = watchHits();
    const { state, workflowId } = await runChain('live', ws.main, everyAction);
    expect(state.status).toBe('completed');
    const nodes = state.nodes as Record<string, NodeRunState>;
    expect(nodes.customer).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: { id: expect.stringMatching(/^cus_/), email: 'ada@example.com', name: 'Ada Lovelace', livemode: false },
    });
    expect(nodes.session).toMatchObject({
      status: 'succeeded',
      output: { id: expect.stringMatching(/^cs_/), url: expect.stringMatching(/^https:\/\//), mode: 'payment', status: 'open', paymentStatus: 'unpaid' },
    });
    expect(nodes.link).toMatchObject({
      status: 'succeeded',
      output: { id: expect.stringMatching(/^plink_/), url: expect.stringMatching(/^https:\/\//), active: true },
    });
    expect(nodes.pi).toMatchObject({ status: 'succeeded', output: { id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', currency: 'usd', amount: expect.any(Number) } });
    expect(nodes.refund).toMatchObject({
      status: 'succeeded',
      output: { id: expect.stringMatching(/^re_/), amount: 500, paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', reason: 'requested_by_customer' },
    });

    const seen = hits();
    expect(seen.map((h) => `${h.method} ${h.path}`)).toEqual([
      'POST /v1/customers',
      'POST /v1/checkout/sessions',
      'POST /v1/payment_links',
      'GET /v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa',
      'POST /v1/refunds',
    ]);
    expect(new Set(seen.map((h) => h.authorization))).toEqual(new Set([`Bearer ${LIVE_KEY}`]));
    expect(seen.map((h) => h.idempotencyKey)).toEqual([
      `${workflowId}:customer`,
      `${workflowId}:session`,
      `${workflowId}:link`,
      undefined,
      `${workflowId}:refund`,
    ]);
    // What reached Stripe, form-encoded by the SDK.
    const [customer, session, link, , refund] = seen;
    expect(Object.fromEntries(customer!.form)).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace', 'metadata[userId]': 'u_42' });
    expect(Object.fromEntries(session!.form)).toMatchObject({
      mode: 'payment',
      customer: (nodes.customer!.output as { id: string }).id,
      client_reference_id: 'order_42',
      'line_items[0][quantity]': '2',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '1999',
      'line_items[0][price_data][product_data][name]': 'Tea subscription box',
    });
    expect(Object.fromEntries(link!.form)).toMatchObject({
      'after_completion[type]': 'redirect',
      'after_completion[redirect][url]': 'https://shop.example.com/thanks',
    });
    expect(Object.fromEntries(refund!.form)).toEqual({ payment_intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', amount: '500', reason: 'requested_by_customer' });
    expect(JSON.stringify(state)).not.toContain(LIVE_KEY);
  });

  it('runs a test-mode flow with the test key only: the proxy never sees the live key and the live value is never read', async () => {
    const hits = watchHits();
    const reads = secrets.resolved.length;
    const { state } = await runChain('test', ws.main, [customerNode, piNode, refundNode]);
    expect(state.status).toBe('completed');
    expect(Object.values(state.nodes).map((n) => [n.status, n.simulated])).toEqual([
      ['succeeded', undefined],
      ['succeeded', undefined],
      ['succeeded', undefined],
    ]);
    const seen = hits();
    expect(seen).toHaveLength(3);
    expect(seen.every((h) => h.authorization === `Bearer ${TEST_KEY}`)).toBe(true);
    expect(seen.some((h) => h.authorization?.includes(LIVE_KEY))).toBe(false);
    const resolved = secrets.resolved.slice(reads);
    expect(resolved.length).toBeGreaterThanOrEqual(3);
    expect(resolved.every((r) => r.workspaceId === ws.main && r.name === 'STRIPE_SECRET_KEY' && r.mode === 'test')).toBe(true);
  });

  it('uses the sandbox in test mode when the key has no test value: simulated output, 0 requests, no secret read', async () => {
    const hits = watchHits();
    const reads = secrets.resolved.length;
    const { state } = await runChain('test', ws.liveOnly, everyAction);
    expect(state.status).toBe('completed');
    for (const node of Object.values(state.nodes)) expect(node).toMatchObject({ status: 'succeeded', simulated: true });
    expect(state.nodes.customer!.output).toMatchObject({ id: expect.stringMatching(/^cus_sandbox_[0-9a-f]{12}$/), email: 'ada@example.com', livemode: false });
    expect(state.nodes.session!.output).toMatchObject({
      id: expect.stringMatching(/^cs_test_sandbox_/),
      amountTotal: 3998,
      currency: 'usd',
      customerId: (state.nodes.customer!.output as { id: string }).id,
    });
    expect(state.nodes.link!.output).toMatchObject({
      id: expect.stringMatching(/^plink_sandbox_/),
      url: expect.stringMatching(/^https:\/\/buy\.stripe\.com\//),
    });
    expect(state.nodes.refund!.output).toMatchObject({
      id: expect.stringMatching(/^re_sandbox_/),
      amount: 500,
      paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
    });
    expect(hits()).toHaveLength(0);
    expect(secrets.resolved.slice(reads)).toEqual([]);
  });

  it('retries a refund after a dropped connection with the SAME idempotency key on every attempt', async () => {
    proxy.failNext('POST /v1/refunds', { drop: true });
    const hits = watchHits();
    const { state, workflowId } = await runChain('live', ws.main, [piNode, { ...refundNode, retry: fastRetry }]);
    expect(state.nodes.refund).toMatchObject({ status: 'succeeded', attempts: 2, output: { id: expect.stringMatching(/^re_/) } });
    const refunds = hits().filter((h) => h.path === '/v1/refunds');
    expect(refunds.map((h) => h.idempotencyKey)).toEqual([`${workflowId}:refund`, `${workflowId}:refund`]);
    expect(refunds[0]!.form.toString()).toBe(refunds[1]!.form.toString());
  });

  it('retries a Stripe 500 (api_error) and succeeds, reusing the idempotency key', async () => {
    proxy.failNext('POST /v1/customers', { status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred' } } });
    const hits = watchHits();
    const { state, workflowId } = await runChain('live', ws.main, [{ ...customerNode, retry: fastRetry }]);
    expect(state.nodes.customer).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(hits().map((h) => h.idempotencyKey)).toEqual([`${workflowId}:customer`, `${workflowId}:customer`]);
  });

  it('waits for Retry-After on a 429 and then succeeds', async () => {
    // 2 s, not 1: the dev server already spaces retries about 1 s apart whatever the policy says.
    proxy.failNext('POST /v1/payment_links', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } },
    });
    const hits = watchHits();
    const { state } = await runChain('live', ws.main, [{ id: 'link', action: 'create-payment-link', inputs: { lineItems: [lineItem] }, retry: fastRetry }]);
    expect(state.nodes.link).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [first, second] = hits();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  });

  it('fails the run after exactly 1 attempt on a Stripe 400 (invalid_request_error), with Stripe’s message', async () => {
    const stripeMessage = 'Charge ch_3MtwBwLkdIwHu7ix0snN0B15 has already been refunded.';
    proxy.failNext('POST /v1/refunds', {
      status: 400,
      body: { error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: stripeMessage } },
    });
    const hits = watchHits();
    const { message, details } = await runChainFailing('live', ws.main, [piNode, { ...refundNode, retry: fastRetry }]);
    expect(message).toContain(stripeMessage);
    expect(message).toContain('charge_already_refunded');
    expect(details).toMatchObject({ nodeId: 'refund', type: 'NonRetryable', status: 400 });
    expect(hits().filter((h) => h.path === '/v1/refunds')).toHaveLength(1);
  });

  it('does not retry a Stripe 402 card error; the node records 1 attempt and Stripe’s message', async () => {
    proxy.failNext('POST /v1/customers', {
      status: 402,
      body: { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } },
    });
    const hits = watchHits();
    const { state } = await runChain('live', ws.main, [{ ...customerNode, retry: fastRetry, onError: 'branch' }]);
    expect(state.nodes.customer).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { type: 'NonRetryable', status: 402, message: expect.stringContaining('Your card was declined.') },
    });
    expect(state.nodes.customer!.error!.message).toContain('card_declined');
    expect(hits()).toHaveLength(1);
  });

  it('fails before any request when the secret is missing, naming it', async () => {
    const hits = watchHits();
    const { message } = await runChainFailing('live', ws.none, [customerNode]);
    expect(message).toMatch(/STRIPE_SECRET_KEY has no live value/);
    expect(message).toContain('https://dashboard.stripe.com/apikeys');
    expect(hits()).toHaveLength(0);
  });

  it('refuses a live key stored as the test value in a test run, before any request', async () => {
    const hits = watchHits();
    const { message } = await runChainFailing('test', ws.liveKeyAsTest, [{ ...refundNode, inputs: { paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' } }]);
    expect(message).toMatch(/not a Stripe test-mode key/);
    expect(message).not.toContain(LIVE_KEY_AS_TEST);
    expect(hits()).toHaveLength(0);
  });

  it('names the invalid input field, with no request sent', async () => {
    const hits = watchHits();
    const refund = await runChainFailing('live', ws.main, [{ id: 'refund', action: 'create-refund', inputs: { amount: 500 } }]);
    expect(refund.message).toMatch(/invalid input: paymentIntentId: give exactly one of paymentIntentId or chargeId/);
    const customer = await runChainFailing('live', ws.main, [{ id: 'customer', action: 'create-customer', inputs: { email: 'not-an-email' } }]);
    expect(customer.message).toMatch(/invalid input: email/);
    const link = await runChainFailing('live', ws.main, [
      { id: 'link', action: 'create-payment-link', inputs: { lineItems: [{ ...lineItem, unitAmount: 19.99 }] } },
    ]);
    expect(link.message).toMatch(/lineItems\.0\.unitAmount/);
    expect(hits()).toHaveLength(0);
  });

  it('tests the connection: ok with good keys in each mode (with that mode’s key), ok:false with a bad key', async () => {
    const hits = watchHits();
    const live = await testConnection(ws.main, 'live');
    expect(live).toMatchObject({ ok: true, detail: expect.stringContaining('Connected to Stripe') });
    const test = await testConnection(ws.main, 'test');
    expect(test.ok).toBe(true);
    expect(hits().map((h) => `${h.method} ${h.path} ${h.authorization}`)).toEqual([`GET /v1/balance Bearer ${LIVE_KEY}`, `GET /v1/balance Bearer ${TEST_KEY}`]);

    const bad = await testConnection(ws.badKey, 'live');
    expect(bad.ok).toBe(false);
    const error = (bad as { error: string }).error;
    expect(error).toMatch(/HTTP 401/);
    expect(error).toContain('Check STRIPE_SECRET_KEY');
    expect(error).not.toContain(BAD_KEY);
  });
});
