import crypto from 'node:crypto';
import type { Request } from 'express';
import type { RunMode } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import type { Db } from '#store/database';
import { findPublishableKeyByHash } from '#store/publishable-keys.repository';
import { findApiKeyByHash } from '#store/workspaces.repository';
import { noteAuthFailure, presentedKey } from './auth-limits';

export interface AuthContext {
  workspaceId: string;
  /** Test keys (`sy_test_…`) start test runs. */
  mode: RunMode;
  keyId: string;
  /** Set for a publishable key (`sy_pub_…`): a browser's key, limited to routes marked `publishable` (see publishable.ts). */
  publishable?: PublishableKeyLimits;
}

export interface PublishableKeyLimits {
  /** Exact origins (`https://shop.example.com`) whose pages may use the key. */
  origins: string[];
  perMinute: number;
  perAddressPerMinute: number;
}

/** A new publishable key: only its hash is stored; shown once. */
export function generatePublishableKey(): { key: string; prefix: string; hash: string } {
  const key = `sy_pub_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
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
    const key = presentedKey(req);
    if (!key) {
      noteAuthFailure(req, key);
      throw new AppError('UNAUTHORIZED', 'Send your workspace API key as "Authorization: Bearer sy_live_…" (or sy_test_… for test mode)');
    }
    if (key.startsWith('sy_pub_')) {
      const pub = await findPublishableKeyByHash(db, hashApiKey(key));
      if (!pub) {
        noteAuthFailure(req, key);
        throw new AppError('UNAUTHORIZED', 'This publishable key is not valid: it may be mistyped or revoked');
      }
      return {
        workspaceId: pub.workspace_id,
        mode: pub.mode === 'test' ? 'test' : 'live',
        keyId: pub.id,
        publishable: { origins: JSON.parse(pub.allowed_origins) as string[], perMinute: pub.per_minute, perAddressPerMinute: pub.per_address_per_minute },
      };
    }
    const row = await findApiKeyByHash(db, hashApiKey(key));
    if (!row) {
      noteAuthFailure(req, key);
      throw new AppError('UNAUTHORIZED', 'This API key is not valid: it may be mistyped or revoked');
    }
    return { workspaceId: row.workspace_id, mode: row.mode === 'test' ? 'test' : 'live', keyId: row.id };
  };
}

/**
 * Who may read and change plans and credits: only a caller presenting `Authorization: Bearer
 * <SWITCHYARD_ADMIN_TOKEN>`. Without a token configured the admin API is off (403 for every request): a
 * workspace key must never be able to grant its own workspace credits or a plan.
 */
export function requireAdmin(adminToken: string | undefined, req: Request): void {
  if (!adminToken) {
    throw new AppError('FORBIDDEN', 'The admin API is disabled: set SWITCHYARD_ADMIN_TOKEN and send "Authorization: Bearer <SWITCHYARD_ADMIN_TOKEN>"');
  }
  const bearer = req.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer === undefined) {
    noteAuthFailure(req, bearer);
    throw new AppError('UNAUTHORIZED', 'The admin API needs "Authorization: Bearer <SWITCHYARD_ADMIN_TOKEN>"');
  }
  // Digests have equal lengths, so the comparison takes the same time whatever the token's length.
  const given = crypto.createHash('sha256').update(bearer).digest();
  const expected = crypto.createHash('sha256').update(adminToken).digest();
  if (!crypto.timingSafeEqual(given, expected)) {
    noteAuthFailure(req, bearer);
    throw new AppError(
      'FORBIDDEN',
      'Only SWITCHYARD_ADMIN_TOKEN may use the admin API ("Authorization: Bearer <SWITCHYARD_ADMIN_TOKEN>"); workspace keys may not',
    );
  }
}
