import type { HttpResponse } from './catalog-sdk';
import { NonRetryableError, RetryableError } from './errors';

/** A longer `Retry-After` (a daily quota, say) would park the run for hours; retry after this at the latest. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;
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
  return excerpt(new TextDecoder().decode(body.subarray(0, 2000)) + (body.length > 2000 ? '…' : ''));
}

/**
 * The start of a provider's text for an error message: whitespace collapsed, at most `max` characters. A cut is
 * always marked with `…`: the worker's scrubber redacts a secret's piece left at a marked cut (a prefix of 6
 * characters or more), so every excerpt in the catalog goes through here.
 */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The wait a `Retry-After` header asks for, in whole milliseconds: delay-seconds (a decimal is tolerated)
 * or an HTTP date, capped at MAX_RETRY_AFTER_MS. Undefined when the header is missing or unreadable, and
 * when the wait is 0 or the date has passed: `nextRetryDelay: 0` would tell Temporal not to retry, so the
 * node's own backoff stays in charge.
 */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const ms = Math.round(/^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - Date.now());
  // NaN (an unreadable value) fails this test too.
  if (!(ms > 0)) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
