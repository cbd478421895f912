import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '#core/http-errors';

/** The only module that talks to OpenAI (or an OpenAI-compatible server). */

export const OPENAI_API_KEY = 'OPENAI_API_KEY';
export const OPENAI_BASE_URL = 'OPENAI_BASE_URL';
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** 408 timeout, 409 lock conflict, 429 rate limit: the statuses OpenAI's own SDK retries, plus every 5xx. */
const RETRYABLE_STATUSES = new Set([408, 409, 429]);

/** The base URL: the worker's endpoint override, else the workspace's OPENAI_BASE_URL setting, else OpenAI's. */
export async function baseUrlFor(ctx: ActionContext): Promise<string> {
  if (ctx.endpoint) return ctx.endpoint;
  const setting = (await ctx.secrets.find(OPENAI_BASE_URL))?.trim();
  if (!setting) return DEFAULT_BASE_URL;
  let url: URL | undefined;
  try {
    url = new URL(setting);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new NonRetryableError(
      `The ${OPENAI_BASE_URL} setting is not an http(s) URL. Set it to a base URL such as http://localhost:11434/v1, or remove it to use OpenAI.`,
      {
        code: 'INVALID_SETTING',
      },
    );
  }
  return setting.replace(/\/+$/, '');
}

/**
 * The official SDK client for this call. Its retries are off (Temporal retries the activity), its fetch is
 * the worker's guarded fetch (address guard, size limits, metering), and it reads nothing from the worker's
 * environment: the SDK would otherwise pick up OPENAI_ORG_ID, OPENAI_PROJECT_ID and OPENAI_LOG.
 */
export async function openaiClient(ctx: ActionContext, o: { timeoutMs: number }): Promise<OpenAI> {
  const apiKey = await ctx.secrets.get(OPENAI_API_KEY);
  const baseURL = await baseUrlFor(ctx);
  return new OpenAI({
    apiKey,
    baseURL,
    fetch: ctx.http.fetch,
    maxRetries: 0,
    timeout: o.timeoutMs,
    organization: null,
    project: null,
    webhookSecret: null,
    logLevel: 'off',
  });
}

/**
 * Maps whatever the SDK threw to the catalog's typed errors. `what` names the call (`OpenAI POST
 * /chat/completions`); API messages are OpenAI's own, which never contain the key.
 */
export function toActionError(err: unknown, what: string): Error {
  if (err instanceof RetryableError || err instanceof NonRetryableError) return err;
  if (err instanceof APIUserAbortError) return new RetryableError(`${what} was cancelled`, { code: 'CANCELLED' });
  if (err instanceof APIConnectionTimeoutError) return new RetryableError(`${what} did not answer in time`, { code: 'TIMEOUT' });
  if (err instanceof APIConnectionError) {
    // The guarded fetch throws typed errors (a blocked address is final, a refused connection is not).
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof RetryableError || cause instanceof NonRetryableError) return cause;
    const reason = cause instanceof Error ? cause.message : err.message;
    return new RetryableError(`Could not reach ${what}: ${reason}`, { code: 'CONNECTION_FAILED' });
  }
  if (err instanceof APIError && err.status !== undefined) {
    const status = err.status;
    const body = err.error as { message?: unknown } | undefined;
    const apiMessage = typeof body?.message === 'string' && body.message !== '' ? body.message : err.message;
    const code = stringOrUndefined(err.code) ?? stringOrUndefined(err.type);
    const message = `${what} answered ${status}: ${apiMessage}${code ? ` (${code})` : ''}`;
    if (RETRYABLE_STATUSES.has(status) || status >= 500) {
      const retryAfterMs = retryAfter(err.headers);
      return new RetryableError(message, { status, ...(code ? { code } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    return new NonRetryableError(message, { status, ...(code ? { code } : {}) });
  }
  // Raised before any request, e.g. an argument the SDK refuses: trying again cannot help.
  if (err instanceof OpenAIError) return new NonRetryableError(`${what}: ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `retry-after-ms` (OpenAI's, in milliseconds) wins over `retry-after` (seconds or an HTTP date). A wait
 * of 0 is no wait: undefined, so the node's own backoff stays in charge.
 */
export function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms != null && ms.trim() !== '' && Number.isFinite(Number(ms))) {
    const wait = Math.round(Math.min(Number(ms), MAX_RETRY_AFTER_MS));
    return wait > 0 ? wait : undefined;
  }
  return parseRetryAfter(headers?.get('retry-after') ?? undefined);
}
