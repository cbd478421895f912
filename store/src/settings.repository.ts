import type { Db } from './database';
import { nowIso } from './database';

/** App Settings of a workspace. Backend functions are off until a ready-made integration is installed or the switch is turned on. */
export async function getSettings(db: Db, workspaceId: string): Promise<{ backendFunctions: boolean; updatedAt: string | null }> {
  const row = await db.selectFrom('workspace_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  return { backendFunctions: row?.backend_functions === 1, updatedAt: row?.updated_at ?? null };
}

export async function setBackendFunctions(db: Db, workspaceId: string, on: boolean): Promise<void> {
  const now = nowIso();
  await db
    .insertInto('workspace_settings')
    .values({ workspace_id: workspaceId, backend_functions: on ? 1 : 0, updated_at: now })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ backend_functions: on ? 1 : 0, updated_at: now }))
    .execute();
}

export async function installIntegration(db: Db, workspaceId: string, integration: string): Promise<{ installedAt: string }> {
  const now = nowIso();
  await db
    .insertInto('installations')
    .values({ workspace_id: workspaceId, integration, installed_at: now })
    .onConflict((oc) => oc.columns(['workspace_id', 'integration']).doNothing())
    .execute();
  const row = await db
    .selectFrom('installations')
    .select('installed_at')
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', integration)
    .executeTakeFirstOrThrow();
  return { installedAt: row.installed_at };
}

export async function listInstallations(db: Db, workspaceId: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('installations').select(['integration', 'installed_at']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((r) => [r.integration, r.installed_at]));
}
