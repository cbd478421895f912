import type { z } from 'zod';
import type { PublishableKeyRequest } from '#core/api';
import { AppError } from '#core/errors';
import type { Db } from '#store/database';
import * as repo from '#store/publishable-keys.repository';
import { generatePublishableKey } from '../http/auth';

function toKey(row: repo.PublishableKeyRow) {
  return {
    id: row.id,
    prefix: row.prefix,
    mode: row.mode === 'test' ? ('test' as const) : ('live' as const),
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    perMinute: row.per_minute,
    perAddressPerMinute: row.per_address_per_minute,
    ...(row.description ? { description: row.description } : {}),
    createdAt: row.created_at,
  };
}

export async function createPublishableKey(db: Db, workspaceId: string, body: z.infer<typeof PublishableKeyRequest>) {
  const { key, prefix, hash } = generatePublishableKey();
  const row = await repo.insertPublishableKey(db, {
    workspaceId,
    mode: body.mode,
    prefix,
    hash,
    origins: [...new Set(body.allowedOrigins.map((o) => o.toLowerCase()))],
    perMinute: body.perMinute,
    perAddressPerMinute: body.perAddressPerMinute,
    ...(body.description ? { description: body.description } : {}),
  });
  return { ...toKey(row), key };
}

export async function listPublishableKeys(db: Db, workspaceId: string) {
  return (await repo.listPublishableKeys(db, workspaceId)).map(toKey);
}

export async function revokePublishableKey(db: Db, workspaceId: string, id: string) {
  if (!(await repo.revokePublishableKey(db, workspaceId, id))) throw new AppError('NOT_FOUND', `There is no publishable key "${id}" in this workspace`);
}
