import { Resend, type ErrorResponse, type Response as ResendResponse } from 'resend';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { excerpt, parseRetryAfter } from '#core/http-errors';

export const RESEND_API_KEY = 'RESEND_API_KEY';
const DEFAULT_BASE_URL = 'https://api.resend.com';

/**
 * The official Resend client with its HTTP going through the guarded client.
 *
 * resend 6.x accepts a base URL (`baseUrl` option; it is always passed, so a stray `RESEND_BASE_URL` in
 * the worker's environment cannot redirect traffic) but no custom fetch: `Resend#fetchRequest` calls the
 * global `fetch`, and it swallows every transport error into a generic "Unable to fetch data" (which would
 * also hide the guard's "blocked address" error). `fetchRequest` is public in the SDK's typings, so this
 * subclass overrides it: the request goes through `ctx.http.fetch` (address guard, timeouts, metering) with
 * the activity's AbortSignal, transport errors keep their type, and answers come back in the SDK's own
 * `{ data, error, headers }` shape, so every SDK method works unchanged. The SDK has no retries of its own.
 */
class GuardedResend extends Resend {
  constructor(
    key: string,
    baseUrl: string,
    private readonly guardedFetch: typeof fetch,
    private readonly signal: AbortSignal,
  ) {
    super(key, { baseUrl });
  }

  override async fetchRequest<T>(path: string, options: object = {}): Promise<ResendResponse<T>> {
    const init = options as RequestInit;
    // As the SDK does: an id such as ".." must not climb out of the resource's path.
    if ((path.split('?')[0] ?? '').split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new NonRetryableError(`Resend path parameters cannot be "." or ".." (${path})`, { code: 'invalid_parameter' });
    }
    const url = `${this.baseUrl}${path}`;
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const res = await this.guardedFetch(url, { ...init, signal: init.signal ?? this.signal });
      status = res.status;
      headers = Object.fromEntries(res.headers.entries());
      text = await res.text();
    } catch (err) {
      if (err instanceof RetryableError || err instanceof NonRetryableError) throw err;
      if (this.signal.aborted) throw err;
      throw new RetryableError(`Could not reach Resend at ${url}: ${err instanceof Error ? err.message : String(err)}`, { code: 'CONNECTION_FAILED' });
    }
    if (status >= 200 && status < 300) {
      try {
        return { data: JSON.parse(text) as T, error: null, headers };
      } catch {
        throw new RetryableError(`Resend answered ${status} with a body that is not JSON: ${excerpt(text)}`, { status });
      }
    }
    return { data: null, error: errorBody(status, text), headers };
  }
}

/** Resend's documented error body `{ statusCode, message, name }`; anything else becomes an application_error. */
function errorBody(status: number, text: string): ErrorResponse {
  try {
    const body = JSON.parse(text) as Partial<ErrorResponse> | null;
    if (body && typeof body.message === 'string' && typeof body.name === 'string') return { statusCode: status, message: body.message, name: body.name };
  } catch {
    // not JSON: a proxy or gateway answered
  }
  return { statusCode: status, message: text.trim() === '' ? `HTTP ${status} with an empty body` : excerpt(text), name: 'application_error' };
}

/** The Resend client for this call: the key of the run's mode, `ctx.endpoint` as the base URL when set. */
export async function resendClient(ctx: ActionContext): Promise<Resend> {
  const key = await ctx.secrets.get(RESEND_API_KEY);
  const baseUrl = (ctx.endpoint ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  return new GuardedResend(key, baseUrl, ctx.http.fetch, ctx.signal);
}

/** The data of an SDK answer, or the answer's error mapped to the catalog's errors. */
export async function unwrap<T>(call: Promise<ResendResponse<T>>, what: string): Promise<T> {
  const res = await call;
  if (res.error !== null) throw resendError(res.error, res.headers, what);
  return res.data;
}

/** Permanent 429s: waiting a minute will not lift a daily or monthly quota. */
const QUOTA_ERRORS = new Set(['daily_quota_exceeded', 'monthly_quota_exceeded']);
/** Retryable despite a 4xx status: the first request with this idempotency key is still running. */
const RETRYABLE_NAMES = new Set(['rate_limit_exceeded', 'concurrent_idempotent_requests']);
const AUTH_ERRORS = new Set(['missing_api_key', 'invalid_api_key', 'restricted_api_key']);

/**
 * Maps a Resend error to the catalog's: 4xx → NonRetryableError (Resend's message and error name);
 * 408, 429 (rate limit), 409 concurrent_idempotent_requests and 5xx → RetryableError, with the
 * Retry-After header as the next delay. Quota 429s are permanent.
 */
export function resendError(error: ErrorResponse, headers: Record<string, string> | null, what: string): Error {
  const status = error.statusCode ?? undefined;
  const name = String(error.name);
  let message = `Resend ${what} failed: ${error.message} (${name}${status ? `, ${status}` : ''})`;
  if (AUTH_ERRORS.has(name)) message += `. Check ${RESEND_API_KEY} (https://resend.com/api-keys).`;
  const options = { ...(status ? { status } : {}), code: name };
  if (QUOTA_ERRORS.has(name)) return new NonRetryableError(message, options);
  if (status === undefined || status === 408 || status === 429 || status >= 500 || RETRYABLE_NAMES.has(name)) {
    const retryAfterMs = parseRetryAfter(headers?.['retry-after']);
    return new RetryableError(message, retryAfterMs === undefined ? options : { ...options, retryAfterMs });
  }
  return new NonRetryableError(message, options);
}
