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

export async function findWorkspace(db: Db, workspaceId: string) {
  return db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirst();
}

export interface NewApiKey {
  workspaceId: string;
  mode: 'live' | 'test';
  prefix: string;
  hash: string;
  /** What the key may do (core/src/access.ts); always explicit, never a default. */
  scopes: readonly string[];
  name?: string;
  createdBy?: string;
}

/** Keys are stored only as a SHA-256 hash; `prefix` (the first characters) helps people tell them apart. */
export async function insertApiKey(db: Db, key: NewApiKey) {
  const row = {
    id: newId('key'),
    workspace_id: key.workspaceId,
    mode: key.mode,
    prefix: key.prefix,
    hash: key.hash,
    created_at: nowIso(),
    revoked_at: null,
    name: key.name ?? null,
    scopes: JSON.stringify(key.scopes),
    last_used_at: null,
    created_by: key.createdBy ?? null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return row;
}

export async function findApiKeyByHash(db: Db, hash: string) {
  return db.selectFrom('api_keys').selectAll().where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
}

/** Notes a key's use at most once a minute (a write per request would serialise every API call on SQLite's lock). */
export async function touchApiKey(db: Db, workspaceId: string, keyId: string): Promise<void> {
  const now = new Date();
  const before = new Date(now.getTime() - 60_000).toISOString();
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now.toISOString() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', before)]))
    .execute();
}

export async function listApiKeys(db: Db, workspaceId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'mode', 'prefix', 'scopes', 'created_at', 'created_by', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .execute();
}

/** Revokes a key of the workspace; false when there is none (or it was already revoked). */
export async function revokeApiKey(db: Db, workspaceId: string, keyId: string) {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name', 'prefix', 'mode'])
    .executeTakeFirst();
  return row;
}
