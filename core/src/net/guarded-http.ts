import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import type { HttpClient, HttpRequest, HttpResponse } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { parseBoundedJson } from '#core/json-depth';
import { classifyAddress } from '#core/net/address-guard';

export interface GuardedHttpOptions {
  /** CIDRs (`127.0.0.0/8`, `::1/128`), single IPs or exact hostnames (`localhost`) that lift the address guard. */
  allow?: string[];
  /** Whole-request timeout, body included. Default 30 s. */
  timeoutMs?: number;
  /** Default 10 MiB. */
  maxResponseBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Most connections open to one origin; further requests wait in undici's queue (charged, not sent). Default: no limit. */
  maxConnectionsPerOrigin?: number;
  /**
   * Called before each request and each redirect hop is sent; if it throws, nothing is sent. It may return a
   * ticket to follow that request (see {@link RequestTicket}).
   */
  onRequest?: (req: { method: string; url: string }) => void | RequestTicket | Promise<void | RequestTicket | undefined>;
}

/** What `onRequest` returns to follow its request; each hook is optional. */
export interface RequestTicket {
  /** Called synchronously right before the request's first byte is written to a connected socket. */
  sending?(): void;
  /** Called synchronously once the whole request has been handed to the socket. */
  sent?(): void;
  /**
   * Called when the request failed before any byte was written: the address guard refused the address, DNS
   * failed, the connection could not be made, or the request was aborted before it was dispatched.
   */
  notSent?(): Promise<void>;
}

/** Errors of the connect phase: nothing of the request was written to a socket. */
const NOT_SENT_CODES = new Set(['ADDRESS_BLOCKED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether `err` (as `exchange` throws it, with undici's error as its cause) proves the request never left. The
 * client itself knows better (no byte was written unless undici started writing); this is for errors alone.
 */
export function neverSent(err: unknown): boolean {
  const codes = (e: unknown): boolean => {
    if (e instanceof AggregateError && e.errors.length > 0) return e.errors.every(codes);
    // Node and undici errors carry `code`; ours (ADDRESS_BLOCKED from the lookup) carry `options.code`.
    const { code, options } = (e ?? {}) as { code?: unknown; options?: { code?: unknown } };
    for (const c of [code, options?.code]) if (typeof c === 'string' && NOT_SENT_CODES.has(c)) return true;
    const cause = (e as { cause?: unknown } | null)?.cause;
    return cause !== undefined && cause !== e && codes(cause);
  };
  return codes(err);
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;
const ALLOW_ENV = 'SWITCHYARD_HTTP_ALLOW';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** Credentials meant for one origin must not leak to another one a redirect points at. */
const CROSS_ORIGIN_STRIPPED_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export { errorForStatus } from '#core/http-errors';

/** The longest a fetch() with its own abort signal may take. */
const SDK_TIMEOUT_CEILING_MS = 10 * 60_000;

/** Splits a comma-separated allow-list such as the `SWITCHYARD_HTTP_ALLOW` environment variable. */
export function parseAllowList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

type Address = ReturnType<typeof ipaddr.parse>;

/** Decides which hosts and addresses may be connected to: public addresses, and what the allow-list names. */
class AddressGuard {
  private readonly ranges: [Address, number][] = [];
  private readonly hosts = new Set<string>();

  constructor(allow: string[]) {
    for (const raw of allow) {
      const entry = raw.trim();
      if (entry.includes('/')) {
        if (!ipaddr.isValidCIDR(entry)) throw new Error(`${ALLOW_ENV}: "${entry}" is not a valid CIDR`);
        this.ranges.push(ipaddr.parseCIDR(entry));
      } else if (net.isIP(entry)) {
        const address = ipaddr.process(entry);
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else {
        this.hosts.add(normalizeHost(entry));
      }
    }
  }

  hostAllowed(host: string): boolean {
    return this.hosts.has(normalizeHost(host));
  }

  /** Returns the ipaddr.js range name (`loopback`, `private`, …) when the address is blocked. */
  blockedRange(ip: string): string | undefined {
    const { blocked, range } = classifyAddress(ip);
    if (!blocked || (range !== 'invalid' && this.rangeAllowed(ip))) return undefined;
    return range;
  }

  private rangeAllowed(ip: string): boolean {
    // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it stands for.
    const address = ipaddr.process(ip);
    return this.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  }
}

function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

function blockedError(host: string, ip: string, range: string): NonRetryableError {
  const suggestion = host === ip ? `"${ip}"` : `"${host}" or "${ip}"`;
  return new NonRetryableError(
    `Blocked request to ${host}: it resolves to ${ip}, a ${range} address that actions may not reach. ` +
      `If this is intended, add ${suggestion} to ${ALLOW_ENV}.`,
    { code: 'ADDRESS_BLOCKED', details: { host, address: ip, range } },
  );
}

/** The body as a fresh ArrayBuffer-backed array, so it is also a valid `BodyInit`. */
type Bytes = Uint8Array<ArrayBuffer>;

interface Exchange {
  status: number;
  headers: Record<string, string>;
  body: Bytes;
}

/** Creates the HTTP client handed to actions; `close()` ends its pooled connections. */
export function createGuardedHttpClient(options: GuardedHttpOptions = {}): HttpClient & { close(): Promise<void> } {
  const guard = new AddressGuard(options.allow ?? []);
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultMaxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;

  // Our own timer bounds the whole exchange, so undici's idle timeouts are off.
  const agent = new Agent({
    connect: { lookup: guardedLookup(guard) },
    headersTimeout: 0,
    bodyTimeout: 0,
    connections: options.maxConnectionsPerOrigin ?? null,
  });

  /** The request path shared by `request` and `fetch`: redirects, hooks, timeout. */
  async function send(req: HttpRequest, callerSignal?: AbortSignal): Promise<Exchange & { url: string }> {
    const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
    const maxBytes = req.maxResponseBytes ?? defaultMaxBytes;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new NonRetryableError(`"${req.url}" is not a valid URL`, { code: 'INVALID_URL' });
    }

    const limit = deadline(req.url, timeoutMs, callerSignal);
    try {
      let method = (req.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { ...req.headers };
      const sensitive = new Set((req.sensitiveHeaders ?? []).map((h) => h.toLowerCase()));
      let body = req.body;
      for (let hop = 0; ; hop++) {
        checkTarget(guard, url);
        const res = await meteredExchange(agent, options.onRequest, { url, method, headers, body, maxBytes, signal: limit.signal });
        const location = res.headers.location;
        if (req.followRedirects === false || !REDIRECT_STATUSES.has(res.status) || location === undefined) {
          return { ...res, url: url.href };
        }
        if (hop >= maxRedirects) {
          throw new NonRetryableError(`${req.url} redirected more than ${maxRedirects} times (last to ${location})`, {
            code: 'TOO_MANY_REDIRECTS',
          });
        }
        ({ url, method, body } = followRedirect({ from: url, location, status: res.status, method, headers, body, sensitive }));
      }
    } finally {
      limit.done();
    }
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const res = await send(req);
    const text = () => new TextDecoder().decode(res.body);
    return {
      status: res.status,
      headers: res.headers,
      url: res.url,
      body: res.body,
      text,
      json() {
        try {
          // Bounded: the answer is validated and stored by code that recurses over it.
          return parseBoundedJson(text());
        } catch (err) {
          throw new NonRetryableError(`${res.url} did not answer with valid JSON (status ${res.status}): ${(err as Error).message}`, { code: 'INVALID_JSON' });
        }
      },
    };
  }

  async function guardedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // The Request constructor normalises every input and body type fetch accepts.
    const req = new Request(input, init);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : undefined;
    const res = await send(
      // SDKs that pass a signal manage their own timeout (and the activity's timeout bounds every attempt):
      // the client's default would cut long calls such as AI completions short.
      {
        url: req.url,
        method: req.method,
        headers: Object.fromEntries(req.headers),
        body,
        followRedirects: req.redirect === 'follow',
        ...(signal ? { timeoutMs: SDK_TIMEOUT_CEILING_MS } : {}),
      },
      signal,
    );
    if (req.redirect === 'error' && REDIRECT_STATUSES.has(res.status)) {
      throw new TypeError(`fetch to ${req.url} was redirected while redirect mode is "error"`);
    }
    const nullBody = NULL_BODY_STATUSES.has(res.status) || req.method === 'HEAD';
    const response = new Response(nullBody ? null : res.body, { status: res.status, headers: res.headers });
    Object.defineProperty(response, 'url', { value: res.url });
    return response;
  }

  return {
    request,
    fetch: guardedFetch,
    close: () => agent.close(),
  };
}

/**
 * The DNS lookup of the guarded agent. It runs for every new connection to a DNS name, so the address checked is the
 * address connected to: a name that resolves to a private address (or starts to, DNS rebinding) never gets a socket.
 */
function guardedLookup(guard: AddressGuard): net.LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      if (!guard.hostAllowed(hostname)) {
        for (const { address } of addresses) {
          const range = guard.blockedRange(address);
          if (range !== undefined) return callback(blockedError(hostname, address, range), '');
        }
      }
      if (lookupOptions.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/** Rejects bad schemes and blocked IP literals, for which `lookup` is never called. */
function checkTarget(guard: AddressGuard, url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NonRetryableError(`Only http: and https: URLs can be requested, not ${url.href}`, { code: 'UNSUPPORTED_SCHEME' });
  }
  const host = normalizeHost(url.hostname);
  if (net.isIP(host) && !guard.hostAllowed(host)) {
    const range = guard.blockedRange(host);
    if (range !== undefined) throw blockedError(host, host, range);
  }
}

/** One request/response over the guarded agent, body read in full; errors mapped to the catalog's. */
async function exchange(
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  maxBytes: number,
  signal: AbortSignal,
  watch: Watch,
): Promise<Exchange> {
  try {
    const res = await undiciRequest(url, { dispatcher: watched(agent, watch), method: method as 'GET', headers, body: body ?? null, signal });
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const tooLarge = () => new NonRetryableError(`${url.href} answered with more than the ${maxBytes}-byte response limit`, { code: 'RESPONSE_TOO_LARGE' });
    if (method !== 'HEAD' && Number(flat['content-length']) > maxBytes) {
      // Drop the body unread; destroy() emits an abort error that nobody else listens for.
      res.body.on('error', () => {});
      res.body.destroy();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // Throwing out of for-await destroys the body, which closes the connection.
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { status: res.statusCode, headers: flat, body: bytes };
  } catch (err) {
    // The timeout (or the caller's signal) aborted the request: report that, not undici's abort error.
    if (signal.aborted) throw signal.reason;
    if (err instanceof RetryableError || err instanceof NonRetryableError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE') {
      throw new NonRetryableError(`Invalid request to ${url.href}: ${describe(err)}`, { code: 'INVALID_REQUEST' });
    }
    const failure = new RetryableError(`Could not connect to ${url.href}: ${describe(err)}`, { code: 'CONNECTION_FAILED' });
    failure.cause = err;
    throw failure;
  }
}

/**
 * The next hop of a redirect: credentials (and the caller's sensitive headers) are dropped when it leaves the origin;
 * a 303 (or a 301/302 after a POST) becomes a GET without a body. `headers` is changed in place.
 */
function followRedirect(o: {
  from: URL;
  location: string;
  status: number;
  method: string;
  headers: Record<string, string>;
  body: HttpRequest['body'];
  sensitive: Set<string>;
}): { url: URL; method: string; body: HttpRequest['body'] } {
  const url = new URL(o.location, o.from);
  if (url.origin !== o.from.origin) {
    for (const name of Object.keys(o.headers)) {
      const lower = name.toLowerCase();
      if (CROSS_ORIGIN_STRIPPED_HEADERS.includes(lower) || o.sensitive.has(lower)) delete o.headers[name];
    }
  }
  if ((o.status === 303 && o.method !== 'HEAD') || ((o.status === 301 || o.status === 302) && o.method === 'POST')) {
    for (const name of Object.keys(o.headers)) if (/^content-/i.test(name)) delete o.headers[name];
    return { url, method: 'GET', body: undefined };
  }
  return { url, method: o.method, body: o.body };
}

/** A signal that aborts after `timeoutMs` (a retryable TIMEOUT) or when the caller's signal does; `done()` clears both. */
function deadline(url: string, timeoutMs: number, callerSignal: AbortSignal | undefined): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new RetryableError(`${url} did not answer within ${timeoutMs} ms`, { code: 'TIMEOUT' }));
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

/**
 * One hop, metered: the `onRequest` hook charges it before it is sent, and a request that never left (aborted before
 * it started, or refused before undici wrote a byte) is refunded.
 */
async function meteredExchange(
  agent: Agent,
  onRequest: GuardedHttpOptions['onRequest'],
  o: { url: URL; method: string; headers: Record<string, string>; body: HttpRequest['body']; maxBytes: number; signal: AbortSignal },
): Promise<Exchange> {
  const ticket = (await onRequest?.({ method: o.method, url: o.url.href })) ?? undefined;
  const watch: Watch = { started: false, ticket };
  // A refund that fails leaves the charge in place (the reconciliation shows it); the request's own error wins.
  const refund = async () => void (await ticket?.notSent?.().catch(() => undefined));
  if (o.signal.aborted) {
    await refund();
    throw o.signal.reason;
  }
  try {
    return await exchange(agent, o.url, o.method, o.headers, o.body, o.maxBytes, o.signal, watch);
  } catch (err) {
    if (!watch.started || neverSent(err)) await refund();
    throw err;
  }
}

/** One request's ticket, and whether undici started writing it. */
interface Watch {
  started: boolean;
  ticket: RequestTicket | undefined;
}

/**
 * The agent, as a dispatcher that tells `watch` when undici writes the request: `onConnect` runs synchronously
 * right before the first byte is written, `onRequestSent` right after the last one was handed to the socket.
 */
function watched(agent: Agent, watch: Watch): Dispatcher {
  const dispatch = (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean =>
    agent.dispatch(
      opts,
      new Proxy(handler, {
        get(target, prop) {
          if (prop === 'onConnect') {
            return (...args: unknown[]) => {
              watch.started = true;
              watch.ticket?.sending?.();
              return (target.onConnect as (...a: unknown[]) => void).apply(target, args);
            };
          }
          if (prop === 'onRequestSent') {
            return () => {
              watch.ticket?.sent?.();
              return (target as { onRequestSent?: () => void }).onRequestSent?.();
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    );
  return { dispatch } as unknown as Dispatcher;
}

function describe(err: unknown): string {
  // Node reports a failed connection to every address of a name as an AggregateError with an empty message.
  const inner = err instanceof AggregateError && err.errors[0] !== undefined ? err.errors[0] : err;
  if (!(inner instanceof Error)) return String(inner);
  const code = (inner as { code?: unknown }).code;
  return typeof code === 'string' && !inner.message.includes(code) ? `${inner.message} (${code})` : inner.message || String(code);
}
