import { z } from 'zod';
import { defineAction, FileRef, type ActionContext, type HttpResponse } from '#core/catalog-sdk';
import { SecretName } from '#core/flow';
import { NonRetryableError, RetryableError } from '#core/errors';
import { CONNECTION_ID_PATTERN } from '#core/oauth';
import { JsonTooDeepError, parseBoundedJson } from '#core/json-depth';
import { errorForStatus, excerpt } from '#core/http-errors';

/** Credentials come from a workspace secret, named here; the value is read at execution and never stored in the run. */
export const HttpAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), secret: SecretName }),
  z.object({
    type: z.literal('basic'),
    username: z.string().max(200),
    secret: SecretName.describe('the password'),
    /** `username`: the secret is the user name and the password is `username` (Stripe's `-u sk_live_…:`). */
    secretIs: z.enum(['password', 'username']).optional(),
  }),
  z.object({ type: z.literal('header'), header: z.string().regex(/^[A-Za-z0-9-]{1,100}$/), secret: SecretName, prefix: z.string().max(50).optional() }),
  /** An API key sent as a query parameter (`?api_key=…`). */
  z.object({ type: z.literal('query'), param: z.string().regex(/^[A-Za-z0-9_.\[\]-]{1,100}$/), secret: SecretName }),
  /** An OAuth connection's access token as `Authorization: Bearer …` (refreshed before it expires; see docs/oauth.md). */
  z.object({ type: z.literal('connection'), connection: z.string().regex(CONNECTION_ID_PATTERN, 'a connection id (con_…)') }),
]);

export const HttpRequestInput = z.object({
  url: z.url({ protocol: /^https?$/ }).describe('The full URL, e.g. https://api.example.com/v1/items'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** A JSON value is sent as `application/json`; a string is sent as is. */
  body: z.json().optional(),
  /** A file sent as the body, in its own media type (an upload to a storage API); instead of `body`. */
  bodyFile: FileRef.optional(),
  /**
   * How to read the answer: `auto` (the default) keeps audio, images, video, PDFs, archives and other binary answers
   * as a file and parses JSON; `file` always keeps a file; `text` never parses.
   */
  responseAs: z.enum(['auto', 'json', 'text', 'file']).default('auto'),
  /** When true (the default), a 4xx or 5xx answer fails the step (5xx and 429 are retried). */
  failOnErrorStatus: z.boolean().default(true),
  auth: HttpAuth.optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  /**
   * Sends the step's idempotency key (stable across retries, worker crashes and redone loop batches) in this header,
   * e.g. `Idempotency-Key`, so an API that deduplicates by it never applies one step twice.
   */
  idempotencyHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/)
    .optional(),
});
export type HttpRequestInput = z.infer<typeof HttpRequestInput>;

export const HttpRequestOutput = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  /** Parsed JSON when the answer is JSON, else the text; null when the answer is kept as a file. */
  body: z.json().nullable(),
  /** A binary answer (or any, with `responseAs: file`), stored as a file of the run: map it to an attachment, an upload. */
  file: FileRef.optional(),
});
export type HttpRequestOutput = z.infer<typeof HttpRequestOutput>;

export const request = defineAction({
  key: 'request',
  title: 'HTTP request',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['http', 'request', 'call', 'webhook', 'api', 'post to', 'get', 'url', 'endpoint', 'fetch'],
  description: 'Calls any HTTP API and returns its status, headers and body.',
  input: HttpRequestInput,
  example: { url: 'https://api.example.com/v1/users/42', method: 'GET', headers: { accept: 'application/json' } },
  output: HttpRequestOutput,
  sideEffects: true,
  timeout: '60s',
  async run(input, ctx) {
    const url = new URL(input.url);
    for (const [key, value] of Object.entries(input.query)) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { ...input.headers };
    if (input.idempotencyHeader) headers[input.idempotencyHeader.toLowerCase()] = ctx.idempotencyKey;
    const sensitiveHeaders: string[] = [];
    if (input.auth?.type === 'connection') {
      if (!ctx.connections) throw new NonRetryableError('OAuth connections are not available here');
      headers.authorization = `Bearer ${await ctx.connections.accessToken(input.auth.connection)}`;
    } else if (input.auth) {
      const value = await ctx.secrets.get(input.auth.secret);
      if (input.auth.type === 'bearer') headers.authorization = `Bearer ${value}`;
      else if (input.auth.type === 'basic') {
        const pair = input.auth.secretIs === 'username' ? `${value}:${input.auth.username}` : `${input.auth.username}:${value}`;
        const encoded = Buffer.from(pair).toString('base64');
        ctx.secrets.conceal(input.auth.secret, encoded); // an echoed header must not reveal it either
        headers.authorization = `Basic ${encoded}`;
      } else if (input.auth.type === 'query') {
        url.searchParams.set(input.auth.param, value);
      } else {
        headers[input.auth.header.toLowerCase()] = `${input.auth.prefix ?? ''}${value}`;
        sensitiveHeaders.push(input.auth.header);
      }
    }
    let body: string | Uint8Array | undefined;
    if (input.bodyFile && input.method !== 'GET' && input.method !== 'HEAD') {
      if (!ctx.files) throw new NonRetryableError('Files cannot be read here');
      body = await ctx.files.read(input.bodyFile);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = input.bodyFile.$blob.mediaType;
    } else if (input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD') {
      if (typeof input.body === 'string') body = input.body;
      else {
        body = JSON.stringify(input.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
    }
    const res = await ctx.http.request({
      url: url.toString(),
      method: input.method,
      headers,
      sensitiveHeaders,
      ...(body !== undefined ? { body } : {}),
      ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
    });
    if (res.status === 401 && input.auth?.type === 'connection') {
      // The provider refused the token (revoked, or expired early): the next attempt refreshes first, and a dead
      // grant then makes the run wait for a reconnect.
      await ctx.connections?.rejected(input.auth.connection);
      throw new RetryableError(`${url.origin} refused the access token of connection ${input.auth.connection} (401); it is refreshed before the next attempt`, {
        status: 401,
      });
    }
    if (input.failOnErrorStatus) {
      const error = errorForStatus(res, `${input.method} ${url.origin}${url.pathname}`);
      if (error) throw error;
    }
    if (keepsAsFile(input.responseAs, res.headers['content-type']) && res.body.length > 0) {
      return { status: res.status, headers: res.headers, body: null, file: await storeAnswer(ctx, res) };
    }
    const contentType = input.responseAs === 'text' ? 'text/plain' : input.responseAs === 'json' ? 'application/json' : res.headers['content-type'];
    return { status: res.status, headers: res.headers, body: parseBody(contentType, res.text()) };
  },
});

/** Media types whose answers are bytes, not text: kept as a file by `responseAs: auto`. */
const BINARY = /^(audio|image|video|font)\/|^application\/(pdf|zip|gzip|x-gzip|x-tar|octet-stream|msword|vnd\.openxmlformats|vnd\.ms-)/i;

function keepsAsFile(responseAs: HttpRequestInput['responseAs'], contentType: string | undefined): boolean {
  if (responseAs === 'file') return true;
  return responseAs === 'auto' && contentType !== undefined && BINARY.test(contentType.trim());
}

/** Stores an answer's bytes as a file of the run, named by its Content-Disposition or the URL's last segment. */
async function storeAnswer(ctx: ActionContext, res: HttpResponse): Promise<FileRef> {
  if (!ctx.files) throw new NonRetryableError('The answer is a file, and files cannot be stored here');
  const mediaType = (res.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
  const disposition = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(res.headers['content-disposition'] ?? '')?.[1];
  const fromUrl = decodeURIComponent(new URL(res.url).pathname.split('/').pop() ?? '');
  const name = (safeName(disposition ? decodeURIComponent(disposition) : '') ?? safeName(fromUrl)) || 'download';
  return ctx.files.write({ bytes: Buffer.from(res.body), name, mediaType });
}

/** A file name as stored (no path, no control characters, at most 200 characters), or undefined. */
function safeName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop()?.replace(/[\x00-\x1f]/g, '').trim().slice(0, 200);
  return base ? base : undefined;
}

/** The answer as a step output: JSON (depth-bounded) when it says it is JSON, else the text. */
export function parseBody(contentType: string | undefined, text: string): HttpRequestOutput['body'] {
  if (text === '') return null;
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return parseBoundedJson(text) as HttpRequestOutput['body'];
    } catch (err) {
      if (err instanceof JsonTooDeepError) throw new NonRetryableError(`The answer is JSON (${contentType}) but cannot be used: ${err.message}`);
      throw new NonRetryableError(`The answer says it is JSON (${contentType}) but does not parse: ${excerpt(text, 200)}`);
    }
  }
  return text;
}
