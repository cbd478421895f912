import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '#core/http-errors';

export const GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_TOKEN = 'GITHUB_TOKEN';

/**
 * The Octokit client for this run: the token from the workspace's secrets, `ctx.endpoint` as the base URL
 * (GitHub Enterprise Server: `https://HOST/api/v3`; local peers in tests), every request sent through
 * `ctx.http.fetch`, no retries of its own (Temporal retries the activity).
 *
 * Note on options (v22): `request.fetch` is the custom fetch; `request.retries` is only read by
 * `@octokit/plugin-retry`, which `@octokit/rest` does not include, so the client never retries anyway
 * (it is set to 0 in case a retrying Octokit is ever swapped in). `userAgent` is prefixed to Octokit's own.
 */
export async function githubClient(ctx: ActionContext): Promise<Octokit> {
  const baseUrl = githubApiUrl(ctx.endpoint);
  const token = await ctx.secrets.get(GITHUB_TOKEN);
  return new Octokit({
    auth: token,
    baseUrl,
    userAgent: 'switchyard',
    request: { fetch: ctx.http.fetch, retries: 0, signal: ctx.signal },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => ctx.log.warn(`github: ${message}`),
      // plugin-request-log reports every failed request here; the action's error says it better.
      error: (message: string) => ctx.log.info(`github: ${message}`),
    },
  });
}

/** GitHub's API base URL, or `ctx.endpoint` (an http(s) URL, without a trailing slash). */
export function githubApiUrl(endpoint: string | undefined): string {
  if (endpoint === undefined) return GITHUB_API_URL;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new NonRetryableError(`The GitHub endpoint "${endpoint}" is not a valid URL`, { code: 'INVALID_ENDPOINT' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new NonRetryableError(`The GitHub endpoint must be an http(s) URL, not ${url.protocol}`, { code: 'INVALID_ENDPOINT' });
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Calls GitHub and turns whatever Octokit throws into our typed errors. */
export async function callGitHub<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw githubError(err, what);
  }
}

interface OctokitRequestError {
  name: 'HttpError';
  status: number;
  message: string;
  cause?: unknown;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

function isRequestError(err: unknown): err is OctokitRequestError {
  return err instanceof Error && err.name === 'HttpError' && typeof (err as { status?: unknown }).status === 'number';
}

/**
 * Maps Octokit's `RequestError`:
 * - a rate limit (403/429 with `x-ratelimit-remaining: 0` or a `Retry-After`) → retryable, after the
 *   time GitHub gives (`retry-after` seconds, else `x-ratelimit-reset`);
 * - 408 and 5xx → retryable; other 4xx (401, 403, 404, 422…) → final, with GitHub's message;
 * - a failed fetch (status 500, no response): the guarded client's own error is kept as is.
 */
export function githubError(err: unknown, what: string): Error {
  if (err instanceof RetryableError || err instanceof NonRetryableError) return err;
  if (!isRequestError(err)) return err instanceof Error ? err : new Error(String(err));
  if (!err.response) {
    if (err.cause instanceof RetryableError || err.cause instanceof NonRetryableError) return err.cause;
    return new RetryableError(`Could not reach GitHub (${what}): ${err.message}`, { code: 'CONNECTION_FAILED' });
  }
  const { status } = err;
  const headers = err.response.headers;
  const header = (name: string) => (headers[name] === undefined ? undefined : String(headers[name]));
  const data = err.response.data as { documentation_url?: unknown } | undefined;
  // Octokit's message is GitHub's: `message`, then the `errors` list, then the documentation URL.
  const message = `GitHub ${what} failed (${status}): ${err.message || 'no message'}`;
  const rateLimited = (status === 403 || status === 429) && (header('x-ratelimit-remaining') === '0' || header('retry-after') !== undefined);
  if (rateLimited || status === 429) {
    const retryAfterMs = rateLimitWait(header('retry-after'), header('x-ratelimit-reset'));
    return new RetryableError(message, { status, code: 'RATE_LIMITED', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status === 408 || status >= 500) return new RetryableError(message, { status });
  return new NonRetryableError(`${message}${hintFor(status, what)}`, {
    status,
    ...(typeof data?.documentation_url === 'string' ? { details: { documentationUrl: data.documentation_url } } : {}),
  });
}

function hintFor(status: number, what: string): string {
  if (status === 401) return ` (check ${GITHUB_TOKEN}: it is wrong, expired or revoked)`;
  if (status === 404 && what !== 'GET /user')
    return ` (the repository or issue does not exist, or ${GITHUB_TOKEN} cannot see it: a fine-grained token must include this repository)`;
  if (status === 403) return ` (${GITHUB_TOKEN} lacks a permission: a fine-grained token needs Issues: Read and write on this repository)`;
  return '';
}

/** `retry-after` wins; else the primary limit's reset time (epoch seconds); capped at 10 minutes. */
function rateLimitWait(retryAfter: string | undefined, reset: string | undefined): number | undefined {
  const wait = parseRetryAfter(retryAfter);
  if (wait !== undefined) return wait;
  if (reset === undefined || !/^\d+$/.test(reset.trim())) return undefined;
  const ms = Number(reset) * 1000 - Date.now();
  // A wait of 0 (a reset already past) must not become `nextRetryDelay: 0`, which Temporal treats as "do
  // not retry": leave the node's own backoff in charge instead.
  return ms <= 0 ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** A short stable number from the idempotency key, for sandbox outputs. */
export function sandboxNumber(key: string, modulo: number): number {
  return 1 + (parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % modulo);
}
