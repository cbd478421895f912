import type { Request } from 'express';
import type { z } from 'zod';
import type { AuditAction } from '#core/access';
import type { AuditEntry, AuditList } from '#core/api';
import { insertAuditEntry, listAuditEntries, pruneAuditLog } from '#store/audit.repository';
import type { Db } from '#store/database';
import type { Logger } from 'pino';
import type { AuthContext } from '../http/auth';

/**
 * Records who did what in the caller's workspace. `details` carries names, modes, roles and field paths: never a
 * secret value (callers pass what changed, not to what, for secrets).
 */
export async function audit(
  db: Db,
  auth: AuthContext,
  req: Request | undefined,
  action: AuditAction,
  o: { target?: string; details?: Record<string, unknown>; workspaceId?: string } = {},
): Promise<void> {
  await insertAuditEntry(db, {
    workspaceId: (o.workspaceId ?? auth.workspaceId) || null,
    actorType: auth.actor.type,
    actorId: auth.actor.id || null,
    actorLabel: auth.actor.label,
    action,
    target: o.target ?? null,
    details: o.details ?? {},
    address: req ? clientAddress(req) : null,
  });
}

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export async function readAudit(db: Db, workspaceId: string, o: { limit: number; before?: string; action?: string }): Promise<z.infer<typeof AuditList>> {
  const rows = await listAuditEntries(db, workspaceId, { ...o, limit: o.limit + 1 });
  const page = rows.slice(0, o.limit);
  const entries: z.infer<typeof AuditEntry>[] = page.map((r) => ({
    id: r.id,
    at: r.at,
    actor: { type: r.actor_type as z.infer<typeof AuditEntry>['actor']['type'], id: r.actor_id, label: r.actor_label },
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details) as z.infer<typeof AuditEntry>['details'],
    address: r.address,
  }));
  return { entries, ...(rows.length > o.limit && page.length ? { next: page[page.length - 1]!.at } : {}) };
}

/** Deletes audit entries older than the retention (SWITCHYARD_AUDIT_RETENTION), a minute after start and then hourly. */
export function startAuditRetention(o: { db: Db; logger: Logger; retentionMs: number }): () => void {
  const prune = () =>
    pruneAuditLog(o.db, new Date(Date.now() - o.retentionMs))
      .then((n) => {
        if (n > 0) o.logger.info({ deleted: n }, 'audit log pruned');
      })
      .catch((err: unknown) => o.logger.error({ err }, 'audit log pruning failed'));
  const first = setTimeout(prune, 60_000);
  const hourly = setInterval(prune, 3_600_000);
  first.unref();
  hourly.unref();
  return () => {
    clearTimeout(first);
    clearInterval(hourly);
  };
}
