/**
 * Issue 22, part 5: publishable keys (`sy_pub_…`) for browsers — events and public flows only, from allowed
 * origins (CORS), within rate limits. Real API, dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { startTestWorker } from '../helpers/temporal';

const ORIGIN = 'https://shop.example.com';
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let pub: string;
const flows = { public: '', private: '', publicEvent: '', privateEvent: '' };

async function publish(name: string, trigger: unknown): Promise<string> {
  const nodes = [{ id: 'echo', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: '{ "echo": data.msg }' } }];
  const created = await api.request('POST', '/api/flows', { body: { name, document: { trigger, nodes, edges: [{ from: 'trigger', to: 'echo' }] } } });
  expect(created.body.problems).toEqual([]);
  expect((await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
  return created.body.id as string;
}

/** A browser's request: the publishable key and an Origin. */
const browser = (method: string, path: string, o: { origin?: string | null; body?: unknown; key?: string } = {}) =>
  api.request(method, path, {
    key: o.key ?? pub,
    ...(o.body !== undefined ? { body: o.body } : {}),
    headers: o.origin === null ? {} : { origin: o.origin ?? ORIGIN },
  });

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `pub-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
  flows.public = await publish('Public', { type: 'invoke', public: true });
  flows.private = await publish('Private', { type: 'invoke' });
  flows.publicEvent = await publish('Public event', { type: 'event', event: 'cart.viewed', public: true });
  flows.privateEvent = await publish('Private event', { type: 'event', event: 'cart.viewed' });
  const created = await api.request('POST', '/api/publishable-keys', { body: { allowedOrigins: [ORIGIN], perMinute: 1000, perAddressPerMinute: 1000 } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  pub = created.body.key;
  expect(pub).toMatch(/^sy_pub_/);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

describe('publishable keys', () => {
  it('invoke a public flow from an allowed origin, with CORS headers; the preflight is answered', async () => {
    const preflight = await fetch(`${api.url}/v1/flows/${flows.public}/invoke`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const res = await browser('POST', `/v1/flows/${flows.public}/invoke`, { body: { input: { msg: 'hi' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toEqual({ result: { echo: 'hi' } });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('is refused from a disallowed origin or without one (no CORS header), and for a flow not marked public', async () => {
    const other = await browser('POST', `/v1/flows/${flows.public}/invoke`, { origin: 'https://evil.example', body: {} });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(/Origin https:\/\/evil.example may not use this publishable key/);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await browser('POST', `/v1/flows/${flows.public}/invoke`, { origin: null, body: {} })).status).toBe(403);
    const priv = await browser('POST', `/v1/flows/${flows.private}/invoke`, { body: {} });
    expect(priv.status).toBe(403);
    expect(priv.body.error.message).toMatch(/is not public/);
  });

  it('sends events that start only the flows whose event trigger is public', async () => {
    const res = await browser('POST', '/v1/events', { body: { name: 'cart.viewed', data: { msg: 'x' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.runs.map((r: { flowId: string }) => r.flowId)).toEqual([flows.publicEvent]);
    // A secret key starts both.
    const secret = await api.request('POST', '/v1/events', { body: { name: 'cart.viewed', data: { msg: 'y' } } });
    expect(secret.body.runs.map((r: { flowId: string }) => r.flowId).sort()).toEqual([flows.publicEvent, flows.privateEvent].sort());
  });

  it('cannot read runs or secrets, or do anything else', async () => {
    const run = await browser('POST', `/v1/flows/${flows.public}/invoke`, { body: { input: { msg: 'a' } } });
    for (const [method, path] of [
      ['GET', `/v1/runs/${run.body.runId}`],
      ['GET', `/v1/runs/${run.body.runId}/events`],
      ['GET', '/api/secrets'],
      ['GET', '/api/flows'],
      ['GET', `/api/runs/${run.body.runId}`],
      ['POST', '/api/publishable-keys'],
    ] as const) {
      const res = await browser(method, path, method === 'POST' ? { body: { allowedOrigins: [ORIGIN] } } : {});
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.message).toMatch(/publishable key/);
    }
  });

  it('answers 429 with Retry-After over its rate limit, per key and per address', async () => {
    const limited = await api.request('POST', '/api/publishable-keys', { body: { allowedOrigins: [ORIGIN], perMinute: 100, perAddressPerMinute: 3 } });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await browser('POST', '/v1/events', { key: limited.body.key, body: { name: 'nobody.listens' } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(last!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const perKey = await api.request('POST', '/api/publishable-keys', { body: { allowedOrigins: [ORIGIN], perMinute: 2, perAddressPerMinute: 100 } });
    const s2: number[] = [];
    for (let i = 0; i < 3; i++) s2.push((await browser('POST', '/v1/events', { key: perKey.body.key, body: { name: 'nobody.listens' } })).status);
    expect(s2).toEqual([202, 202, 429]);
  });

  it('is listed without the key, and refused once revoked', async () => {
    const list = await api.request('GET', '/api/publishable-keys');
    expect(list.body.keys.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(list.body)).not.toContain(pub);
    const created = await api.request('POST', '/api/publishable-keys', { body: { allowedOrigins: [ORIGIN] } });
    expect((await api.request('DELETE', `/api/publishable-keys/${created.body.id}`)).status).toBe(204);
    expect((await browser('POST', '/v1/events', { key: created.body.key, body: { name: 'x' } })).status).toBe(401);
    // A test key cannot create them, nor can anything but a workspace key.
    expect((await api.request('POST', '/api/publishable-keys', { key: api.keys.test, body: { allowedOrigins: [ORIGIN] } })).status).toBe(403);
    const bad = await api.request('POST', '/api/publishable-keys', { body: { allowedOrigins: ['https://shop.example.com/path'] } });
    expect(bad.status).toBe(400);
  });
});
