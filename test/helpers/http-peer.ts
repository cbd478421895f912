import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's bytes (a multipart upload). */
  raw: Buffer;
}

export type Route = (
  hit: Hit,
) =>
  | { status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  | Promise<{ status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }>;

/** A real local HTTP server that records every request and answers from a route function. */
export async function startHttpPeer(route: Route) {
  const hits: Hit[] = [];
  let inflight = 0;
  let maxInflight = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      const raw = Buffer.concat(chunks);
      const hit: Hit = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: raw.toString(), raw };
      hits.push(hit);
      const answer = await route(hit);
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      inflight--;
      // A Buffer is sent as is (a file); a string as text; anything else as JSON.
      if (Buffer.isBuffer(answer.body)) {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/octet-stream', ...answer.headers });
        res.end(answer.body);
        return;
      }
      const isJson = typeof answer.body !== 'string';
      res.writeHead(answer.status ?? 200, { 'content-type': isJson ? 'application/json' : 'text/plain', ...answer.headers });
      res.end(answer.body === undefined ? '' : isJson ? JSON.stringify(answer.body) : (answer.body as string));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    hitsTo: (path: string) => hits.filter((h) => h.path.split('?')[0] === path),
    maxInflight: () => maxInflight,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
