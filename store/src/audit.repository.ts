import type { Db } from './database';
import { nowIso } from './database';
import { newId } from './ids';

export interface AuditEntryInput {
  workspaceId: string | null;
  actorType: 'user' | 'key' | 'admin' | 'system' | 'anonymous';
  actorId: string | null;
  actorLabel: string | null;
  subjectUserId?: string | null;
  action: string;
  target?: string | null;
  /** What changed; never a secret value (callers pass names, modes, roles, field paths). */
  details?: Record<string, unknown>;
  address?: string | null;
}

export async function insertAuditEntry(db: Db, e: AuditEntryInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId('aud'),
      workspace_id: e.workspaceId,
      at: nowIso(),
      actor_type: e.actorType,
      actor_id: e.actorId,
      actor_label: e.actorLabel,
      subject_user_id: e.subjectUserId ?? null,
      action: e.action,
      target: e.target ?? null,
      details: JSON.stringify(e.details ?? {}),
      address: e.address ?? null,
    })
    .execute();
}

/**
 * A workspace's audit log, newest first: its own entries, and the person-level entries (sign-ins, failures, resets)
 * of people who are its members now. Both halves name the workspace in the query.
 */
export async function listAuditEntries(db: Db, workspaceId: string, o: { limit: number; before?: string; action?: string }) {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('workspace_id', '=', workspaceId),
        eb.and([
          eb('workspace_id', 'is', null),
          eb('subject_user_id', 'in', eb.selectFrom('memberships').select('user_id').where('memberships.workspace_id', '=', workspaceId)),
        ]),
      ]),
    );
  if (o.before) q = q.where('at', '<', o.before);
  if (o.action) q = q.where('action', '=', o.action);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(o.limit).execute();
}

/** Deletes entries older than `olderThan` (the audit retention); returns how many. */
export async function pruneAuditLog(db: Db, olderThan: Date): Promise<number> {
  const r = await db.deleteFrom('audit_log').where('at', '<', olderThan.toISOString()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export { nowIso };
