import http from 'node:http';

export interface RawResponse {
  status: number;
  contentType: string;
  /** Parsed JSON when the answer is JSON, else the text. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely typed JSON
  body: any;
}

/**
 * One request with nothing added or checked by a client library (fetch refuses a body on GET and rewrites some
 * headers): headers as given, an array value sent as that many header lines, Latin-1 text sent as its bytes.
 */
export function rawRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Content-Length set here: Node's client sends a GET's body without one. A fresh connection per request.
    const headers = { ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers };
    const req = http.request(url, { method: o.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = res.headers['content-type'] ?? '';
        let body: unknown = text;
        if (contentType.includes('json') && text) body = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, contentType, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
