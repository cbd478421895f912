import crypto from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { RunMode } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { parseBoundedJson } from '#core/json-depth';
import type { FlowSnapshot, FlowTrigger } from '#core/flow';
import { RunSignals, type WebhookSignal } from '#core/run';
import { WebhookRejected, type VerifiedDelivery, type WebhookSource } from '#core/webhooks';
import type { Db } from '#store/database';
import { getFlow, getVersion } from '#store/flows.repository';
import * as hooks from '#store/webhooks.repository';
import type { ServerDeps } from '../deps';
import { isUnavailable } from '../temporal';
import { startRun } from './runs.service';
import { WorkflowIds } from '#core/names';
import { formDeliveryPayload } from './webhook-multipart';

type WebhookDeps = Pick<ServerDeps, 'db' | 'temporal' | 'catalog' | 'integrations' | 'secrets' | 'logger' | 'blobs'>;

/** The header a `public` endpoint's sender puts its token in. */
export const PUBLIC_TOKEN_HEADER = 'x-switchyard-token';
/** The secret a `public` endpoint checks tokens against when the trigger names none. */
export const PUBLIC_TOKEN_SECRET = 'WEBHOOK_TOKEN';

/** What `/hooks/:id` answers. */
export interface HookAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function webhookSources(deps: Pick<ServerDeps, 'integrations'>): Map<string, WebhookSource> {
  return new Map(deps.integrations.flatMap((i) => i.webhooks ?? []).map((s) => [s.id, s]));
}

/** The secret a source reads by default (`STRIPE_WEBHOOK_SECRET`…), `WEBHOOK_TOKEN` for public endpoints. */
export function defaultSecretName(deps: Pick<ServerDeps, 'integrations'>, source: string): string {
  if (source === 'public') return PUBLIC_TOKEN_SECRET;
  const found = webhookSources(deps).get(source);
  if (!found)
    throw new AppError('VALIDATION_FAILED', `There is no webhook source "${source}"; use one of ${[...webhookSources(deps).keys(), 'public'].join(', ')}`);
  return found.secretVariable;
}

/**
 * Receives one delivery: verify over the raw bytes, store it, dedupe on the provider's event id, then hand
 * it to Temporal (start the flow's run, or signal the waiting run). Answers 2xx only once Temporal took it
 * or it is stored for a wait to find; 503 when Temporal is unreachable, so the sender retries.
 */
export async function receiveDelivery(
  deps: WebhookDeps,
  path: string,
  req: { rawBody: Buffer; headers: Record<string, string | undefined> },
): Promise<HookAnswer> {
  const started = performance.now();
  const { db } = deps;
  const found = await endpointWithSecrets(deps, path);
  if (!found) return answer(404, 'NOT_FOUND', 'There is no webhook endpoint at this URL; copy the URL again from Switchyard');
  const { endpoint, mode } = found;
  if (endpoint.disabled_at)
    return answer(410, 'ENDPOINT_DISABLED', 'This webhook endpoint is disabled (its flow was unpublished or changed trigger); remove it at the sender');

  const source = webhookSources(deps).get(endpoint.source);
  const now = new Date().toISOString();
  const base = {
    workspace_id: endpoint.workspace_id,
    endpoint_id: endpoint.id,
    mode,
    received_at: now,
    claimed_at: now,
    headers: JSON.stringify(redactHeaders(req.headers, [...(source?.signatureHeaders ?? []), ...(endpoint.header ? [endpoint.header] : [])])),
  };
  let verified: VerifiedDelivery;
  /** What the delivery log keeps of the body: as received (minus credential fields), or a form's summary. */
  let logged: string | undefined;
  try {
    verified = verify(deps, endpoint, found, req);
    if (endpoint.source === 'public' && isForm(req)) {
      const form = await formDeliveryPayload(deps.blobs, {
        workspaceId: endpoint.workspace_id,
        deliveryKey: `delivery:${endpoint.id}:${verified.eventId}`.slice(0, 200),
        rawBody: req.rawBody,
        contentType: req.headers['content-type']!,
      });
      verified = { ...verified, payload: form.payload };
      logged = form.summary;
    }
  } catch (err) {
    if (!(err instanceof WebhookRejected)) throw err;
    // A refused body is kept only in part: it is not trusted, and an attacker must not fill the disk.
    const body = isForm(req)
      ? `[multipart/form-data, ${req.rawBody.length} bytes]`
      : req.rawBody.subarray(0, REJECTED_BODY_BYTES).toString('utf8') + (req.rawBody.length > REJECTED_BODY_BYTES ? '…[truncated]' : '');
    const detail = err instanceof EndpointNotReady ? err.detail : err.message;
    await hooks.insertDelivery(
      db,
      { ...base, body, payload: null, verified: 0, status: 'rejected', error: `${err.code}: ${detail}`, event_id: null, event_type: null },
      null,
    );
    return answer(err.status, err.code, err.message);
  }
  const payload = withoutFields(verified.payload, source?.secretBodyFields);
  verified = { ...verified, payload };
  const { id, owner } = await hooks.insertDelivery(
    db,
    {
      ...base,
      body: logged ?? redactBody(req, source?.secretBodyFields),
      payload: JSON.stringify(payload ?? null),
      verified: 1,
      status: 'received',
      error: null,
      event_id: verified.eventId,
      event_type: verified.eventType ?? null,
    },
    verified.dedupeKey ?? verified.eventId,
  );
  const finisher =
    (deliveryId: string) =>
    async (status: string, extra: Partial<hooks.DeliveryRow> = {}) => {
      await hooks.updateDelivery(db, deliveryId, { status, latency_ms: performance.now() - started, ...extra });
    };
  const finish = finisher(id);
  if (verified.reply) {
    await finish(owner ? 'duplicate' : 'ignored');
    return { status: verified.reply.status, body: verified.reply.body };
  }
  try {
    if (endpoint.kind === 'trigger') return await deliverToFlow(deps, endpoint, mode, verified, id, finish);
    if (!owner) return await deliverToWaits(deps, endpoint, mode, verified, id, finish);
    // A copy of an inbox event: never matched on its own (it could reach a second wait); it takes over the first
    // delivery when that one failed or stalled, else it is answered once the first is handled.
    for (let i = 0; i < COPY_WAIT_TRIES; i++) {
      if (await hooks.takeOverDelivery(db, owner.id, new Date(Date.now() - STALLED_AFTER_MS).toISOString())) {
        await finish('duplicate');
        const result = await deliverToWaits(deps, endpoint, mode, verified, owner.id, finisher(owner.id));
        return { ...result, body: { ...(result.body as object), deliveryId: id, duplicateOf: owner.id } };
      }
      const first = await hooks.deliveryById(db, owner.id);
      if (first && HANDLED.includes(first.status)) {
        await finish('duplicate');
        return ok({ deliveryId: id, status: 'duplicate', duplicateOf: owner.id, runId: first.run_id ?? undefined });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await finish('duplicate', { error: `The first delivery of this event (${owner.id}) was still being handled` });
    return {
      ...answer(409, 'IN_PROGRESS', 'The first delivery of this event is still being handled; send it again in a moment.'),
      headers: { 'retry-after': '2' },
    };
  } catch (err) {
    if (err instanceof AppError && err.code === 'TEMPORAL_UNAVAILABLE') {
      await finish('failed', { error: err.message });
      return { ...answer(503, err.code, `${err.message} The delivery was not accepted: send it again.`), headers: { 'retry-after': '5' } };
    }
    await finish('failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

/** Statuses of a delivery that was handled: a copy of it is only a duplicate. */
const HANDLED = ['delivered', 'matched', 'unmatched', 'ignored', 'duplicate'];
/** How long a copy waits for the first delivery of its event (tries × 100 ms), and when that one counts as stalled. */
const COPY_WAIT_TRIES = 20;
const STALLED_AFTER_MS = 30_000;
const REJECTED_BODY_BYTES = 4096;

/** Runs the flow behind a trigger endpoint, once per event: the workflow id derives from the event id. */
async function deliverToFlow(
  deps: WebhookDeps,
  endpoint: hooks.EndpointRow,
  mode: RunMode,
  verified: VerifiedDelivery,
  deliveryId: string,
  finish: (status: string, extra?: Partial<hooks.DeliveryRow>) => Promise<void>,
  workflowSuffix = '',
): Promise<HookAnswer> {
  const events = endpoint.events ?? undefined;
  if (events && !events.includes(verified.eventType ?? '')) {
    await finish('ignored');
    return ok({ deliveryId, status: 'ignored', reason: `The flow starts only on ${events.join(', ')}` });
  }
  const flow = await publishedFlow(deps.db, endpoint);
  if (!flow) {
    await finish('ignored', { error: 'The flow is not published with this webhook trigger' });
    return answer(410, 'ENDPOINT_DISABLED', 'The flow behind this endpoint is no longer published with a webhook trigger');
  }
  const workflowId = `${WorkflowIds.webhook({ endpointId: endpoint.id, mode, eventKey: eventKey(verified.dedupeKey ?? verified.eventId) })}${workflowSuffix}`;
  const signal: WebhookSignal = { deliveryId, eventId: verified.eventId, ...(verified.eventType ? { eventType: verified.eventType } : {}) };
  const run = await startRun(deps.db, deps.temporal, deps.catalog, {
    workspaceId: endpoint.workspace_id,
    flowId: flow.flowId,
    version: flow.version,
    snapshot: flow.snapshot,
    trigger: {
      type: 'webhook',
      ...(verified.eventType ? { name: verified.eventType } : {}),
      id: verified.eventId,
      deliveryId,
      data: verified.payload,
    },
    mode,
    workflowId,
    signal: { name: RunSignals.webhook, args: [signal] },
  });
  const status = run.created ? 'delivered' : 'duplicate';
  await finish(status, { run_id: run.runId, workflow_id: workflowId });
  return ok({ deliveryId, status, runId: run.runId });
}

/** Hands an inbox delivery to the first run waiting for it, or keeps it for a wait registered soon after. */
async function deliverToWaits(
  deps: WebhookDeps,
  endpoint: hooks.EndpointRow,
  mode: RunMode,
  verified: VerifiedDelivery,
  deliveryId: string,
  finish: (status: string, extra?: Partial<hooks.DeliveryRow>) => Promise<void>,
): Promise<HookAnswer> {
  const { db, temporal } = deps;
  if (!verified.eventType) {
    await finish('unmatched');
    return ok({ deliveryId, status: 'unmatched' });
  }
  const waits = await hooks.openWaits(db, { workspaceId: endpoint.workspace_id, source: endpoint.source, eventType: verified.eventType, mode });
  for (const wait of waits) {
    if (!hooks.deliverySatisfies(wait, verified.payload)) continue;
    if (!(await hooks.pairDeliveryWithWait(db, deliveryId, wait.id))) continue;
    const signal: WebhookSignal = { deliveryId, eventId: verified.eventId, eventType: verified.eventType, waitId: wait.id, payload: verified.payload };
    try {
      await temporal.call((client) => client.workflow.getHandle(wait.workflow_id).signal(RunSignals.webhook, signal));
    } catch (err) {
      // The run ended (timed out, cancelled): this wait is over; try the next one.
      if (err instanceof WorkflowNotFoundError) {
        await hooks.unpair(db, deliveryId, wait.id, 'expired');
        continue;
      }
      await hooks.unpair(db, deliveryId, wait.id, 'waiting');
      if (isUnavailable(err)) throw new AppError('TEMPORAL_UNAVAILABLE', 'Temporal is unreachable; the waiting run could not be signalled.');
      throw err;
    }
    await finish('matched', { run_id: wait.run_id, workflow_id: wait.workflow_id, wait_id: wait.id });
    return ok({ deliveryId, status: 'matched', runId: wait.run_id });
  }
  // Kept as `unmatched`: a wait registered within the buffer window still finds it. (A worker may have paired it meanwhile.)
  const buffered = await hooks.updateDelivery(db, deliveryId, { status: 'unmatched' }, ['received']);
  if (!buffered) {
    const row = await hooks.deliveryById(db, deliveryId);
    return ok({ deliveryId, status: row?.status ?? 'matched', runId: row?.run_id ?? undefined });
  }
  await finish('unmatched');
  return ok({ deliveryId, status: 'unmatched' });
}

/** Replays a stored, verified delivery: a trigger endpoint starts a new run of its flow; an inbox delivery is matched again. */
export async function replayDelivery(deps: WebhookDeps, workspaceId: string, deliveryId: string) {
  const { db } = deps;
  const row = await hooks.getDelivery(db, workspaceId, deliveryId);
  if (!row) throw new AppError('NOT_FOUND', `There is no webhook delivery "${deliveryId}" in this workspace`);
  const original = row.duplicate_of ? await hooks.getDelivery(db, workspaceId, row.duplicate_of) : row;
  if (!original?.verified || !original.event_id || original.payload === null)
    throw new AppError('CONFLICT', `Delivery "${deliveryId}" failed verification (${row.error ?? 'rejected'}); only verified deliveries can be replayed`);
  const endpoint = await hooks.getEndpoint(db, workspaceId, original.endpoint_id);
  if (!endpoint) throw new AppError('NOT_FOUND', `The endpoint of delivery "${deliveryId}" no longer exists`);
  const started = performance.now();
  const mode = original.mode === 'test' ? 'test' : 'live';
  const verified: VerifiedDelivery = {
    eventId: original.event_id,
    ...(original.event_type ? { eventType: original.event_type } : {}),
    payload: original.payload,
  };
  const now = new Date().toISOString();
  const { id } = await hooks.insertDelivery(
    db,
    {
      workspace_id: workspaceId,
      endpoint_id: endpoint.id,
      mode,
      received_at: now,
      claimed_at: now,
      headers: JSON.stringify({ ...original.headers, 'x-switchyard-replay-of': original.id }),
      body: original.body,
      payload: JSON.stringify(original.payload),
      verified: 1,
      status: 'received',
      error: null,
      event_id: original.event_id,
      event_type: original.event_type,
    },
    null, // a replay is deliberate: not deduplicated
  );
  const finish = async (status: string, extra: Partial<hooks.DeliveryRow> = {}) => {
    await hooks.updateDelivery(db, id, { status, latency_ms: performance.now() - started, ...extra });
  };
  let result: HookAnswer;
  try {
    result =
      endpoint.kind === 'trigger'
        ? await deliverToFlow(deps, endpoint, mode, verified, id, finish, `:replay:${id}`)
        : await deliverToWaits(deps, endpoint, mode, verified, id, finish);
  } catch (err) {
    await finish('failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  if (result.status >= 400) {
    const body = result.body as { error?: { code: string; message: string } };
    throw new AppError(result.status === 503 ? 'TEMPORAL_UNAVAILABLE' : 'CONFLICT', body.error?.message ?? 'The replay was not delivered');
  }
  return { replayOf: original.id, ...(result.body as object) };
}

/** Keeps a flow's endpoint in step with its published trigger: created or updated for a webhook trigger, disabled otherwise. */
export async function syncFlowEndpoint(deps: Pick<ServerDeps, 'db' | 'integrations'>, workspaceId: string, flowId: string, trigger: FlowTrigger) {
  if (trigger.type !== 'webhook') {
    const existing = await hooks.endpointOfFlow(deps.db, workspaceId, flowId);
    if (existing) await hooks.disableEndpoint(deps.db, workspaceId, existing.id);
    return undefined;
  }
  const { row } = await hooks.upsertEndpoint(deps.db, workspaceId, {
    kind: 'trigger',
    flowId,
    source: trigger.source,
    secretNames: trigger.secrets ?? [defaultSecretName(deps, trigger.source)],
    header: trigger.header,
    events: trigger.events,
  });
  return row;
}

/** Creates (or updates) the workspace's inbox for a source: where events for waitForWebhook nodes arrive. */
export async function ensureInbox(
  deps: Pick<ServerDeps, 'db' | 'integrations'>,
  workspaceId: string,
  c: { source: string; secrets?: string[]; header?: string; onlyIfMissing?: boolean },
) {
  if (c.source === 'public')
    throw new AppError(
      'VALIDATION_FAILED',
      'An inbox needs a verified source (stripe, github, slack, standard or hmac); public endpoints can only start flows',
    );
  const current = await hooks.endpointOfSlot(deps.db, workspaceId, `inbox:${c.source}`);
  // Publishing creates a missing inbox; it leaves an existing one (even one someone disabled) as it is.
  if (current && c.onlyIfMissing) return { row: current, created: false };
  return hooks.upsertEndpoint(deps.db, workspaceId, {
    kind: 'inbox',
    source: c.source,
    secretNames: c.secrets ?? (current && !c.secrets ? current.secret_names : [defaultSecretName(deps, c.source)]),
    header: c.header ?? current?.header ?? undefined,
  });
}

export function presentEndpoint(row: hooks.EndpointRow, baseUrl: string) {
  return {
    id: row.id,
    kind: row.kind,
    flowId: row.flow_id,
    source: row.source,
    secrets: row.secret_names,
    header: row.header ?? (row.source === 'public' ? PUBLIC_TOKEN_HEADER : undefined),
    events: row.events ?? undefined,
    urls: { live: `${baseUrl}/hooks/${row.live_path}`, test: `${baseUrl}/hooks/${row.test_path}` },
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

/**
 * An endpoint by URL id, with the values of its signing secrets for the URL's mode. Kept in memory for a few
 * seconds (each delivery would otherwise read and decrypt them again); changes made through this API server
 * apply at once (forgetWebhookEndpoints), others within VERIFIER_CACHE_MS. An endpoint without secrets is never kept.
 */
async function endpointWithSecrets(deps: WebhookDeps, path: string) {
  const cached = verifierCache.get(path);
  if (cached && cached.until > Date.now()) return cached.value;
  const found = await hooks.endpointByPath(deps.db, path);
  if (!found) return undefined;
  const names = found.endpoint.secret_names;
  const values = await Promise.all(names.map((n) => deps.secrets.resolve(found.endpoint.workspace_id, n, found.mode)));
  const value: EndpointWithSecrets = { ...found, names, secrets: values.filter((v): v is string => !!v) };
  if (value.secrets.length > 0) {
    if (verifierCache.size > 10_000) verifierCache.clear();
    verifierCache.set(path, { value, until: Date.now() + VERIFIER_CACHE_MS });
  }
  return value;
}

interface EndpointWithSecrets {
  endpoint: hooks.EndpointRow;
  mode: RunMode;
  names: string[];
  secrets: string[];
}
const VERIFIER_CACHE_MS = 5_000;
const verifierCache = new Map<string, { value: EndpointWithSecrets; until: number }>();

/** Drops the cached endpoints and secrets: call after changing an endpoint or a secret. */
export function forgetWebhookEndpoints(): void {
  verifierCache.clear();
}

function verify(
  deps: WebhookDeps,
  endpoint: hooks.EndpointRow,
  { names, secrets, mode }: EndpointWithSecrets,
  req: { rawBody: Buffer; headers: Record<string, string | undefined> },
) {
  const options = { ...(endpoint.header ? { header: endpoint.header } : {}) };
  if (secrets.length === 0)
    throw new EndpointNotReady(`This endpoint has no ${mode} signing secret yet: set ${names.join(' or ')} (${mode} value) in Switchyard's Secrets`);
  if (endpoint.source === 'public') return verifyPublic(req, secrets);
  const source = webhookSources(deps).get(endpoint.source);
  if (!source) throw new AppError('INTERNAL', `Webhook source "${endpoint.source}" is not in the catalog`);
  return source.verify({ rawBody: req.rawBody, headers: req.headers, secrets, now: new Date(), options });
}

/** An endpoint without a secret: the sender learns only that (the secret's name is for the workspace's log). */
class EndpointNotReady extends WebhookRejected {
  constructor(readonly detail: string) {
    super(
      401,
      'SIGNATURE_INVALID',
      "This endpoint cannot verify deliveries yet (no signing secret is set); its owner can see why in Switchyard's delivery log",
    );
  }
}

/** The parsed body without the source's credential fields. */
function withoutFields(payload: unknown, fields: string[] | undefined): unknown {
  if (!fields?.length || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const copy = { ...(payload as Record<string, unknown>) };
  for (const f of fields) delete copy[f];
  return copy;
}

/** The body as stored in the log: as received, minus the source's credential fields (a JSON or form body re-encoded without them). */
function redactBody(req: { rawBody: Buffer; headers: Record<string, string | undefined> }, fields: string[] | undefined): string {
  const text = req.rawBody.toString('utf8');
  if (!fields?.length) return text;
  if ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    if (!fields.some((f) => form.has(f))) return text;
    for (const f of fields) form.delete(f);
    return form.toString();
  }
  try {
    const parsed = parseBoundedJson(text);
    return parsed && typeof parsed === 'object' && fields.some((f) => f in parsed) ? JSON.stringify(withoutFields(parsed, fields)) : text;
  } catch {
    return text;
  }
}

/** A `multipart/form-data` body (a form with files): public endpoints take it (formDeliveryPayload). */
function isForm(req: { headers: Record<string, string | undefined> }): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'multipart/form-data';
}

/** A public endpoint: no signature, but the sender must present one of the endpoint's tokens. */
function verifyPublic(req: { rawBody: Buffer; headers: Record<string, string | undefined> }, tokens: string[]): VerifiedDelivery {
  const token = req.headers[PUBLIC_TOKEN_HEADER];
  if (!token) throw new WebhookRejected(401, 'SIGNATURE_MISSING', `Send the endpoint's token in the ${PUBLIC_TOKEN_HEADER} header`);
  const digest = (v: string) => crypto.createHash('sha256').update(v).digest();
  if (!tokens.some((t) => crypto.timingSafeEqual(digest(t), digest(token))))
    throw new WebhookRejected(401, 'TOKEN_INVALID', `The ${PUBLIC_TOKEN_HEADER} header does not match the endpoint's token`);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const id = req.headers['idempotency-key'] ?? req.headers['webhook-id'];
  const eventId = id ?? `sha256:${crypto.createHash('sha256').update(req.rawBody).digest('hex')}`;
  // A form (with files) is read after this check, by formDeliveryPayload: its payload is filled in there.
  if (type === 'multipart/form-data') return { eventId, payload: null };
  if (type !== 'application/json')
    throw new WebhookRejected(415, 'UNSUPPORTED_CONTENT_TYPE', `Send the body as application/json or multipart/form-data (got ${type || 'no content type'})`);
  let payload: unknown;
  try {
    payload = parseBoundedJson(req.rawBody);
  } catch (err) {
    throw new WebhookRejected(400, 'BODY_INVALID', `The body is not valid JSON (${(err as Error).message})`);
  }
  return {
    eventId,
    ...(typeof (payload as { type?: unknown })?.type === 'string' ? { eventType: (payload as { type: string }).type } : {}),
    payload,
  };
}

/** Published snapshots never change: kept in memory by flow and version. */
const snapshots = new Map<string, FlowSnapshot>();

async function publishedFlow(db: Db, endpoint: hooks.EndpointRow) {
  if (!endpoint.flow_id) return undefined;
  const flow = await getFlow(db, endpoint.workspace_id, endpoint.flow_id);
  if (!flow || flow.deleted_at || flow.published_version === null || flow.trigger_type !== 'webhook') return undefined;
  const key = `${flow.id}@${flow.published_version}`;
  let snapshot = snapshots.get(key);
  if (!snapshot) {
    const version = await getVersion(db, endpoint.workspace_id, flow.id, flow.published_version);
    if (!version) return undefined;
    snapshot = version.snapshot;
    if (snapshots.size > 1000) snapshots.clear();
    snapshots.set(key, snapshot);
  }
  return { flowId: flow.id, version: flow.published_version, snapshot };
}

/** A provider's event id as part of a workflow id (long or odd ids are hashed). */
function eventKey(eventId: string): string {
  return /^[A-Za-z0-9_.:-]{1,200}$/.test(eventId) ? eventId : `sha256-${crypto.createHash('sha256').update(eventId).digest('hex')}`;
}

/** Headers worth keeping in the log: never signatures, tokens, cookies or credentials. */
function redactHeaders(headers: Record<string, string | undefined>, signatureHeaders: string[]): Record<string, string> {
  const drop = new Set(['authorization', 'cookie', 'proxy-authorization', PUBLIC_TOKEN_HEADER, ...signatureHeaders.map((h) => h.toLowerCase())]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = drop.has(name) || /signature|secret|token|key|auth|pass|credential/i.test(name) ? '[removed]' : value;
  }
  return out;
}

function answer(status: number, code: string, message: string): HookAnswer {
  return { status, body: { error: { code, message } } };
}

function ok(body: Record<string, unknown>): HookAnswer {
  return { status: 200, body: { received: true, ...body } };
}

/**
 * Keeps the delivery log to its retention window (WEBHOOK_RETENTION, default 30 days): prunes once a minute after
 * start, then hourly. Returns the function that stops it.
 */
export function startWebhookRetention(o: { db: Db; logger: Logger; retentionMs: number; everyMs?: number }): () => void {
  const prune = async () => {
    try {
      const pruned = await hooks.pruneWebhookHistory(o.db, new Date(Date.now() - o.retentionMs).toISOString());
      if (pruned.deliveries + pruned.waits > 0) o.logger.info(pruned, 'pruned webhook deliveries and waits past their retention');
    } catch (err) {
      o.logger.warn({ err }, 'could not prune the webhook delivery log; trying again later');
    }
  };
  const first = setTimeout(() => void prune(), 60_000);
  const every = setInterval(() => void prune(), o.everyMs ?? 3_600_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
