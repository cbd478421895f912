import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { BLOCKED_HOSTS } from '../../../test/helpers/ssrf-corpus';
import { createGuardedHttpClient, errorForStatus, neverSent, parseAllowList } from './guarded-http';

/** Every request the test server saw, as `METHOD /path`. */
const hits: string[] = [];
let server: http.Server;
let port: number;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const path = req.url ?? '/';
    const redirect = /^\/redirect\/(\d+)$/.exec(path);
    if (redirect) {
      const left = Number(redirect[1]);
      res.writeHead(302, { location: left > 0 ? `/redirect/${left - 1}` : '/json' }).end();
    } else if (path === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else if (path === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' });
        res.end(JSON.stringify({ method: req.method, body, contentType: req.headers['content-type'] ?? null }));
      });
    } else if (path === '/see-other') {
      res.writeHead(303, { location: '/echo' }).end();
    } else if (path === '/to-loopback-literal') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/json` }).end();
    } else if (path === '/big-declared') {
      res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
    } else if (path === '/big-streamed') {
      res.writeHead(200); // no Content-Length: chunked
      for (let i = 0; i < 10; i++) res.write('x'.repeat(1000));
      res.end();
    } else if (path === '/slow') {
      setTimeout(() => res.end('late'), 2000).unref();
    } else if (path === '/not-json') {
      res.end('hello');
    } else if (path === '/deep-json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('['.repeat(10_000) + ']'.repeat(10_000));
    } else {
      res.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Runs `fn` with a fresh client and closes it afterwards. */
async function withClient<T>(
  options: Parameters<typeof createGuardedHttpClient>[0],
  fn: (client: ReturnType<typeof createGuardedHttpClient>) => Promise<T>,
): Promise<T> {
  const client = createGuardedHttpClient(options);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof RetryableError || err instanceof NonRetryableError) return err.options.code;
  throw new Error(`expected a catalog error, got ${String(err)}`);
}

const allowLoopback = { allow: ['127.0.0.0/8'] };

describe('address guard', () => {
  it('blocks loopback by default: IP literal, localhost and [::1]', async () => {
    await withClient({}, async (client) => {
      const before = hits.length;
      const literal = await client.request({ url: `${base}/json` }).catch((e: unknown) => e);
      expect(literal).toBeInstanceOf(NonRetryableError);
      expect((literal as NonRetryableError).options.code).toBe('ADDRESS_BLOCKED');
      expect((literal as Error).message).toMatch(/127\.0\.0\.1.*SWITCHYARD_HTTP_ALLOW/);

      const named = await client.request({ url: `http://localhost:${port}/json` }).catch((e: unknown) => e);
      expect((named as NonRetryableError).options.code).toBe('ADDRESS_BLOCKED');
      expect((named as Error).message).toMatch(/localhost.*(127\.0\.0\.1|::1)/);

      expect(await codeOf(client.request({ url: `http://[::1]:${port}/json` }))).toBe('ADDRESS_BLOCKED');
      expect(hits.length).toBe(before);
    });
  });

  it('blocks metadata, private and other special addresses without connecting', async () => {
    await withClient({}, async (client) => {
      const started = Date.now();
      for (const host of BLOCKED_HOSTS) {
        expect(await codeOf(client.request({ url: `http://${host}/latest/meta-data/` })), host).toBe('ADDRESS_BLOCKED');
      }
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });

  it('refuses other schemes', async () => {
    await withClient({}, async (client) => {
      expect(await codeOf(client.request({ url: 'file:///etc/passwd' }))).toBe('UNSUPPORTED_SCHEME');
    });
  });

  it('allows a CIDR from the allow-list', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.request({ url: `${base}/json` });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.json()).toEqual({ ok: true });
      expect(res.text()).toBe('{"ok":true}');
    });
  });

  it('allows an exact hostname from the allow-list', async () => {
    await withClient({ allow: ['localhost'] }, async (client) => {
      const res = await client.request({ url: `http://localhost:${port}/json` });
      expect(res.json()).toEqual({ ok: true });
    });
  });

  it('blocks a redirect from an allowed host to a blocked address', async () => {
    await withClient({ allow: ['localhost'] }, async (client) => {
      const before = hits.length;
      expect(await codeOf(client.request({ url: `http://localhost:${port}/to-loopback-literal` }))).toBe('ADDRESS_BLOCKED');
      expect(hits.slice(before)).toEqual(['GET /to-loopback-literal']);
    });
  });

  it('parses the allow-list variable', () => {
    expect(parseAllowList(' 127.0.0.0/8, ,localhost,')).toEqual(['127.0.0.0/8', 'localhost']);
    expect(parseAllowList(undefined)).toEqual([]);
  });
});

describe('redirects', () => {
  it('follows a chain and reports the final URL', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.request({ url: `${base}/redirect/2` });
      expect(res.status).toBe(200);
      expect(res.url).toBe(`${base}/json`);
    });
  });

  it('stops after maxRedirects', async () => {
    await withClient({ ...allowLoopback, maxRedirects: 2 }, async (client) => {
      expect(await codeOf(client.request({ url: `${base}/redirect/5` }))).toBe('TOO_MANY_REDIRECTS');
    });
  });

  it('returns the 3xx itself when followRedirects is false', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.request({ url: `${base}/redirect/1`, followRedirects: false });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/redirect/0');
    });
  });

  it('turns a POST into a GET without body on 303', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.request({ url: `${base}/see-other`, method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
      expect(res.json()).toEqual({ method: 'GET', body: '', contentType: null });
    });
  });
});

describe('limits and failures', () => {
  it('refuses a response whose Content-Length exceeds the limit', async () => {
    await withClient({ ...allowLoopback, maxResponseBytes: 1000 }, async (client) => {
      const err = await client.request({ url: `${base}/big-declared` }).catch((e: unknown) => e);
      expect((err as NonRetryableError).options.code).toBe('RESPONSE_TOO_LARGE');
      expect((err as Error).message).toContain('1000');
    });
  });

  it('aborts a streamed response once it exceeds the limit', async () => {
    await withClient(allowLoopback, async (client) => {
      expect(await codeOf(client.request({ url: `${base}/big-streamed`, maxResponseBytes: 2500 }))).toBe('RESPONSE_TOO_LARGE');
      expect((await client.request({ url: `${base}/big-streamed`, maxResponseBytes: 10_000 })).body.byteLength).toBe(10_000);
    });
  });

  it('times out', async () => {
    await withClient({ ...allowLoopback, timeoutMs: 150 }, async (client) => {
      const err = await client.request({ url: `${base}/slow` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as RetryableError).options.code).toBe('TIMEOUT');
      expect((err as Error).message).toContain(`${base}/slow`);
      expect((err as Error).message).toContain('150');
    });
  });

  it('reports a refused connection as retryable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await withClient(allowLoopback, async (client) => {
      const err = await client.request({ url: `http://127.0.0.1:${closedPort}/` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as RetryableError).options.code).toBe('CONNECTION_FAILED');
      expect((err as Error).message).toContain('ECONNREFUSED');
    });
  });

  it('throws INVALID_JSON naming the URL', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.request({ url: `${base}/not-json` });
      expect(() => res.json()).toThrow(NonRetryableError);
      expect(() => res.json()).toThrow(`${base}/not-json`);
    });
  });

  it('throws INVALID_JSON for an answer nested deeper than the JSON depth limit', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.request({ url: `${base}/deep-json` });
      expect(() => res.json()).toThrow(NonRetryableError);
      expect(() => res.json()).toThrow(/deeper than 64 levels/);
    });
  });
});

describe('onRequest', () => {
  it('is called for every hop', async () => {
    const seen: string[] = [];
    await withClient({ ...allowLoopback, onRequest: (req) => void seen.push(`${req.method} ${req.url}`) }, async (client) => {
      await client.request({ url: `${base}/redirect/1` });
    });
    expect(seen).toEqual([`GET ${base}/redirect/1`, `GET ${base}/redirect/0`, `GET ${base}/json`]);
  });

  it('prevents the request when it throws', async () => {
    const refusal = new Error('out of credits');
    const before = hits.length;
    await withClient(
      {
        ...allowLoopback,
        onRequest: async () => {
          throw refusal;
        },
      },
      async (client) => {
        await expect(client.request({ url: `${base}/json` })).rejects.toBe(refusal);
      },
    );
    expect(hits.length).toBe(before);
  });

  it("calls the hook's undo when the request failed before any byte could reach the server, and only then", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const undone: string[] = [];
    const onRequest = (req: { url: string }) => ({ notSent: async () => void undone.push(req.url) });
    // Connection refused (allowed address, nobody listening).
    await withClient({ ...allowLoopback, onRequest }, async (client) => {
      await expect(client.request({ url: `http://127.0.0.1:${closed}/x` })).rejects.toMatchObject({ options: { code: 'CONNECTION_FAILED' } });
      // Sent and answered: kept.
      await client.request({ url: `${base}/json` });
      // Aborted before dispatch.
      const aborted = new AbortController();
      aborted.abort(new Error('stop'));
      await expect(client.fetch(`${base}/json`, { signal: aborted.signal })).rejects.toThrow('stop');
    });
    // The address guard refused the address a name resolves to (the lookup runs after the hook).
    await withClient({ onRequest }, async (client) => {
      await expect(client.request({ url: `http://localhost:${port}/json` })).rejects.toMatchObject({ options: { code: 'ADDRESS_BLOCKED' } });
    });
    expect(undone).toEqual([`http://127.0.0.1:${closed}/x`, `${base}/json`, `http://localhost:${port}/json`]);
  });

  it('tells the ticket right before the first byte is written and right after the last, in order, with the server seeing nothing before', async () => {
    const steps: string[] = [];
    const before = hits.length;
    const onRequest = (req: { url: string }) => ({
      sending: () => steps.push(`sending ${new URL(req.url).pathname} (server saw ${hits.length - before})`),
      sent: () => steps.push(`sent ${new URL(req.url).pathname}`),
      notSent: async () => void steps.push('refunded'),
    });
    await withClient({ ...allowLoopback, onRequest }, async (client) => {
      await client.request({ url: `${base}/json`, method: 'POST', body: JSON.stringify({ big: 'x'.repeat(50_000) }) });
      await client.request({ url: `${base}/redirect/1` });
    });
    expect(steps).toEqual([
      'sending /json (server saw 0)',
      'sent /json',
      'sending /redirect/1 (server saw 1)',
      'sent /redirect/1',
      'sending /redirect/0 (server saw 2)',
      'sent /redirect/0',
      'sending /json (server saw 3)',
      'sent /json',
    ]);
  });

  it('keeps the charge of a request that was written, even when the server then never answers', async () => {
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const steps: string[] = [];
    const onRequest = () => ({ sending: () => steps.push('sending'), sent: () => steps.push('sent'), notSent: async () => void steps.push('refunded') });
    await withClient({ ...allowLoopback, onRequest, timeoutMs: 300 }, async (client) => {
      await expect(client.request({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/x` })).rejects.toMatchObject({
        options: { code: 'TIMEOUT' },
      });
    });
    silent.close();
    expect(steps).toEqual(['sending', 'sent']);
  });

  it('tells connect-phase failures (never sent) from the rest', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT']) {
      expect(neverSent(Object.assign(new RetryableError('x', { code: 'CONNECTION_FAILED' }), { cause: err(code) })), code).toBe(true);
    }
    expect(neverSent(new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')]))).toBe(true);
    expect(neverSent(new NonRetryableError('blocked', { code: 'ADDRESS_BLOCKED' }))).toBe(true);
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'])
      expect(neverSent(Object.assign(new RetryableError('x'), { cause: err(code) })), code).toBe(false);
    expect(neverSent(new AggregateError([err('ECONNREFUSED'), err('ECONNRESET')]))).toBe(false);
    expect(neverSent(new RetryableError('slow', { code: 'TIMEOUT' }))).toBe(false);
  });
});

describe('errorForStatus', () => {
  const response = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({
    status,
    headers,
    url: 'https://api.example.com/x',
    body: new TextEncoder().encode(body),
    text: () => body,
    json: () => JSON.parse(body) as unknown,
  });

  it('returns nothing below 400', () => {
    expect(errorForStatus(response(200), 'Example')).toBeUndefined();
    expect(errorForStatus(response(302), 'Example')).toBeUndefined();
  });

  it('makes 429 retryable with Retry-After seconds', () => {
    const err = errorForStatus(response(429, { 'retry-after': '7' }, '{"error":"slow down"}'), 'Example');
    expect(err).toBeInstanceOf(RetryableError);
    expect(err?.options).toMatchObject({ status: 429, retryAfterMs: 7000 });
    expect(err?.message).toBe('Example answered 429: {"error":"slow down"}');
  });

  it('reads Retry-After as an HTTP date', () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    const err = errorForStatus(response(503, { 'retry-after': date }), 'Example') as RetryableError;
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.options.retryAfterMs).toBeGreaterThan(25_000);
    expect(err.options.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('makes other 4xx non-retryable and shortens the body', () => {
    const err = errorForStatus(response(404, {}, 'n'.repeat(1000)), 'Example');
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err?.options.status).toBe(404);
    expect(err?.message.length).toBeLessThanOrEqual('Example answered 404: '.length + 300);
  });
});

describe('fetch', () => {
  it('round-trips JSON through a real Response', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.fetch(new URL(`${base}/echo`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hello: 'world' }),
      });
      expect(res).toBeInstanceOf(Response);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-echo')).toBe('yes');
      expect(res.url).toBe(`${base}/echo`);
      expect(await res.json()).toEqual({ method: 'POST', body: '{"hello":"world"}', contentType: 'application/json' });
    });
  });

  it('sends URLSearchParams bodies and applies the guard', async () => {
    await withClient(allowLoopback, async (client) => {
      const res = await client.fetch(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
      expect(await res.json()).toMatchObject({ body: 'a=1', contentType: 'application/x-www-form-urlencoded;charset=UTF-8' });
      expect(await codeOf(client.fetch('http://169.254.169.254/'))).toBe('ADDRESS_BLOCKED');
    });
  });

  it('honours an aborted signal', async () => {
    await withClient(allowLoopback, async (client) => {
      const err = await client.fetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('TimeoutError');
    });
  });
});

describe('credentials on redirects', () => {
  it('drops Authorization and the request’s sensitive headers when a redirect leaves the origin', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const target = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/landing`;
    const origin = http.createServer((_req, res) => res.writeHead(302, { location: targetUrl }).end());
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    try {
      await withClient(allowLoopback, async (client) => {
        const res = await client.request({
          url: `http://127.0.0.1:${(origin.address() as AddressInfo).port}/start`,
          headers: { authorization: 'Bearer secret-1', 'x-api-key': 'secret-2', 'x-trace': 'kept' },
          sensitiveHeaders: ['X-Api-Key'],
        });
        expect(res.status).toBe(200);
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBeUndefined();
      expect(seen[0]!['x-api-key']).toBeUndefined();
      expect(seen[0]!['x-trace']).toBe('kept');
    } finally {
      target.close();
      origin.close();
    }
  });
});
