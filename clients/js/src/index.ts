/**
 * @switchyard/client: a small typed client for apps (ESM, `fetch` only). Its request and answer types are generated
 * from Switchyard's OpenAPI document (src/generated.ts). A test key (`sy_test_…`) works in test mode, as everywhere.
 *
 * @example
 * const sy = createClient({ baseUrl: 'https://switchyard.example.com', apiKey: process.env.SWITCHYARD_KEY! });
 * const answer = await sy.flows.invoke('flw_abc', { cartId: 'c_1' }, { idempotencyKey: 'cart-c_1' });
 * if (answer.done) redirect(answer.output.url);
 * else for await (const e of sy.runs.follow(answer.runId)) if (e.type === 'run.ended') …
 */
import type { AppRun, ErrorBody, InvokeAccepted, InvokeResult, JsonValue, RunEvent, SendEventResult } from './generated.js';
import { readSse } from './sse.js';
import { verifyNotification, type HeaderSource, type NotificationPayload, type VerifyOptions } from './verify.js';

export type { AppRun, ErrorBody, InvokeAccepted, InvokeResult, JsonValue, RunEvent, SendEventResult } from './generated.js';
export { NotificationVerificationError, type CreditsLowPayload, type NotificationPayload, type RunNotificationPayload, type VerifyOptions } from './verify.js';

export interface ClientOptions {
  /** Where Switchyard answers, e.g. `https://switchyard.example.com`. */
  baseUrl: string;
  /** A workspace key: `sy_live_…`, `sy_test_…`, or (in a browser) a publishable `sy_pub_…`. */
  apiKey: string;
  /** Another fetch (tests, older runtimes); default the global one. */
  fetch?: typeof fetch;
}

/** An error answer: `code` from Switchyard's error catalog (FLOW_FAILED, RUN_PARKED, RATE_LIMITED…), `details` as sent. */
export class SwitchyardError extends Error {
  override readonly name = 'SwitchyardError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  /** The run concerned (a failed or parked invoke), when the answer names one. */
  get runId(): string | undefined {
    const d = this.details as { runId?: unknown } | undefined;
    return typeof d?.runId === 'string' ? d.runId : undefined;
  }
}

/** An invoke's outcome: the answer (`done: true`), or the run still going after the wait (`done: false`). */
export type InvokeOutcome<T = unknown> = ({ done: true } & Omit<InvokeResult, 'output'> & { output: T }) | ({ done: false } & InvokeAccepted);

export interface InvokeOptions {
  /** The same key runs the flow once and answers the same (per flow and mode). */
  idempotencyKey?: string;
  /** Seconds to wait for the answer (default 10, at most 60). */
  wait?: number;
  signal?: AbortSignal;
}

export interface FollowOptions {
  /** Start after this event seq (default: from the first event). */
  after?: number;
  signal?: AbortSignal;
  /** How often a dropped stream is reopened (with Last-Event-ID) before giving up; default 10. */
  maxReconnects?: number;
}

export function createClient(o: ClientOptions) {
  const doFetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  const base = o.baseUrl.replace(/\/$/, '');

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<{ status: number; body: T }> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${o.apiKey}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (parsed as ErrorBody | undefined)?.error;
      throw new SwitchyardError(res.status, e?.code ?? 'HTTP_ERROR', e?.message ?? `Switchyard answered ${res.status}`, e?.details);
    }
    return { status: res.status, body: parsed as T };
  }

  async function* follow(runId: string, f: FollowOptions = {}): AsyncGenerator<RunEvent> {
    let after = f.after ?? 0;
    let reconnects = 0;
    for (;;) {
      const res = await doFetch(`${base}/v1/runs/${encodeURIComponent(runId)}/events`, {
        headers: { authorization: `Bearer ${o.apiKey}`, accept: 'text/event-stream', ...(after > 0 ? { 'last-event-id': String(after) } : {}) },
        ...(f.signal ? { signal: f.signal } : {}),
      });
      if (!res.ok || !res.body) {
        const text = await res.text();
        const e = (text ? (JSON.parse(text) as ErrorBody) : undefined)?.error;
        throw new SwitchyardError(res.status, e?.code ?? 'HTTP_ERROR', e?.message ?? `Switchyard answered ${res.status}`, e?.details);
      }
      try {
        for await (const m of readSse(res.body)) {
          const event = JSON.parse(m.data) as RunEvent;
          after = event.seq;
          reconnects = 0;
          yield event;
          if (event.type === 'run.ended') return;
        }
      } catch (err) {
        if (f.signal?.aborted) throw err;
        // A dropped connection: reopened below with Last-Event-ID.
      }
      if (f.signal?.aborted) return;
      if (++reconnects > (f.maxReconnects ?? 10))
        throw new SwitchyardError(0, 'STREAM_LOST', `The event stream of run ${runId} kept dropping; last event ${after}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * reconnects, 5000)));
    }
  }

  return {
    events: {
      /** Sends an app event: every published flow triggered by it starts (once per `id`). */
      async send(name: string, data: JsonValue = {}, opts: { id?: string } = {}): Promise<SendEventResult> {
        return (await call<SendEventResult>('POST', '/v1/events', { name, data, ...(opts.id ? { id: opts.id } : {}) })).body;
      },
    },
    flows: {
      /**
       * Invokes a published flow (trigger `invoke`) and waits for its answer. A failed run throws SwitchyardError
       * `FLOW_FAILED` (502; `details` names the node), a parked one `RUN_PARKED` (409).
       */
      async invoke<T = unknown>(flowKey: string, input: JsonValue = {}, opts: InvokeOptions = {}): Promise<InvokeOutcome<T>> {
        const query = opts.wait !== undefined ? `?wait=${opts.wait}` : '';
        const res = await call<InvokeResult | InvokeAccepted>(
          'POST',
          `/v1/flows/${encodeURIComponent(flowKey)}/invoke${query}`,
          { input },
          opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
          opts.signal,
        );
        return res.status === 200 ? ({ done: true, ...(res.body as InvokeResult) } as InvokeOutcome<T>) : { done: false, ...(res.body as InvokeAccepted) };
      },
    },
    runs: {
      /** A run: status, output, error, cost; each node's details with `{ nodes: true }`. */
      async get(runId: string, opts: { nodes?: boolean } = {}): Promise<AppRun> {
        return (await call<AppRun>('GET', `/v1/runs/${encodeURIComponent(runId)}${opts.nodes ? '?nodes=true' : ''}`)).body;
      },
      /** The run's events in order until `run.ended`; a dropped stream is reopened with Last-Event-ID, so none is missed or repeated. */
      follow,
    },
    notifications: {
      /** Verifies a notification your endpoint received (the raw body, its headers, the endpoint's `whsec_…` secret) and parses it. */
      verify(body: string, headers: HeaderSource, secret: string, opts?: VerifyOptions): Promise<NotificationPayload> {
        return verifyNotification(body, headers, secret, opts);
      },
    },
  };
}

export type SwitchyardClient = ReturnType<typeof createClient>;
