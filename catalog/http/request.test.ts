import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError } from '#core/errors';
import { MAX_JSON_DEPTH } from '#core/json-depth';
import { testActionContext } from '../../test/helpers/action-context';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { HttpRequestInput, HttpRequestOutput, request } from './actions/request.action';

/** A server that answers `/nested/<n>` with JSON nested n deep. */
let server: http.Server;
let base: string;
const client = createGuardedHttpClient({ allow: ['127.0.0.0/8'] });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const n = Number(/^\/nested\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
    res.writeHead(200, { 'content-type': 'application/json' }).end('['.repeat(n) + ']'.repeat(n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const call = (n: number) => request.run(HttpRequestInput.parse({ url: `${base}/nested/${n}` }), testActionContext({ http: client, secrets: {} }));

describe('http.request answers from outside', () => {
  it('returns JSON nested up to the limit, and its output validates', async () => {
    const out = await call(MAX_JSON_DEPTH);
    expect(HttpRequestOutput.safeParse(out).success).toBe(true);
  });

  it.each([MAX_JSON_DEPTH + 1, 10_000, 100_000])('refuses JSON nested %i deep as a non-retryable failure, before anything recurses over it', async (n) => {
    const err = await call(n).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
  });
});
