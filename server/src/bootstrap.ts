import { APP_KEY_SCOPES, type Scope } from '#core/access';
import type { Db } from '#store/database';
import { countUsers, insertInvitation } from '#store/people.repository';
import { createWorkspace, firstWorkspace, insertApiKey } from '#store/workspaces.repository';
import { generateApiKey } from './http/auth';
import { hashToken, newToken } from './http/sessions';

/**
 * Creates a workspace with a live and a test API key carrying `scopes` (owner-equivalent keys are `ALL_SCOPES`: test
 * helpers and benches use them). Returns nothing new when a workspace exists. Keys are returned once, stored as hashes.
 */
export async function ensureWorkspace(db: Db, scopes: readonly Scope[]): Promise<{ workspaceId: string; keys?: { live: string; test: string } }> {
  const existing = await firstWorkspace(db);
  if (existing) return { workspaceId: existing.id };
  const workspace = await createWorkspace(db, 'Default workspace');
  const live = generateApiKey('live');
  const test = generateApiKey('test');
  await insertApiKey(db, { workspaceId: workspace.id, mode: 'live', prefix: live.prefix, hash: live.hash, scopes, name: 'Default live key' });
  await insertApiKey(db, { workspaceId: workspace.id, mode: 'test', prefix: test.prefix, hash: test.hash, scopes, name: 'Default test key' });
  return { workspaceId: workspace.id, keys: { live: live.key, test: test.key } };
}

export interface FirstStart {
  workspaceId: string;
  /** Set on the very first start: the app's keys (events:write + runs:read), shown once. */
  appKeys?: { live: string; test: string };
  /** Set while nobody has an account: a link that makes its user the first workspace's owner (valid for 7 days). */
  ownerInvitation?: string;
}

/**
 * What `npm start` needs on a fresh install: the first workspace, the keys an app backend uses (`events:write` +
 * `runs:read`, live and test; not owner keys), and, while nobody has an account, a one-time owner sign-up link.
 */
export async function firstStart(db: Db): Promise<FirstStart> {
  const existing = await firstWorkspace(db);
  const boot = existing ? { workspaceId: existing.id } : await ensureWorkspace(db, APP_KEY_SCOPES);
  const result: FirstStart = { workspaceId: boot.workspaceId, ...('keys' in boot && boot.keys ? { appKeys: boot.keys } : {}) };
  if ((await countUsers(db)) === 0) result.ownerInvitation = await ownerInvitation(db, boot.workspaceId);
  return result;
}

/** A new one-time link that signs its user up as an owner of `workspaceId` (only its hash is stored). */
export async function ownerInvitation(db: Db, workspaceId: string): Promise<string> {
  const token = newToken();
  await insertInvitation(db, {
    tokenHash: hashToken(token),
    workspaceId,
    role: 'owner',
    email: null,
    createdBy: null,
    expiresAt: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString(),
  });
  return token;
}
