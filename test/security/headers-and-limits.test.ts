import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';

/** Security headers on every answer, no caching of API answers, and rate limits on failed authentication (issue 11). */

const apis: TestApi[] = [];
async function api(limits: { perAddress: number; perKey: number }): Promise<TestApi> {
  const started = await startTestApi({ taskQueue: `limits-${crypto.randomUUID()}`, authFailureLimits: limits });
  apis.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
});

const randomKey = (prefix = 'sy_live_') => `${prefix}${crypto.randomBytes(24).toString('base64url')}`;

describe('security headers', () => {
  it('every answer carries nosniff, a CSP with frame-ancestors none, no-referrer and DENY framing; API answers are not cached', async () => {
    const a = await api({ perAddress: 1000, perKey: 1000 });
    const answers = {
      editor: await a.request('GET', '/', { key: null }),
      editorRoute: await a.request('GET', '/flows/abc', { key: null }),
      health: await a.request('GET', '/api/health', { key: null }),
      flows: await a.request('GET', '/api/flows'),
      unauthorized: await a.request('GET', '/api/flows', { key: null }),
      notFound: await a.request('GET', '/api/nothing-here'),
      events: await a.request('POST', '/v1/events', { body: { name: 'x.y' } }),
      hook: await a.request('POST', '/hooks/whk_missing', { key: null, body: {} }),
    };
    for (const [name, res] of Object.entries(answers)) {
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), name).toBe('DENY');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).toContain("script-src 'self'");
      expect(csp, name).toContain("object-src 'none'");
      expect(csp, name).not.toContain('unsafe-eval');
      expect(res.headers.get('x-powered-by'), name).toBeNull();
    }
    for (const name of ['health', 'flows', 'unauthorized', 'notFound', 'events', 'hook'] as const) {
      expect(answers[name].headers.get('cache-control'), name).toBe('no-store');
    }
  });
});

describe('rate limits on failed authentication', () => {
  it('after too many failures from one address, every request from it is 429 with Retry-After, a valid key included', async () => {
    const a = await api({ perAddress: 5, perKey: 1000 });
    expect((await a.request('GET', '/api/flows')).status).toBe(200);
    // Missing keys, wrong keys, a wrong admin token: all failures, whatever X-Forwarded-For claims (no proxy is trusted).
    const failures = [
      await a.request('GET', '/api/flows', { key: null }),
      await a.request('GET', '/api/flows', { key: randomKey() }),
      await a.request('GET', '/api/runs', { key: randomKey('sy_test_'), headers: { 'x-forwarded-for': '203.0.113.7' } }),
      await a.request('POST', '/v1/events', { key: randomKey(), body: { name: 'a.b' } }),
      await a.request('GET', `/api/admin/workspaces/${a.workspaceId}/credits`, { key: 'not-the-admin-token' }),
    ];
    expect(failures.map((r) => r.status)).toEqual([401, 401, 401, 401, 403]);
    for (const res of [
      await a.request('GET', '/api/flows'),
      await a.request('POST', '/v1/events', { body: { name: 'a.b' } }),
      await a.request('GET', '/api/flows', { key: randomKey(), headers: { 'x-forwarded-for': '198.51.100.1' } }),
    ]) {
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(res.body.error.message).toMatch(/failed authentications/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    // Unauthenticated public routes are not behind the limit: the health check and webhooks still answer.
    expect((await a.request('GET', '/api/health', { key: null })).status).not.toBe(429);
  });

  it('too many failures with one key prefix block that prefix from any address, and no other key', async () => {
    const a = await api({ perAddress: 1000, perKey: 3 });
    const guessed = a.keys.live.slice(0, 12);
    for (let i = 0; i < 3; i++)
      expect((await a.request('GET', '/api/flows', { key: `${guessed}${crypto.randomBytes(20).toString('base64url')}` })).status).toBe(401);
    const blocked = await a.request('GET', '/api/flows', { key: a.keys.live });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The test key (another prefix) is not blocked, and neither is a successful request's address.
    expect((await a.request('GET', '/api/flows', { key: a.keys.test })).status).toBe(200);
  });

  it('successful requests never count', async () => {
    const a = await api({ perAddress: 3, perKey: 3 });
    for (let i = 0; i < 20; i++) expect((await a.request('GET', '/api/flows')).status).toBe(200);
    // Other client errors (a 404, a 400) are not authentication failures either.
    for (let i = 0; i < 5; i++) expect((await a.request('GET', '/api/flows/flw_missing')).status).toBe(404);
    expect((await a.request('GET', '/api/flows')).status).toBe(200);
  });
});
