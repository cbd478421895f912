import crypto from 'node:crypto';
import type { Request } from 'express';
import type { RunMode } from '../../../core/src/catalog-sdk';
import { AppError } from '../../../core/src/errors';
import type { Db } from '../../../store/src/database';
import { findApiKeyByHash } from '../../../store/src/workspaces.repository';

export interface AuthContext {
  workspaceId: string;
  /** Test keys (`sy_test_…`) start test runs. */
  mode: RunMode;
  keyId: string;
}

/** Test keys act only in test mode: they never start live runs or read or write live secrets. */
export function requireLiveKey(auth: AuthContext, what: string): void {
  if (auth.mode === 'test') throw new AppError('FORBIDDEN', `A test key (sy_test_…) cannot ${what}; use the workspace's live key`);
}

/** A new workspace API key. Only its hash is stored; the key itself is shown once. */
export function generateApiKey(mode: RunMode): { key: string; prefix: string; hash: string } {
  const key = `sy_${mode}_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

/** Reads `Authorization: Bearer <key>` (or `X-Api-Key`) and resolves the workspace. */
export function apiKeyAuthenticator(db: Db): (req: Request) => Promise<AuthContext> {
  return async (req) => {
    const header = req.get('authorization');
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.get('x-api-key');
    if (!key) throw new AppError('UNAUTHORIZED', 'Send your workspace API key as "Authorization: Bearer sy_live_…" (or sy_test_… for test mode)');
    const row = await findApiKeyByHash(db, hashApiKey(key));
    if (!row) throw new AppError('UNAUTHORIZED', 'This API key is not valid: it may be mistyped or revoked');
    return { workspaceId: row.workspace_id, mode: row.mode === 'test' ? 'test' : 'live', keyId: row.id };
  };
}
