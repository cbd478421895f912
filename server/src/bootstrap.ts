import type { Db } from '#store/database';
import { createWorkspace, firstWorkspace, insertApiKey } from '#store/workspaces.repository';
import { generateApiKey } from './http/auth';

/**
 * On first start, creates the workspace and its live and test API keys. The keys are returned once
 * (to be printed) and stored only as hashes; later starts return no keys.
 */
export async function ensureWorkspace(db: Db): Promise<{ workspaceId: string; keys?: { live: string; test: string } }> {
  const existing = await firstWorkspace(db);
  if (existing) return { workspaceId: existing.id };
  const workspace = await createWorkspace(db, 'Default workspace');
  const live = generateApiKey('live');
  const test = generateApiKey('test');
  await insertApiKey(db, { workspaceId: workspace.id, mode: 'live', prefix: live.prefix, hash: live.hash });
  await insertApiKey(db, { workspaceId: workspace.id, mode: 'test', prefix: test.prefix, hash: test.hash });
  return { workspaceId: workspace.id, keys: { live: live.key, test: test.key } };
}
