import crypto from 'node:crypto';
import type { Db, Database } from './database';
import { nowIso } from './database';
import { newId } from './ids';

type EndpointColumns = Database['webhook_endpoints'];
/** An endpoint with its JSON columns parsed: the signing secrets' names, and the event types its flow starts on. */
export type EndpointRow = Omit<EndpointColumns, 'secret_names' | 'events'> & { secret_names: string[]; events: string[] | null };

function toEndpoint(row: EndpointColumns): EndpointRow {
  return { ...row, secret_names: JSON.parse(row.secret_names) as string[], events: row.events === null ? null : (JSON.parse(row.events) as string[]) };
}
export type DeliveryRow = Database['webhook_deliveries'];
export type WaitRow = Database['webhook_waits'];

/** The id in a webhook URL: 32 random bytes, so it cannot be guessed or enumerated. */
function hookPath(mode: 'live' | 'test'): string {
  return `wh_${mode}_${crypto.randomBytes(32).toString('base64url')}`;
}

export interface EndpointConfig {
  kind: 'trigger' | 'inbox';
  flowId?: string;
  source: string;
  secretNames: string[];
  header?: string | undefined;
  events?: string[] | undefined;
}

const slotOf = (c: EndpointConfig) => (c.kind === 'trigger' ? `flow:${c.flowId}` : `inbox:${c.source}`);

/**
 * Creates the endpoint of a slot, or updates its verification settings (same URLs: a provider keeps
 * sending to the address it was given when the flow is published again).
 */
export async function upsertEndpoint(db: Db, workspaceId: string, c: EndpointConfig): Promise<{ row: EndpointRow; created: boolean }> {
  const slot = slotOf(c);
  const settings = {
    source: c.source,
    secret_names: JSON.stringify(c.secretNames),
    header: c.header ?? null,
    events: c.events ? JSON.stringify(c.events) : null,
    disabled_at: null,
  };
  const existing = await db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('slot', '=', slot).executeTakeFirst();
  if (existing) {
    await db.updateTable('webhook_endpoints').set(settings).where('id', '=', existing.id).execute();
    return { row: toEndpoint({ ...existing, ...settings }), created: false };
  }
  const row: EndpointColumns = {
    id: newId('whe'),
    workspace_id: workspaceId,
    slot,
    kind: c.kind,
    flow_id: c.flowId ?? null,
    ...settings,
    live_path: hookPath('live'),
    test_path: hookPath('test'),
    created_at: nowIso(),
  };
  // Two first publishes at once: the second finds the first's endpoint.
  const inserted = await db
    .insertInto('webhook_endpoints')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'slot']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { row: toEndpoint(row), created: true };
  const winner = await endpointOfSlot(db, workspaceId, slot);
  return { row: winner!, created: false };
}

/** The endpoint behind a URL id, with the mode its URL stands for. */
export async function endpointByPath(db: Db, path: string): Promise<{ endpoint: EndpointRow; mode: 'live' | 'test' } | undefined> {
  const column = path.startsWith('wh_test_') ? 'test_path' : 'live_path';
  const endpoint = await db.selectFrom('webhook_endpoints').selectAll().where(column, '=', path).executeTakeFirst();
  return endpoint ? { endpoint: toEndpoint(endpoint), mode: column === 'test_path' ? 'test' : 'live' } : undefined;
}

export async function getEndpoint(db: Db, workspaceId: string, id: string): Promise<EndpointRow | undefined> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row && toEndpoint(row);
}

export async function endpointOfSlot(db: Db, workspaceId: string, slot: string): Promise<EndpointRow | undefined> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('slot', '=', slot).executeTakeFirst();
  return row && toEndpoint(row);
}

export async function endpointOfFlow(db: Db, workspaceId: string, flowId: string): Promise<EndpointRow | undefined> {
  return endpointOfSlot(db, workspaceId, `flow:${flowId}`);
}

export async function listEndpoints(db: Db, workspaceId: string): Promise<EndpointRow[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
  return rows.map(toEndpoint);
}

export async function disableEndpoint(db: Db, workspaceId: string, id: string) {
  const r = await db
    .updateTable('webhook_endpoints')
    .set({ disabled_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export type NewDelivery = Omit<DeliveryRow, 'id' | 'dedupe_key' | 'duplicate_of' | 'run_id' | 'workflow_id' | 'wait_id' | 'latency_ms'>;

/**
 * Stores a delivery. With a dedupe key, the first delivery of the event becomes its owner (the unique
 * `(endpoint, mode, dedupe_key)`); a later copy is stored too, without its body, pointing at the owner,
 * which is returned so the caller can decide what the copy means.
 */
export async function insertDelivery(db: Db, d: NewDelivery, dedupeKey: string | null): Promise<{ id: string; owner?: DeliveryRow }> {
  const id = newId('dlv');
  if (dedupeKey !== null) {
    const inserted = await db
      .insertInto('webhook_deliveries')
      .values({ ...d, id, dedupe_key: dedupeKey })
      .onConflict((oc) => oc.columns(['endpoint_id', 'mode', 'dedupe_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { id };
    const owner = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', d.endpoint_id)
      .where('mode', '=', d.mode)
      .where('dedupe_key', '=', dedupeKey)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('webhook_deliveries')
      .values({ ...d, body: '', payload: null, id, dedupe_key: null, duplicate_of: owner.id })
      .execute();
    return { id, owner };
  }
  await db
    .insertInto('webhook_deliveries')
    .values({ ...d, id })
    .execute();
  return { id };
}

/**
 * A copy takes over the first delivery of its event when that one failed (503) or stalled (taken up before
 * `staleBefore` and never finished: its process died). One conditional UPDATE: exactly one copy wins.
 */
export async function takeOverDelivery(db: Db, ownerId: string, staleBefore: string): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'received', error: null, claimed_at: nowIso() })
    .where('id', '=', ownerId)
    .where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'received'), eb('claimed_at', '<', staleBefore)])]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function updateDelivery(
  db: Db,
  id: string,
  set: Partial<Pick<DeliveryRow, 'status' | 'error' | 'run_id' | 'workflow_id' | 'wait_id' | 'latency_ms'>>,
  onlyIfStatus?: string[],
) {
  let q = db.updateTable('webhook_deliveries').set(set).where('id', '=', id);
  if (onlyIfStatus) q = q.where('status', 'in', onlyIfStatus);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A stored delivery with its headers (signatures removed) and parsed payload, as the log and replays read it. */
export type StoredDelivery = Omit<DeliveryRow, 'headers' | 'payload'> & { headers: Record<string, string>; payload: unknown };

export async function getDelivery(db: Db, workspaceId: string, id: string): Promise<StoredDelivery | undefined> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return (
    row && { ...row, headers: JSON.parse(row.headers) as Record<string, string>, payload: row.payload === null ? null : (JSON.parse(row.payload) as unknown) }
  );
}

export async function deliveryById(db: Db, id: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface DeliveryFilter {
  endpointId?: string;
  status?: string;
  mode?: string;
  limit: number;
  offset: number;
}

export async function listDeliveries(db: Db, workspaceId: string, f: DeliveryFilter) {
  let q = db
    .selectFrom('webhook_deliveries')
    .select([
      'id',
      'endpoint_id',
      'mode',
      'received_at',
      'verified',
      'status',
      'error',
      'event_id',
      'event_type',
      'duplicate_of',
      'run_id',
      'wait_id',
      'latency_ms',
    ])
    .where('workspace_id', '=', workspaceId);
  if (f.endpointId) q = q.where('endpoint_id', '=', f.endpointId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.mode) q = q.where('mode', '=', f.mode);
  return q.orderBy('received_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
}

/** Registers a wait; a retried registration finds the one already there. */
export async function insertWait(db: Db, w: Omit<WaitRow, 'status' | 'delivery_id' | 'created_at'>): Promise<WaitRow> {
  await db
    .insertInto('webhook_waits')
    .values({ ...w, status: 'waiting', delivery_id: null, created_at: nowIso() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return db.selectFrom('webhook_waits').selectAll().where('id', '=', w.id).executeTakeFirstOrThrow();
}

/**
 * Retention: deletes deliveries received before `before` (bodies included) and waits whose deadline was before it. A copy of a deleted event that arrives later still starts no second run: runs are deduplicated by their
 * workflow id (the runs table and Temporal), not by the delivery log.
 */
export async function pruneWebhookHistory(db: Db, before: string): Promise<{ deliveries: number; waits: number }> {
  const deliveries = await db.deleteFrom('webhook_deliveries').where('received_at', '<', before).executeTakeFirst();
  // A wait is over once its deadline passed, whatever its status (the run's own timer took the timeout branch).
  const waits = await db.deleteFrom('webhook_waits').where('expires_at', '<', before).executeTakeFirst();
  return { deliveries: Number(deliveries.numDeletedRows), waits: Number(waits.numDeletedRows) };
}

/** Waits that an event of this type could satisfy now. */
export async function openWaits(db: Db, q: { workspaceId: string; source: string; eventType: string; mode: string }) {
  return db
    .selectFrom('webhook_waits')
    .selectAll()
    .where('workspace_id', '=', q.workspaceId)
    .where('source', '=', q.source)
    .where('event_type', '=', q.eventType)
    .where('mode', '=', q.mode)
    .where('status', '=', 'waiting')
    .where('expires_at', '>', nowIso())
    .orderBy('created_at')
    .limit(500)
    .execute();
}

/** First deliveries of events (not copies) that matched no wait yet, received since `since`. */
export async function bufferedDeliveries(db: Db, q: { workspaceId: string; source: string; eventType: string; mode: string; since: string }) {
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .selectAll('webhook_deliveries')
    .where('webhook_deliveries.workspace_id', '=', q.workspaceId)
    .where('webhook_endpoints.kind', '=', 'inbox')
    .where('webhook_endpoints.source', '=', q.source)
    .where('webhook_deliveries.mode', '=', q.mode)
    .where('webhook_deliveries.event_type', '=', q.eventType)
    .where('webhook_deliveries.status', 'in', ['received', 'unmatched'])
    .where('webhook_deliveries.dedupe_key', 'is not', null)
    .where('webhook_deliveries.received_at', '>=', q.since)
    .orderBy('webhook_deliveries.received_at')
    .limit(500)
    .execute();
}

/**
 * Pairs a delivery with a wait, or nothing: both the API (a delivery arrives) and the worker (a wait is
 * registered) call this, so an event arriving just before its wait is matched exactly once. Each step is
 * one conditional UPDATE; a lost race on the second undoes the first.
 */
export async function pairDeliveryWithWait(db: Db, deliveryId: string, waitId: string): Promise<boolean> {
  const claimed = await db
    .updateTable('webhook_waits')
    .set({ status: 'matched', delivery_id: deliveryId })
    .where('id', '=', waitId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return false;
  const wait = await db.selectFrom('webhook_waits').select(['run_id', 'workflow_id']).where('id', '=', waitId).executeTakeFirstOrThrow();
  const taken = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'matched', wait_id: waitId, run_id: wait.run_id, workflow_id: wait.workflow_id })
    .where('id', '=', deliveryId)
    .where('status', 'in', ['received', 'unmatched'])
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) > 0) return true;
  await unpair(db, deliveryId, waitId, 'waiting');
  return false;
}

/** Undoes a pairing whose signal could not be sent; the wait goes back to `waitStatus`. */
export async function unpair(db: Db, deliveryId: string, waitId: string, waitStatus: 'waiting' | 'expired') {
  await db.updateTable('webhook_waits').set({ status: waitStatus, delivery_id: null }).where('id', '=', waitId).where('delivery_id', '=', deliveryId).execute();
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'received', wait_id: null, run_id: null, workflow_id: null })
    .where('id', '=', deliveryId)
    .where('wait_id', '=', waitId)
    .execute();
}

export async function getWait(db: Db, id: string) {
  return db.selectFrom('webhook_waits').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The value a payload has at a dot path, normalised for comparison with a wait's match value. */
export function matchKey(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function valueAtPath(payload: unknown, path: string): unknown {
  let current = payload;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Whether a delivery's payload satisfies a wait. */
export function deliverySatisfies(wait: Pick<WaitRow, 'match_field' | 'match_value'>, payload: unknown): boolean {
  if (!wait.match_field) return true;
  const key = matchKey(valueAtPath(payload, wait.match_field));
  return key !== undefined && key === wait.match_value;
}
