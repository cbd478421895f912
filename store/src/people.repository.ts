import type { Db } from './database';
import { forUpdateOn, nowIso } from './database';
import { newId } from './ids';

/**
 * People, memberships, sessions, invitations and password resets. Tokens (session cookies, invitation links, reset
 * links) are stored only as SHA-256 hashes. Everything that belongs to a workspace is read and written with the
 * workspace in the query.
 */

export async function findUserByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUser(db: Db, userId: string) {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(db: Db, user: { email: string; name: string; passwordHash: string | null }) {
  const row = {
    id: newId('usr'),
    email: user.email,
    name: user.name,
    password_hash: user.passwordHash,
    failed_signins: 0,
    locked_until: null,
    created_at: nowIso(),
    password_changed_at: user.passwordHash ? nowIso() : null,
  };
  await db.insertInto('users').values(row).execute();
  return row;
}

/** Counts a failed sign-in; from `lockAfter` failures in a row the account is locked for `lockMs`. Returns the new state. */
export async function noteFailedSignin(db: Db, userId: string, lockAfter: number, lockMs: number) {
  return db.transaction().execute(async (tx) => {
    // Locked on PostgreSQL: concurrent wrong passwords are each counted (no lost update).
    const user = await forUpdateOn(tx, tx.selectFrom('users').select(['failed_signins']).where('id', '=', userId)).executeTakeFirstOrThrow();
    const failed = user.failed_signins + 1;
    const lockedUntil = failed >= lockAfter ? new Date(Date.now() + lockMs).toISOString() : null;
    await tx
      .updateTable('users')
      .set({ failed_signins: lockedUntil ? 0 : failed, ...(lockedUntil ? { locked_until: lockedUntil } : {}) })
      .where('id', '=', userId)
      .execute();
    return { failed, lockedUntil };
  });
}

export async function clearFailedSignins(db: Db, userId: string) {
  await db.updateTable('users').set({ failed_signins: 0, locked_until: null }).where('id', '=', userId).execute();
}

export async function setPassword(db: Db, userId: string, passwordHash: string) {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, password_changed_at: nowIso(), failed_signins: 0, locked_until: null })
    .where('id', '=', userId)
    .execute();
}

// Memberships

export async function addMembership(db: Db, workspaceId: string, userId: string, role: string) {
  await db
    .insertInto('memberships')
    .values({ workspace_id: workspaceId, user_id: userId, role, created_at: nowIso() })
    .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

export async function findMembership(db: Db, workspaceId: string, userId: string) {
  return db.selectFrom('memberships').selectAll().where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
}

/** A person's workspaces, oldest membership first. */
export async function listUserWorkspaces(db: Db, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
    .select(['workspaces.id as id', 'workspaces.name as name', 'memberships.role as role', 'memberships.created_at as joinedAt'])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .execute();
}

export async function listMembers(db: Db, workspaceId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as userId', 'users.email as email', 'users.name as name', 'memberships.role as role', 'memberships.created_at as joinedAt'])
    .where('memberships.workspace_id', '=', workspaceId)
    .orderBy('memberships.created_at')
    .execute();
}

export async function countOwners(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setMemberRole(db: Db, workspaceId: string, userId: string, role: string) {
  const r = await db.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function removeMember(db: Db, workspaceId: string, userId: string) {
  const r = await db.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// Sessions

export async function insertSession(db: Db, s: { tokenHash: string; userId: string; expiresAt: string; userAgent: string | null }) {
  const row = {
    id: newId('ses'),
    token_hash: s.tokenHash,
    user_id: s.userId,
    created_at: nowIso(),
    expires_at: s.expiresAt,
    last_seen_at: nowIso(),
    revoked_at: null,
    user_agent: s.userAgent,
  };
  await db.insertInto('sessions').values(row).execute();
  return row;
}

/** A live session (not revoked, not expired) by its token's hash, with its person. */
export async function findLiveSession(db: Db, tokenHash: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as id',
      'sessions.user_id as userId',
      'sessions.expires_at as expiresAt',
      'sessions.last_seen_at as lastSeenAt',
      'users.email as email',
      'users.name as name',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', nowIso())
    .executeTakeFirst();
}

/** Slides an idle session's expiry (at most once a minute per session). */
export async function touchSession(db: Db, sessionId: string, expiresAt: string) {
  await db.updateTable('sessions').set({ last_seen_at: nowIso(), expires_at: expiresAt }).where('id', '=', sessionId).execute();
}

export async function revokeSession(db: Db, userId: string, sessionId: string) {
  const r = await db
    .updateTable('sessions')
    .set({ revoked_at: nowIso() })
    .where('user_id', '=', userId)
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function revokeUserSessions(db: Db, userId: string) {
  await db.updateTable('sessions').set({ revoked_at: nowIso() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export async function listUserSessions(db: Db, userId: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', nowIso())
    .orderBy('created_at', 'desc')
    .execute();
}

// Invitations

export async function insertInvitation(
  db: Db,
  inv: { tokenHash: string; workspaceId: string; role: string; email: string | null; createdBy: string | null; expiresAt: string },
) {
  const row = {
    id: newId('inv'),
    token_hash: inv.tokenHash,
    workspace_id: inv.workspaceId,
    role: inv.role,
    email: inv.email,
    created_by: inv.createdBy,
    created_at: nowIso(),
    expires_at: inv.expiresAt,
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  await db.insertInto('invitations').values(row).execute();
  return row;
}

/** An open invitation (not accepted, revoked or expired) by its token's hash. */
export async function findOpenInvitation(db: Db, tokenHash: string) {
  return db
    .selectFrom('invitations')
    .innerJoin('workspaces', 'workspaces.id', 'invitations.workspace_id')
    .selectAll('invitations')
    .select('workspaces.name as workspace_name')
    .where('invitations.token_hash', '=', tokenHash)
    .where('invitations.accepted_at', 'is', null)
    .where('invitations.revoked_at', 'is', null)
    .where('invitations.expires_at', '>', nowIso())
    .executeTakeFirst();
}

/** Marks an invitation used, once: false when another request took it first. */
export async function acceptInvitation(db: Db, workspaceId: string, invitationId: string, userId: string) {
  const r = await db
    .updateTable('invitations')
    .set({ accepted_at: nowIso(), accepted_by: userId })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listOpenInvitations(db: Db, workspaceId: string) {
  return db
    .selectFrom('invitations')
    .select(['id', 'role', 'email', 'created_at', 'expires_at'])
    .where('workspace_id', '=', workspaceId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', nowIso())
    .orderBy('created_at')
    .execute();
}

export async function revokeInvitation(db: Db, workspaceId: string, invitationId: string) {
  const r = await db
    .updateTable('invitations')
    .set({ revoked_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// Password resets

export async function insertPasswordReset(db: Db, r: { tokenHash: string; userId: string; expiresAt: string }) {
  await db
    .insertInto('password_resets')
    .values({ token_hash: r.tokenHash, user_id: r.userId, created_at: nowIso(), expires_at: r.expiresAt, used_at: null })
    .execute();
}

/** Uses a reset token once; returns its person, or undefined when it is unknown, used or expired. */
export async function usePasswordReset(db: Db, tokenHash: string) {
  const row = await db
    .updateTable('password_resets')
    .set({ used_at: nowIso() })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowIso())
    .returning(['user_id'])
    .executeTakeFirst();
  return row?.user_id;
}
