import crypto from 'node:crypto';
import type { Db } from './database';

const nowIso = () => new Date().toISOString();

export async function insertEndpoint(
  db: Db,
  e: { workspaceId: string; mode: string; url: string; events: string[]; description?: string; secretName: (id: string) => string },
) {
  const id = `nep_${crypto.randomBytes(12).toString('hex')}`;
  const row = {
    id,
    workspace_id: e.workspaceId,
    mode: e.mode,
    url: e.url,
    events: JSON.stringify(e.events),
    description: e.description ?? null,
    secret_name: e.secretName(id),
    created_at: nowIso(),
    deleted_at: null,
  };
  await db.insertInto('notification_endpoints').values(row).execute();
  return row;
}

export async function listEndpoints(db: Db, workspaceId: string, mode?: string) {
  let q = db.selectFrom('notification_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  if (mode) q = q.where('mode', '=', mode);
  return q.orderBy('created_at').execute();
}

export async function getEndpoint(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('notification_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function deleteEndpoint(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const r = await db
    .updateTable('notification_endpoints')
    .set({ deleted_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The live endpoints of the workspace in this mode subscribed to `type`. */
export async function endpointsFor(db: Db, workspaceId: string, mode: string, type: string) {
  return (await listEndpoints(db, workspaceId, mode)).filter((e) => (JSON.parse(e.events) as string[]).includes(type));
}

/** Records a notification once (its id is derived from what it is about): false when it was already there. */
export async function insertNotification(db: Db, n: { id: string; workspaceId: string; mode: string; type: string; runId: string | null; payload: unknown }) {
  const r = await db
    .insertInto('notifications')
    .values({ id: n.id, workspace_id: n.workspaceId, mode: n.mode, type: n.type, run_id: n.runId, payload: JSON.stringify(n.payload), created_at: nowIso() })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function getNotification(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('notifications').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** A delivery of a notification to an endpoint; false when one with the id exists (the same run event recorded twice). */
export async function insertDelivery(db: Db, d: { id: string; workspaceId: string; notificationId: string; endpointId: string; replayOf?: string }) {
  const r = await db
    .insertInto('notification_deliveries')
    .values({
      id: d.id,
      workspace_id: d.workspaceId,
      notification_id: d.notificationId,
      endpoint_id: d.endpointId,
      status: 'pending',
      attempts: 0,
      last_error: null,
      replay_of: d.replayOf ?? null,
      created_at: nowIso(),
      ended_at: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function getDelivery(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('notification_deliveries').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function listDeliveries(db: Db, workspaceId: string, endpointId: string, limit: number) {
  const deliveries = await db
    .selectFrom('notification_deliveries')
    .innerJoin('notifications', 'notifications.id', 'notification_deliveries.notification_id')
    .select([
      'notification_deliveries.id',
      'notification_deliveries.notification_id',
      'notification_deliveries.status',
      'notification_deliveries.attempts',
      'notification_deliveries.last_error',
      'notification_deliveries.replay_of',
      'notification_deliveries.created_at',
      'notification_deliveries.ended_at',
      'notifications.type',
      'notifications.run_id',
    ])
    .where('notification_deliveries.workspace_id', '=', workspaceId)
    .where('notification_deliveries.endpoint_id', '=', endpointId)
    .orderBy('notification_deliveries.created_at', 'desc')
    .orderBy('notification_deliveries.id')
    .limit(limit)
    .execute();
  const ids = deliveries.map((d) => d.id);
  const attempts = ids.length
    ? await db.selectFrom('notification_attempts').selectAll().where('delivery_id', 'in', ids).orderBy('delivery_id').orderBy('attempt').execute()
    : [];
  return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.delivery_id === d.id) }));
}

/** One attempt of a delivery (the activity's attempt number: a retried write of the same attempt replaces it). */
export async function recordAttempt(db: Db, a: { deliveryId: string; attempt: number; statusCode: number | null; error: string | null; durationMs: number }) {
  await db
    .insertInto('notification_attempts')
    .values({ delivery_id: a.deliveryId, attempt: a.attempt, status_code: a.statusCode, error: a.error, duration_ms: a.durationMs, at: nowIso() })
    .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doUpdateSet({ status_code: a.statusCode, error: a.error, duration_ms: a.durationMs }))
    .execute();
  await db.updateTable('notification_deliveries').set({ attempts: a.attempt, last_error: a.error }).where('id', '=', a.deliveryId).execute();
}

export async function finishDelivery(db: Db, d: { deliveryId: string; status: 'succeeded' | 'failed'; error?: string }) {
  await db
    .updateTable('notification_deliveries')
    .set({ status: d.status, ended_at: nowIso(), ...(d.error !== undefined ? { last_error: d.error } : {}) })
    .where('id', '=', d.deliveryId)
    .execute();
}
