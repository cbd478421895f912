import type { HttpResponse } from './catalog-sdk';
import { NonRetryableError, RetryableError } from './errors';

const MAX_RETRY_AFTER_MS = 10 * 60_000;
const RETRYABLE_STATUSES = new Set([408, 425, 429]);

/** Maps a response status to the error an action should throw, or undefined for 1xx-3xx. */
export function errorForStatus(res: HttpResponse, what: string): RetryableError | NonRetryableError | undefined {
  const { status } = res;
  if (status < 400) return undefined;
  const excerpt = bodyExcerpt(res.body);
  const message = `${what} answered ${status}: ${excerpt === '' ? '(empty body)' : excerpt}`;
  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    return new RetryableError(message, retryAfterMs === undefined ? { status } : { status, retryAfterMs });
  }
  return new NonRetryableError(message, { status });
}

function bodyExcerpt(body: Uint8Array): string {
  const text = new TextDecoder().decode(body.subarray(0, 2000)).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - Date.now();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
