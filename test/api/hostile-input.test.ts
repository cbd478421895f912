import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '#core/json-depth';
import { startTestApi, type TestApi } from '../helpers/api';
import { rawRequest, type RawResponse } from '../helpers/raw-http';
import { slackSignature } from '../helpers/webhook-signing';

/**
 * Hostile bodies against the real API server: JSON nested 10,000 and 100,000 deep wherever the API and
 * /hooks take JSON, and Content-Encodings that are unknown or do not decode, on every kind of route.
 * Every answer is a 4xx with the standard error body, never a 5xx. The body limits are the production
 * defaults (1 MiB), so a 100,000-deep body (200 KB) reaches the depth check instead of the size limit.
 */
let api: TestApi;
let flowId: string;
const hooks: Record<'hmac' | 'public' | 'slack', string> = { hmac: '', public: '', slack: '' };
const HMAC_SECRET = crypto.randomBytes(24).toString('hex');
const SLACK_SECRET = crypto.randomBytes(24).toString('hex');
const TOKEN = `tok-${crypto.randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `hostile-${Date.now()}`, bodyLimit: '1mb', webhookBodyLimit: '1mb' });
  await api.secrets.put(api.workspaceId, 'HOSTILE_HMAC', { live: HMAC_SECRET });
  await api.secrets.put(api.workspaceId, 'HOSTILE_SLACK', { live: SLACK_SECRET });
  await api.secrets.put(api.workspaceId, 'HOSTILE_TOKEN', { live: TOKEN });
  const triggers = {
    hmac: { type: 'webhook', source: 'hmac', secrets: ['HOSTILE_HMAC'] },
    public: { type: 'webhook', source: 'public', secrets: ['HOSTILE_TOKEN'] },
    slack: { type: 'webhook', source: 'slack', secrets: ['HOSTILE_SLACK'] },
  };
  for (const [name, trigger] of Object.entries(triggers)) {
    const created = await api.request('POST', '/api/flows', { body: { name: `${name} hook`, document: document(trigger) } });
    const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    hooks[name as keyof typeof hooks] = api.url + published.body.webhook.livePath;
  }
  const manual = await api.request('POST', '/api/flows', { body: { name: 'manual', document: document({ type: 'manual' }) } });
  flowId = manual.body.id;
}, 60_000);
afterAll(async () => {
  await api?.close();
});

function document(trigger: object, output: unknown = 'done') {
  return { trigger, nodes: [{ id: 'done', type: 'end', output }], edges: [{ from: 'trigger', to: 'done' }] };
}

/** JSON text nested `n` deep, alternating arrays and objects, built without recursion. */
function nested(n: number): string {
  return '[{"k":'.repeat(Math.floor(n / 2)) + (n % 2 ? '[1]' : '1') + '}]'.repeat(Math.floor(n / 2));
}

const auth = () => ({ authorization: `Bearer ${api.keys.live}`, 'content-type': 'application/json' });

/** Every JSON body the API and /hooks take, with JSON nested `n` deep where the caller's data goes. */
function deepRequests(n: number): { what: string; url: string; headers: Record<string, string>; body: string; method?: string }[] {
  const deep = nested(n);
  const hmacBody = `{"type":"order.paid","data":${deep}}`;
  // Arrays only: URL-encoding triples each bracket, and a 100,000-deep payload must stay under the 1 MiB limit.
  const slackBody = `payload=${encodeURIComponent(`{"type":"block_actions","actions":${'['.repeat(n)}${']'.repeat(n)}}`)}`;
  const ts = String(Math.floor(Date.now() / 1000));
  return [
    { what: 'POST /v1/events data', url: `${api.url}/v1/events`, headers: auth(), body: `{"name":"user.signed_up","data":${deep}}` },
    { what: 'POST /v1/events without a key', url: `${api.url}/v1/events`, headers: { 'content-type': 'application/json' }, body: `{"data":${deep}}` },
    {
      what: 'POST /api/flows node inputs',
      url: `${api.url}/api/flows`,
      headers: auth(),
      body: `{"name":"deep","document":{"trigger":{"type":"manual"},"nodes":[{"id":"a","type":"action","action":"http.request@1","inputs":{"body":${deep}}}],"edges":[]}}`,
    },
    {
      what: 'PATCH /api/flows/:id document',
      method: 'PATCH',
      url: `${api.url}/api/flows/${flowId}`,
      headers: auth(),
      body: `{"document":{"trigger":{"type":"manual"},"nodes":[{"id":"done","type":"end","output":${deep}}],"edges":[]}}`,
    },
    {
      what: 'PATCH /api/flows/:id operations',
      method: 'PATCH',
      url: `${api.url}/api/flows/${flowId}`,
      headers: auth(),
      body: `{"operations":[{"type":"updateInput","nodeId":"done","value":${deep}}]}`,
    },
    { what: 'POST /api/flows/:id/runs input', url: `${api.url}/api/flows/${flowId}/runs`, headers: auth(), body: `{"input":${deep}}` },
    { what: 'POST /api/runs/:id/nodes/:key/retry input', url: `${api.url}/api/runs/run_x/nodes/a/retry`, headers: auth(), body: `{"input":${deep}}` },
    { what: 'application/*+json', url: `${api.url}/v1/events`, headers: { ...auth(), 'content-type': 'application/cloudevents+json' }, body: deep },
    {
      what: 'POST /hooks (HMAC, correctly signed)',
      url: hooks.hmac,
      headers: { 'content-type': 'application/json', 'x-signature': `sha256=${crypto.createHmac('sha256', HMAC_SECRET).update(hmacBody).digest('hex')}` },
      body: hmacBody,
    },
    { what: 'POST /hooks (public, right token)', url: hooks.public, headers: { 'content-type': 'application/json', 'x-switchyard-token': TOKEN }, body: deep },
    {
      what: 'POST /hooks (Slack form, correctly signed, JSON payload field)',
      url: hooks.slack,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': slackSignature(SLACK_SECRET, ts, slackBody),
      },
      body: slackBody,
    },
  ];
}

function expectRefusedForDepth(res: RawResponse, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(400);
  expect(['VALIDATION_FAILED', 'BODY_INVALID'], what).toContain(res.body.error.code);
  expect(res.body.error.message, what).toContain(`${MAX_JSON_DEPTH} levels`);
}

describe('JSON nested deeper than the limit', () => {
  it.each([10_000, 100_000])('answers 400 naming the depth limit, %i deep, on every JSON body', async (n) => {
    for (const r of deepRequests(n)) expectRefusedForDepth(await rawRequest(r.url, { method: r.method ?? 'POST', headers: r.headers, body: r.body }), r.what);
    // The server is still well: a normal request works.
    expect((await api.request('GET', '/api/flows')).status).toBe(200);
  });

  it('answers 400 at one level past the limit and takes the limit itself', async () => {
    // The root object is the first level: data nested 63 deep makes 64.
    const at = await api.request('POST', '/v1/events', { rawBody: `{"name":"user.signed_up","data":${nested(MAX_JSON_DEPTH - 1)}}` });
    expect(at.status, JSON.stringify(at.body)).toBe(202);
    const past = await rawRequest(`${api.url}/v1/events`, { headers: auth(), body: `{"name":"user.signed_up","data":${nested(MAX_JSON_DEPTH)}}` });
    expectRefusedForDepth(past, 'one level past');
  });

  it('counts only structure: brackets inside strings are data', async () => {
    const res = await api.request('POST', '/v1/events', { body: { name: 'user.signed_up', data: { text: '[{'.repeat(50_000) } } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('answers 413 when the deep body is also over the size limit', async () => {
    const res = await rawRequest(`${api.url}/v1/events`, { headers: auth(), body: `{"data":${nested(600_000)}}` });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses JSON in a charset other than UTF-8 (415), which the depth scan could not read', async () => {
    const res = await rawRequest(`${api.url}/v1/events`, {
      headers: { ...auth(), 'content-type': 'application/json; charset=utf-16le' },
      body: Buffer.from('{"name":"user.signed_up"}', 'utf16le'),
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('Content-Encoding', () => {
  const json = Buffer.from('{"name":"user.signed_up","data":{"a":1}}');
  const routes = (): { what: string; method: string; url: string; headers: Record<string, string> }[] => [
    { what: 'POST /v1/events without a key', method: 'POST', url: `${api.url}/v1/events`, headers: { 'content-type': 'application/json' } },
    { what: 'POST /v1/events with a key', method: 'POST', url: `${api.url}/v1/events`, headers: auth() },
    { what: 'GET /api/flows (with a body)', method: 'GET', url: `${api.url}/api/flows`, headers: auth() },
    { what: 'PATCH /api/flows/:id', method: 'PATCH', url: `${api.url}/api/flows/${flowId}`, headers: auth() },
    { what: 'POST /hooks/:id', method: 'POST', url: hooks.hmac, headers: { 'content-type': 'application/json' } },
    { what: 'POST /hooks/unknown', method: 'POST', url: `${api.url}/hooks/nope`, headers: { 'content-type': 'text/plain' } },
    { what: 'POST /api/unknown', method: 'POST', url: `${api.url}/api/nowhere`, headers: { 'content-type': 'application/json' } },
    { what: 'POST /unknown (outside the API)', method: 'POST', url: `${api.url}/nowhere`, headers: { 'content-type': 'application/octet-stream' } },
    { what: 'GET / (the editor)', method: 'GET', url: `${api.url}/`, headers: {} },
  ];

  const unsupported = ['bogus', 'gzip, br', 'gzip, gzip', 'x-gzip', 'compress', 'zstd', 'gzip;q=1', 'ÿ', '\x80\xff', 'a'.repeat(4000)];
  it.each(unsupported.map((e) => [e.length > 20 ? `${e.length} characters` : e, e]))(
    '"%s" is answered 415 on every route, before authentication',
    async (_, encoding) => {
      for (const r of routes()) {
        for (const body of [json, undefined]) {
          const res = await rawRequest(r.url, { method: r.method, headers: { ...r.headers, 'content-encoding': encoding }, ...(body ? { body } : {}) });
          const what = `${r.what}${body ? '' : ' (no body)'}`;
          expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(415);
          expect(res.body.error, what).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('Content-Encoding') });
        }
      }
    },
  );

  it('answers 400 for bytes that do not decode as the encoding named, on every route that reads the body', async () => {
    // Fixed bytes: random ones can happen to be a valid (empty) brotli stream.
    const garbage = Buffer.from('this is plain text, compressed by nothing at all: '.repeat(2));
    const gz = zlib.gzipSync(json);
    const cases: [string, Buffer][] = [
      ['gzip', garbage],
      ['gzip', gz.subarray(0, gz.length - 10)], // cut short
      ['gzip', json], // not compressed at all
      ['deflate', garbage],
      ['deflate', zlib.gzipSync(json)], // the wrong one of the two
      ['br', garbage],
      ['br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
      ['GZIP', garbage],
    ];
    for (const r of routes().filter((x) => x.headers['content-type']?.includes('json') || x.url.includes('/hooks/'))) {
      for (const [encoding, body] of cases) {
        const res = await rawRequest(r.url, { method: r.method, headers: { ...r.headers, 'content-encoding': encoding }, body });
        const what = `${r.what}, ${encoding} (${body.length} bytes)`;
        expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(400);
        expect(res.body.error, what).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('could not be read') });
      }
    }
  });

  it('still reads well-formed gzip, deflate and br bodies, and bounds what they inflate to', async () => {
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['br', zlib.brotliCompressSync],
      ['identity', (b: Buffer) => b],
    ] as const) {
      const res = await rawRequest(`${api.url}/v1/events`, { headers: { ...auth(), 'content-encoding': encoding }, body: compress(json) });
      expect(res.status, `${encoding}: ${JSON.stringify(res.body)}`).toBe(202);
    }
    // 4 MiB of spaces gzip to a few KiB: the limit applies to what they inflate to.
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"name":"user.signed_up","data":"'), Buffer.alloc(4 * 1024 * 1024, 0x20), Buffer.from('"}')]));
    const res = await rawRequest(`${api.url}/v1/events`, { headers: { ...auth(), 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(413);
    // And the depth bound holds under compression too.
    const deep = await rawRequest(`${api.url}/v1/events`, {
      headers: { ...auth(), 'content-encoding': 'gzip' },
      body: zlib.gzipSync(`{"data":${nested(100_000)}}`),
    });
    expectRefusedForDepth(deep, 'gzip, 100,000 deep');
  });
});

describe('URLs', () => {
  it.each(['/api/flows/%E0', '/api/runs/%E0%A4%A', '/api/flows/%ZZ/publish', '/hooks/%E0'])('answers %s 400, not 500, with or without a key', async (path) => {
    for (const headers of [auth(), { 'content-type': 'application/json' }]) {
      for (const method of ['GET', 'POST']) {
        const res = await rawRequest(api.url + path, { method, headers, body: '{}' });
        expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.body.error.code, `${method} ${path}`).toMatch(/^(VALIDATION_FAILED|NOT_FOUND|UNAUTHORIZED)$/);
      }
    }
  });
});
