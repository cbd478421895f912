import crypto from 'node:crypto';
import type { Request } from 'express';
import { Role, Scope, RoleScopes, type Scope as ScopeT, type Role as RoleT } from '#core/access';
import type { RunMode } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import type { Db } from '#store/database';
import { findMembership, listUserWorkspaces } from '#store/people.repository';
import { findPublishableKeyByHash } from '#store/publishable-keys.repository';
import { findApiKeyByHash, touchApiKey } from '#store/workspaces.repository';
import { noteAuthFailure, presentedKey } from './auth-limits';
import { checkCsrf, sessionFromRequest, type SessionOptions, type SignedInPerson } from './sessions';

/** Who acts: a person (signed in to the editor) or an API key. Recorded in the audit log. */
export interface Actor {
  type: 'user' | 'key' | 'anonymous' | 'admin';
  id: string;
  /** An email, or a key's name and prefix. */
  label: string;
}

export interface AuthContext {
  workspaceId: string;
  /** Test keys (`sy_test_…`) start test runs; a person in the editor acts live. */
  mode: RunMode;
  /** The API key's id; empty for a person. */
  keyId: string;
  /** What this credential may do in the workspace: a key's own scopes, or the scopes of the person's role. */
  scopes: readonly ScopeT[];
  actor: Actor;
  /** Set for a signed-in person. */
  person?: SignedInPerson & { role?: RoleT };
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

/** The header the editor names its current workspace with (a person may belong to several). */
export const WORKSPACE_HEADER = 'x-switchyard-workspace';

/** Parses a stored scope list, dropping names this version does not know (a key never gains power from a typo). */
export function parseScopes(text: string | null): ScopeT[] {
  if (!text) return [];
  const list = JSON.parse(text) as unknown[];
  return list.filter((s): s is ScopeT => Scope.safeParse(s).success);
}

/**
 * Resolves the credential of a workspace route: `Authorization: Bearer <key>` (or `X-Api-Key`) when present, else the
 * editor's session cookie (with its CSRF token on writes) and the workspace named by `X-Switchyard-Workspace` (default:
 * the person's oldest membership). A workspace the person is not a member of answers 404, as a missing one does.
 */
export function workspaceAuthenticator(db: Db, sessions: SessionOptions): (req: Request) => Promise<AuthContext> {
  const byKey = apiKeyAuthenticator(db);
  return async (req) => {
    if (presentedKey(req) !== undefined || !sessionCookiePresent(req)) return byKey(req);
    const person = await personFromSession(db, sessions, req);
    const asked = req.get(WORKSPACE_HEADER);
    let workspaceId = asked;
    if (!workspaceId) {
      const first = (await listUserWorkspaces(db, person.userId))[0];
      if (!first) throw new AppError('FORBIDDEN', 'You are not a member of any workspace yet: create one (POST /api/workspaces) or accept an invitation');
      workspaceId = first.id;
    }
    const membership = await findMembership(db, workspaceId, person.userId);
    if (!membership) throw new AppError('NOT_FOUND', `No workspace ${workspaceId} among yours; pick one of your workspaces (GET /api/workspaces)`);
    const role = Role.parse(membership.role);
    return {
      workspaceId,
      mode: 'live',
      keyId: '',
      scopes: RoleScopes[role],
      actor: { type: 'user', id: person.userId, label: person.email },
      person: { ...person, role },
    };
  };
}

/** A route for a signed-in person, whatever the workspace (their session, their workspaces, accepting an invitation). */
export function personAuthenticator(db: Db, sessions: SessionOptions): (req: Request) => Promise<AuthContext> {
  return async (req) => {
    if (presentedKey(req) !== undefined) {
      throw new AppError('FORBIDDEN', `${req.method} ${req.path} is for a person signed in to the editor; API keys cannot call it`);
    }
    const person = await personFromSession(db, sessions, req);
    return { workspaceId: '', mode: 'live', keyId: '', scopes: [], actor: { type: 'user', id: person.userId, label: person.email }, person };
  };
}

function sessionCookiePresent(req: Request): boolean {
  return /(?:^|;\s*)sy_session=/.test(req.get('cookie') ?? '');
}

async function personFromSession(db: Db, sessions: SessionOptions, req: Request): Promise<SignedInPerson> {
  const person = await sessionFromRequest(db, sessions, req);
  if (!person) {
    noteAuthFailure(req, undefined);
    throw new AppError('UNAUTHORIZED', 'Your session has expired or was signed out: sign in again');
  }
  checkCsrf(req, person, sessions.publicUrl, sessions.codecOrigins);
  return person;
}

/** Reads `Authorization: Bearer <key>` (or `X-Api-Key`) and resolves the workspace. */
export function apiKeyAuthenticator(db: Db): (req: Request) => Promise<AuthContext> {
  return async (req) => {
    const key = presentedKey(req);
    if (!key) {
      noteAuthFailure(req, key);
      throw new AppError(
        'UNAUTHORIZED',
        'Send your workspace API key as "Authorization: Bearer sy_live_…" (or sy_test_… for test mode), or sign in to the editor',
      );
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
        scopes: ['events:write'],
        actor: { type: 'key', id: pub.id, label: `publishable key ${pub.prefix}…` },
        publishable: { origins: JSON.parse(pub.allowed_origins) as string[], perMinute: pub.per_minute, perAddressPerMinute: pub.per_address_per_minute },
      };
    }
    const row = await findApiKeyByHash(db, hashApiKey(key));
    if (!row) {
      noteAuthFailure(req, key);
      throw new AppError('UNAUTHORIZED', 'This API key is not valid: it may be mistyped or revoked');
    }
    if (!touchedRecently(row.id)) await touchApiKey(db, row.workspace_id, row.id);
    return {
      workspaceId: row.workspace_id,
      mode: row.mode === 'test' ? 'test' : 'live',
      keyId: row.id,
      scopes: parseScopes(row.scopes),
      actor: { type: 'key', id: row.id, label: `${row.name ?? 'key'} (${row.prefix}…)` },
    };
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

/** Keys this process noted as used within the last minute: touchApiKey writes at most once a minute anyway, so the statement is skipped. */
const touched = new Map<string, number>();
function touchedRecently(keyId: string): boolean {
  const now = Date.now();
  const last = touched.get(keyId);
  if (last !== undefined && now - last < 60_000) return true;
  if (touched.size > 10_000) touched.clear();
  touched.set(keyId, now);
  return false;
}
