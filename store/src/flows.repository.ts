import type { FlowSnapshot } from '#core/flow';
import type { Db } from './database';
import { forUpdateOn, nowIso } from './database';
import { sql } from 'kysely';
import { newId } from './ids';

/** Every query names the workspace, so one workspace can never read another's flows. */

export async function insertFlow(db: Db, flow: { workspaceId: string; name: string; draft: unknown; tags?: string[] }) {
  const now = nowIso();
  const row = {
    id: newId('flw'),
    workspace_id: flow.workspaceId,
    name: flow.name,
    draft: JSON.stringify(flow.draft),
    published_version: null,
    trigger_type: null,
    trigger_event: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    tags: JSON.stringify(flow.tags ?? []),
  };
  await db.insertInto('flows').values(row).execute();
  return row;
}

export async function getFlow(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** The flow list's filters: words in the name (case-insensitive), one tag. */
export interface FlowFilter {
  limit: number;
  offset: number;
  q?: string | undefined;
  tag?: string | undefined;
}

export async function listFlows(db: Db, workspaceId: string, page: FlowFilter) {
  let query = db.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  for (const word of page.q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [])
    query = query.where(sql<boolean>`lower(name) like ${`%${escapeLike(word)}%`} escape '\\'`);
  // Tags are a small JSON array of strings: its text holds `"tag"` exactly when the array does.
  if (page.tag) query = query.where(sql<boolean>`tags like ${`%${escapeLike(JSON.stringify(page.tag))}%`} escape '\\'`);
  return query.orderBy('created_at', 'desc').orderBy('id').limit(page.limit).offset(page.offset).execute();
}

/** `%` and `_` match themselves (the LIKE escape is `\\`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Every tag in use in the workspace, for the flow list's filter. */
export async function listTags(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.selectFrom('flows').select('tags').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).execute();
  return [...new Set(rows.flatMap((r) => JSON.parse(r.tags) as string[]))].sort();
}

export async function setTags(db: Db, workspaceId: string, id: string, tags: string[]) {
  const result = await db
    .updateTable('flows')
    .set({ tags: JSON.stringify(tags), updated_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Enables a disabled (unpublished) flow again: its trigger, as its newest published version has it, starts it again. */
export async function enableFlow(db: Db, workspaceId: string, id: string, trigger: { type: string; event: string | null }) {
  const result = await db
    .updateTable('flows')
    .set({ trigger_type: trigger.type, trigger_event: trigger.event, updated_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where('published_version', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Disabled flows (published, then unpublished) whose newest version starts on this app event: what an event ignores. */
export async function disabledFlowsFor(db: Db, workspaceId: string, eventName: string) {
  const rows = await db
    .selectFrom('flows')
    .innerJoin('flow_versions', (j) => j.onRef('flow_versions.flow_id', '=', 'flows.id').onRef('flow_versions.version', '=', 'flows.published_version'))
    .select(['flows.id as flow_id', 'flow_versions.snapshot'])
    .where('flows.workspace_id', '=', workspaceId)
    .where('flows.trigger_type', 'is', null)
    .where('flows.deleted_at', 'is', null)
    .execute();
  return rows
    .filter((r) => {
      const trigger = (JSON.parse(r.snapshot) as FlowSnapshot).trigger;
      return trigger.type === 'event' && trigger.event === eventName;
    })
    .map((r) => r.flow_id);
}

export async function updateFlow(db: Db, workspaceId: string, id: string, patch: { name?: string; draft?: unknown }) {
  const result = await db
    .updateTable('flows')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.draft !== undefined ? { draft: JSON.stringify(patch.draft) } : {}),
      updated_at: nowIso(),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Soft delete: versions and runs stay readable for audit; the flow stops receiving events. */
export async function deleteFlow(db: Db, workspaceId: string, id: string) {
  const result = await db
    .updateTable('flows')
    .set({ deleted_at: nowIso(), trigger_event: null })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Publishes a snapshot as the next version number, in one transaction: the version row and the flow's
 * pointer move together, and the unique (flow_id, version) key stops two concurrent publishes from
 * taking the same number.
 */
export async function publishVersion(
  db: Db,
  v: { workspaceId: string; flowId: string; snapshot: unknown; note?: string; triggerType: string; triggerEvent: string | null },
) {
  return db.transaction().execute(async (trx) => {
    // Locked on PostgreSQL: a concurrent publish waits here and numbers its version after this one.
    const flow = await forUpdateOn(
      trx,
      trx
        .selectFrom('flows')
        .select(['published_version'])
        .where('workspace_id', '=', v.workspaceId)
        .where('id', '=', v.flowId)
        .where('deleted_at', 'is', null),
    ).executeTakeFirst();
    if (!flow) return undefined;
    const version = (flow.published_version ?? 0) + 1;
    const row = {
      id: newId('ver'),
      flow_id: v.flowId,
      workspace_id: v.workspaceId,
      version,
      snapshot: JSON.stringify(v.snapshot),
      note: v.note ?? null,
      published_at: nowIso(),
    };
    await trx.insertInto('flow_versions').values(row).execute();
    await trx
      .updateTable('flows')
      .set({ published_version: version, trigger_type: v.triggerType, trigger_event: v.triggerEvent, updated_at: row.published_at })
      .where('id', '=', v.flowId)
      .where('workspace_id', '=', v.workspaceId)
      .execute();
    return row;
  });
}

/** One published version, its snapshot parsed (versions are written only by publishVersion, from a parsed document). */
export async function getVersion(db: Db, workspaceId: string, flowId: string, version: number) {
  const row = await db
    .selectFrom('flow_versions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row && { ...row, snapshot: JSON.parse(row.snapshot) as FlowSnapshot };
}

export async function listVersions(db: Db, workspaceId: string, flowId: string) {
  return db
    .selectFrom('flow_versions')
    .select(['id', 'flow_id', 'version', 'note', 'published_at'])
    .where('workspace_id', '=', workspaceId)
    .where('flow_id', '=', flowId)
    .orderBy('version', 'desc')
    .execute();
}

/** The newest published version of every live flow of the workspace triggered by this app event. */
export async function versionsSubscribedTo(db: Db, workspaceId: string, eventName: string) {
  const rows = await db
    .selectFrom('flows')
    .innerJoin('flow_versions', (j) => j.onRef('flow_versions.flow_id', '=', 'flows.id').onRef('flow_versions.version', '=', 'flows.published_version'))
    .select(['flows.id as flow_id', 'flow_versions.version', 'flow_versions.snapshot'])
    .where('flows.workspace_id', '=', workspaceId)
    .where('flows.trigger_type', '=', 'event')
    .where('flows.trigger_event', '=', eventName)
    .where('flows.deleted_at', 'is', null)
    .orderBy('flows.created_at')
    .orderBy('flows.id') // flows created in the same millisecond: still one order
    .execute();
  return rows.map((r) => ({ ...r, snapshot: JSON.parse(r.snapshot) as FlowSnapshot }));
}

/**
 * Every live flow, in every workspace, whose newest published version starts on a schedule, with that version's
 * snapshot: what the worker's reconciliation holds Temporal's schedules against (docs/schedules.md).
 */
export async function publishedScheduleFlows(db: Db) {
  const rows = await db
    .selectFrom('flows')
    .innerJoin('flow_versions', (j) => j.onRef('flow_versions.flow_id', '=', 'flows.id').onRef('flow_versions.version', '=', 'flows.published_version'))
    .select(['flows.workspace_id', 'flows.id as flow_id', 'flow_versions.version', 'flow_versions.snapshot'])
    .where('flows.trigger_type', '=', 'schedule')
    .where('flows.deleted_at', 'is', null)
    .execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, flowId: r.flow_id, version: r.version, snapshot: JSON.parse(r.snapshot) as FlowSnapshot }));
}

/** Unpublishes a flow: its trigger no longer starts it (events, schedules, webhooks); its versions and runs stay readable. */
export async function unpublishFlow(db: Db, workspaceId: string, id: string) {
  const result = await db
    .updateTable('flows')
    .set({ trigger_type: null, trigger_event: null, updated_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The newest published version of each flow of the workspace that is not deleted (disabled ones included): what it uses. */
export async function publishedSnapshots(db: Db, workspaceId: string) {
  const rows = await db
    .selectFrom('flows')
    .innerJoin('flow_versions', (j) => j.onRef('flow_versions.flow_id', '=', 'flows.id').onRef('flow_versions.version', '=', 'flows.published_version'))
    .select(['flows.id as flow_id', 'flow_versions.snapshot', 'flow_versions.published_at'])
    .where('flows.workspace_id', '=', workspaceId)
    .where('flows.deleted_at', 'is', null)
    .execute();
  return rows.map((r) => ({ flowId: r.flow_id, publishedAt: r.published_at, snapshot: JSON.parse(r.snapshot) as FlowSnapshot }));
}
