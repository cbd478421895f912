import { STATUS_CODES } from 'node:http';
import type { HttpClient } from '#core/catalog-sdk';
import type { SandboxFetchRequest, SandboxFetchResponse } from './sandbox';

/** The largest answer a code step's fetch reads (it is copied into the isolate's memory as text). */
export const CODE_FETCH_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/**
 * ctx.fetch of a code step, over the worker's guarded HTTP client: the address guard (private, loopback, link-local
 * and metadata addresses refused, every redirect hop re-checked), timeouts, the size limit, and credits metering
 * (each request charged before it leaves, refunded when it never left), exactly as for catalog actions.
 */
export function sandboxFetch(http: HttpClient): (req: SandboxFetchRequest) => Promise<SandboxFetchResponse> {
  return async (req) => {
    const res = await http.request({
      url: req.url,
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      maxResponseBytes: CODE_FETCH_MAX_RESPONSE_BYTES,
    });
    return { status: res.status, statusText: STATUS_CODES[res.status] ?? '', headers: res.headers, url: res.url, body: res.text() };
  };
}
