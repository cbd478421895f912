import type { Db } from './database';
import { nowIso } from './database';
import { newId } from './ids';

export async function firstWorkspace(db: Db) {
  return db.selectFrom('workspaces').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
}

export async function createWorkspace(db: Db, name: string) {
  const row = { id: newId('ws'), name, created_at: nowIso() };
  await db.insertInto('workspaces').values(row).execute();
  return row;
}

/** Keys are stored only as a SHA-256 hash; `prefix` (the first characters) helps people tell them apart. */
export async function insertApiKey(db: Db, key: { workspaceId: string; mode: 'live' | 'test'; prefix: string; hash: string }) {
  const row = { id: newId('key'), workspace_id: key.workspaceId, mode: key.mode, prefix: key.prefix, hash: key.hash, created_at: nowIso(), revoked_at: null };
  await db.insertInto('api_keys').values(row).execute();
  return row;
}

export async function findApiKeyByHash(db: Db, hash: string) {
  return db.selectFrom('api_keys').selectAll().where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
}
