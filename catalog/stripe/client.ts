import crypto from 'node:crypto';
import Stripe from 'stripe';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { parseRetryAfter } from '#core/http-errors';

/** The setup variable holding the secret (or restricted) API key. */
export const STRIPE_SECRET_KEY = 'STRIPE_SECRET_KEY';
export const STRIPE_KEYS_URL = 'https://dashboard.stripe.com/apikeys';

/** Stripe refuses idempotency keys longer than this. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Below the default 30 s activity timeout, so a slow Stripe fails as a retryable timeout we can name. */
const REQUEST_TIMEOUT_MS = 25_000;
const TEST_KEY = /^(sk|rk)_test_/;

/**
 * Builds the official Stripe client for one action call: the workspace's key for the run's mode, the SDK's
 * own retries off (Temporal retries the activity), and every request sent through the guarded
 * `ctx.http.fetch` (address guard, metering) and cancelled with the activity. `ctx.endpoint`, when set,
 * replaces `https://api.stripe.com` (stripe-mock, a proxy).
 */
export async function stripeClient(ctx: ActionContext): Promise<Stripe> {
  const key = await ctx.secrets.get(STRIPE_SECRET_KEY);
  if (ctx.mode === 'test' && !TEST_KEY.test(key)) {
    // A test run must never move real money, whatever was stored as the test value.
    throw new NonRetryableError(
      `The test value of ${STRIPE_SECRET_KEY} is not a Stripe test-mode key (it must start with sk_test_ or rk_test_), so this test run will not call Stripe. Store a test key from ${STRIPE_KEYS_URL} as the test value.`,
      { code: 'LIVE_KEY_IN_TEST_RUN' },
    );
  }
  const endpoint = ctx.endpoint ? parseEndpoint(ctx.endpoint) : undefined;
  const guardedFetch: typeof fetch = (input, init) => {
    const url = endpoint?.basePath ? withBasePath(input, endpoint.basePath) : input;
    const signal = init?.signal ? AbortSignal.any([init.signal, ctx.signal]) : ctx.signal;
    return ctx.http.fetch(url, { ...init, signal });
  };
  return new Stripe(key, {
    maxNetworkRetries: 0,
    httpClient: Stripe.createFetchHttpClient(guardedFetch),
    timeout: REQUEST_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'Switchyard' },
    ...(endpoint ? { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol } : {}),
  });
}

/**
 * Request options for a call with side effects: the node's idempotency key, stable across every retry of
 * the node in this run, so Stripe replays the first result instead of charging or creating twice.
 */
export function idempotent(ctx: ActionContext): Stripe.RequestOptions {
  const key = ctx.idempotencyKey;
  const idempotencyKey = key.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? key : `sy-${crypto.createHash('sha256').update(key).digest('hex')}`;
  return { idempotencyKey };
}

/**
 * Runs one Stripe call and turns whatever it throws into the catalog's typed errors. `what` completes the
 * sentence "Stripe could not …", e.g. `create the customer`.
 */
export async function callStripe<T>(ctx: ActionContext, what: string, call: (stripe: Stripe) => Promise<T>): Promise<T> {
  const stripe = await stripeClient(ctx);
  try {
    return await call(stripe);
  } catch (err) {
    throw mapStripeError(err, what);
  }
}

/**
 * Maps a Stripe SDK error: 408, 429, 5xx, connection failures and timeouts are retryable (429 with its
 * `Retry-After`); card, invalid-request, idempotency, authentication and permission errors are not, and
 * carry Stripe's own message, status and code. Stripe's `Stripe-Should-Retry` header wins when present,
 * as it does in the SDK (it marks 409 lock timeouts retryable). Key-like strings in messages are masked.
 */
export function mapStripeError(err: unknown, what: string): Error {
  if (err instanceof RetryableError || err instanceof NonRetryableError) return err;
  if (!(err instanceof Stripe.errors.StripeError)) return err instanceof Error ? err : new Error(String(err));

  if (err instanceof Stripe.errors.StripeConnectionError) {
    const cause = err.detail;
    // The guarded client refused the address or the URL: trying again cannot help.
    if (cause instanceof NonRetryableError) return cause;
    const reason = cause instanceof Error ? cause.message : err.message;
    const code = cause instanceof RetryableError ? (cause.options.code ?? 'CONNECTION_FAILED') : 'CONNECTION_FAILED';
    return new RetryableError(`Stripe could not ${what}: the request did not complete (${redactKeys(reason)})`, { code });
  }

  const raw = (err.raw ?? {}) as { type?: string; message?: string; code?: string; param?: string; decline_code?: string };
  const status = err.statusCode;
  const stripeType = raw.type ?? err.rawType ?? err.type;
  const code = err.code ?? raw.code;
  const facts = [
    status !== undefined ? `HTTP ${status}` : undefined,
    stripeType,
    code && `code ${code}`,
    err.decline_code && `decline ${err.decline_code}`,
    err.param && `param ${err.param}`,
  ]
    .filter(Boolean)
    .join(', ');
  let message = `Stripe could not ${what}: ${redactKeys(raw.message ?? err.message)}${facts ? ` (${facts})` : ''}`;
  if (status === 401) message += `. Check ${STRIPE_SECRET_KEY} (${STRIPE_KEYS_URL}).`;

  const headers = err.headers ?? {};
  const shouldRetry = headerValue(headers, 'stripe-should-retry');
  const retryable =
    shouldRetry === 'true' ||
    (shouldRetry !== 'false' &&
      (status === undefined || status === 408 || status === 429 || status >= 500 || err instanceof Stripe.errors.StripeRateLimitError));
  const options = { ...(status !== undefined ? { status } : {}), ...(code ? { code } : stripeType ? { code: stripeType } : {}) };
  if (!retryable) return new NonRetryableError(message, options);
  const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'));
  return new RetryableError(message, retryAfterMs === undefined ? options : { ...options, retryAfterMs });
}

/** Keeps the prefix of anything that looks like a Stripe key, never the key. */
export function redactKeys(text: string): string {
  return text.replace(/\b((?:sk|rk|pk)_(?:test|live)_)[A-Za-z0-9_]+/g, '$1…');
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

interface Endpoint {
  host: string;
  port: string;
  protocol: 'http' | 'https';
  /** A path prefix such as `/stripe` (a proxy); '' for a bare origin. */
  basePath: string;
}

function parseEndpoint(endpoint: string): Endpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new NonRetryableError(`The Stripe endpoint override "${endpoint}" is not a URL`, { code: 'INVALID_URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NonRetryableError(`The Stripe endpoint override must be an http: or https: URL, not ${url.protocol}`, { code: 'UNSUPPORTED_SCHEME' });
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? '80' : '443'), protocol, basePath: url.pathname.replace(/\/+$/, '') };
}

/** The SDK always requests `/v1/…`; an endpoint with a path prefix gets it put in front. */
function withBasePath(input: RequestInfo | URL, basePath: string): RequestInfo | URL {
  if (input instanceof Request) return input;
  const url = new URL(input);
  url.pathname = `${basePath}${url.pathname}`;
  return url;
}
