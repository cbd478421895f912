import { createHash } from 'node:crypto';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { parseRetryAfter } from '#core/http-errors';

export const TWILIO_ACCOUNT_SID = 'TWILIO_ACCOUNT_SID';
export const TWILIO_AUTH_TOKEN = 'TWILIO_AUTH_TOKEN';
export const TWILIO_FROM_NUMBER = 'TWILIO_FROM_NUMBER';

/**
 * Twilio's HTTP client, replaced: the SDK's own `RequestClient` sends with axios over its own agent, which
 * would bypass the guarded client. This subclass keeps the SDK's request shape (form bodies, Basic auth,
 * its headers) but sends through `ctx.http.request` (private addresses refused unless allow-listed,
 * where credits are counted), never retries (Temporal does), and, when `ctx.endpoint` is set, rewrites
 * `https://api.twilio.com` (or any `*.twilio.com` host the SDK builds from region/edge settings) to it.
 */
export class GuardedTwilioClient extends twilio.RequestClient {
  /** Headers of the last answer: the SDK's exceptions drop them, and Retry-After lives there. */
  lastHeaders: Record<string, string> = {};

  constructor(private readonly ctx: ActionContext) {
    super({ autoRetry: false, keepAlive: false });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const url = this.target(opts.uri);
    for (const [key, value] of formPairs(opts.params)) url.searchParams.append(key, value);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      // Hop-by-hop headers belong to the transport, not to the SDK.
      if (value !== undefined && name.toLowerCase() !== 'connection') headers[name] = String(value);
    }
    if (opts.username && opts.password) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    else if (opts.authStrategy) headers.Authorization = await opts.authStrategy.getAuthString();
    let body: string | undefined;
    if (opts.data !== undefined && opts.data !== null) {
      const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
      body = type.startsWith('application/json') ? JSON.stringify(opts.data) : new URLSearchParams(formPairs(opts.data)).toString();
    }
    const res = await this.ctx.http.request({
      url: url.href,
      method: opts.method.toUpperCase(),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(opts.timeout ? { timeoutMs: opts.timeout } : {}),
      followRedirects: opts.allowRedirects === true,
    });
    this.lastHeaders = res.headers;
    // What the SDK's own client resolves with; `Version` parses a string body as JSON itself.
    return { statusCode: res.status, body: res.text(), headers: res.headers } as unknown as TwilioResponse<TData>;
  }

  /** The URL to send to: the SDK's, or the same path under `ctx.endpoint`. */
  private target(uri: string): URL {
    const url = new URL(uri);
    const endpoint = this.ctx.endpoint;
    if (endpoint === undefined || !/(^|\.)twilio\.com$/.test(url.hostname)) return url;
    const base = twilioEndpoint(endpoint);
    return new URL(`${base.pathname.replace(/\/+$/, '')}${url.pathname}${url.search}`, base.origin);
  }
}

/** `ctx.endpoint`, checked: an http(s) URL replacing https://api.twilio.com. */
export function twilioEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new NonRetryableError(`The Twilio endpoint "${endpoint}" is not a valid URL`, { code: 'INVALID_ENDPOINT' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new NonRetryableError(`The Twilio endpoint must be an http(s) URL, not ${url.protocol}`, { code: 'INVALID_ENDPOINT' });
  }
  return url;
}

/** A Twilio client for this run, with the workspace's Account SID and Auth Token and the guarded transport. */
export async function twilioClient(ctx: ActionContext): Promise<{ client: twilio.Twilio; accountSid: string; transport: GuardedTwilioClient }> {
  if (ctx.endpoint !== undefined) twilioEndpoint(ctx.endpoint);
  const accountSid = await ctx.secrets.get(TWILIO_ACCOUNT_SID);
  const authToken = await ctx.secrets.get(TWILIO_AUTH_TOKEN);
  if (!/^AC[0-9a-zA-Z]{32}$/.test(accountSid)) {
    throw new NonRetryableError(
      `${TWILIO_ACCOUNT_SID} is not an Account SID: it must be "AC" followed by 32 letters and digits (an API key SID, SK…, cannot be used here). Copy it from https://console.twilio.com.`,
      { code: 'INVALID_ACCOUNT_SID' },
    );
  }
  const transport = new GuardedTwilioClient(ctx);
  const client = twilio(accountSid, authToken, { httpClient: transport, autoRetry: false });
  return { client, accountSid, transport };
}

/** Calls Twilio and turns whatever the SDK throws into our typed errors. */
export async function callTwilio<T>(what: string, transport: GuardedTwilioClient, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw twilioError(err, what, transport.lastHeaders);
  }
}

/**
 * Maps the SDK's `RestException` (legacy `{ code, message, more_info, status }` bodies) and
 * `TwilioServiceException` (RFC 9457 bodies): 408/429/5xx → retryable (Retry-After honoured), other 4xx →
 * final with Twilio's code and message. The guarded client's own errors pass through unchanged.
 */
export function twilioError(err: unknown, what: string, headers: Record<string, string>): Error {
  if (err instanceof RetryableError || err instanceof NonRetryableError) return err;
  const e = err as { status?: unknown; code?: unknown; message?: unknown; moreInfo?: unknown; detail?: unknown };
  if (!(err instanceof Error) || typeof e.status !== 'number') return err instanceof Error ? err : new Error(String(err));
  const status = e.status;
  const code = typeof e.code === 'number' && e.code !== 0 ? e.code : undefined;
  const text = typeof e.detail === 'string' ? `${err.message}: ${e.detail}` : err.message;
  const more = typeof e.moreInfo === 'string' ? ` (${e.moreInfo})` : '';
  const message = `Twilio ${what} failed (${status}${code !== undefined ? `, error ${code}` : ''}): ${text}${more}`;
  const options = { status, ...(code !== undefined ? { code: String(code) } : {}) };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new RetryableError(message, { ...options, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  const hint = status === 401 ? ` Check ${TWILIO_ACCOUNT_SID} and ${TWILIO_AUTH_TOKEN} (test credentials for test runs).` : '';
  return new NonRetryableError(`${message}${hint}`, options);
}

/** The SDK's form encoding (`qs` with `arrayFormat: 'repeat'`): arrays repeat their key, undefined is left out. */
function formPairs(data: unknown): [string, string][] {
  if (data === undefined || data === null || typeof data !== 'object') return [];
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null) pairs.push([key, typeof item === 'object' ? JSON.stringify(item) : String(item)]);
    }
  }
  return pairs;
}

/** A short stable hash of the idempotency key, for sandbox outputs. */
export function sandboxHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}
