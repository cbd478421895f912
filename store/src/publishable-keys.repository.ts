import crypto from 'node:crypto';
import type { Db } from './database';

export interface PublishableKeyRow {
  id: string;
  workspace_id: string;
  mode: string;
  prefix: string;
  hash: string;
  allowed_origins: string;
  per_minute: number;
  per_address_per_minute: number;
  description: string | null;
  created_at: string;
  revoked_at: string | null;
}

export async function insertPublishableKey(
  db: Db,
  k: {
    workspaceId: string;
    mode: string;
    prefix: string;
    hash: string;
    origins: string[];
    perMinute: number;
    perAddressPerMinute: number;
    description?: string;
  },
): Promise<PublishableKeyRow> {
  const row: PublishableKeyRow = {
    id: `pk_${crypto.randomBytes(12).toString('base64url')}`,
    workspace_id: k.workspaceId,
    mode: k.mode,
    prefix: k.prefix,
    hash: k.hash,
    allowed_origins: JSON.stringify(k.origins),
    per_minute: k.perMinute,
    per_address_per_minute: k.perAddressPerMinute,
    description: k.description ?? null,
    created_at: new Date().toISOString(),
    revoked_at: null,
  };
  await db.insertInto('publishable_keys').values(row).execute();
  return row;
}

export async function findPublishableKeyByHash(db: Db, hash: string) {
  return db.selectFrom('publishable_keys').selectAll().where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function listPublishableKeys(db: Db, workspaceId: string) {
  return db.selectFrom('publishable_keys').selectAll().where('workspace_id', '=', workspaceId).where('revoked_at', 'is', null).orderBy('created_at').execute();
}

export async function revokePublishableKey(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const r = await db
    .updateTable('publishable_keys')
    .set({ revoked_at: new Date().toISOString() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
