import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Request } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { z } from 'zod';
import { Role, type Role as RoleT } from '#core/access';
import type { ApiKeyRequest, ApiKeySummary, CreatedApiKey, CreatedInvitation, MemberList, SessionInfo } from '#core/api';
import { AppError } from '#core/errors';
import { insertAuditEntry } from '#store/audit.repository';
import type { Db } from '#store/database';
import {
  acceptInvitation,
  addMembership,
  clearFailedSignins,
  countOwners,
  findMembership,
  findOpenInvitation,
  findUser,
  findUserByEmail,
  insertInvitation,
  insertPasswordReset,
  insertUser,
  listMembers,
  listOpenInvitations,
  listUserWorkspaces,
  noteFailedSignin,
  removeMember,
  revokeInvitation,
  listUserSessions,
  revokeSession,
  revokeUserSessions,
  setMemberRole,
  setPassword,
  usePasswordReset,
} from '#store/people.repository';
import { createWorkspace, insertApiKey, listApiKeys, revokeApiKey } from '#store/workspaces.repository';
import { generateApiKey, parseScopes, type AuthContext } from '../http/auth';
import { hashToken, newToken, startSession, type SessionOptions } from '../http/sessions';
import { audit, clientAddress } from './audit.service';

/** Settings of people and sessions (SWITCHYARD_SESSION_TTL, SWITCHYARD_SIGNUP, …; docs/people-and-roles.md). */
export interface PeopleConfig {
  session: SessionOptions;
  /** `invite`: only invitation links (the first owner's is printed on first start) sign people up; `open`: anyone may. */
  signup: 'open' | 'invite';
  /** Failed sign-ins allowed per client address per minute; then 429. */
  signinFailuresPerAddress: number;
  /** Failed sign-ins in a row that lock an account … */
  lockAfter: number;
  /** … for this long (even the right password is refused meanwhile). */
  lockMs: number;
  invitationTtlMs: number;
  resetTtlMs: number;
}

export const DEFAULT_PEOPLE_CONFIG: PeopleConfig = {
  session: { ttlMs: 7 * 24 * 3_600_000 },
  signup: 'invite',
  signinFailuresPerAddress: 10,
  lockAfter: 5,
  lockMs: 15 * 60_000,
  invitationTtlMs: 7 * 24 * 3_600_000,
  resetTtlMs: 3_600_000,
};

type Session = z.infer<typeof SessionInfo>;

/** The hash a sign-in for an unknown email is checked against, so it takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's minimum for argon2id).
  return argonHash(password);
}

export class People {
  private readonly signinFailures: RateLimiterMemory;

  constructor(
    private readonly db: Db,
    readonly config: PeopleConfig,
    private readonly publicUrl: string | undefined,
  ) {
    this.signinFailures = new RateLimiterMemory({ keyPrefix: 'signin', points: config.signinFailuresPerAddress, duration: 60 });
  }

  async sessionInfo(userId: string, csrfToken: string): Promise<Session> {
    const user = await findUser(this.db, userId);
    if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists');
    const workspaces = (await listUserWorkspaces(this.db, userId)).map((w) => ({ id: w.id, name: w.name, role: Role.parse(w.role) }));
    return { user: { id: user.id, email: user.email, name: user.name }, workspaces, csrfToken };
  }

  async signUp(req: Request, o: { email: string; name: string; password: string; invitation?: string | undefined }) {
    const invitation = o.invitation ? await findOpenInvitation(this.db, hashToken(o.invitation)) : undefined;
    if (o.invitation && !invitation)
      throw new AppError('NOT_FOUND', 'This invitation link is not valid: it may have expired, been used or been revoked. Ask for a new one.');
    if (!invitation && this.config.signup !== 'open') {
      throw new AppError(
        'FORBIDDEN',
        'Sign-up needs an invitation link on this install (SWITCHYARD_SIGNUP=invite). The first owner uses the link printed on first start (or `npm run people -- owner-link`).',
      );
    }
    if (invitation?.email && invitation.email !== o.email) {
      throw new AppError('FORBIDDEN', `This invitation is for ${invitation.email}; sign up with that address or ask for another invitation`);
    }
    if (await findUserByEmail(this.db, o.email)) {
      throw new AppError(
        'CONFLICT',
        `There is already an account for ${o.email}: sign in instead (a forgotten password is reset with \`npm run people -- reset-password ${o.email}\`)`,
      );
    }
    const user = await insertUser(this.db, { email: o.email, name: o.name, passwordHash: await hashPassword(o.password) });
    const actor: AuthContext = personActor(user.id, user.email);
    await audit(this.db, actor, req, 'user.signed_up', { ...(invitation ? { workspaceId: invitation.workspace_id } : {}), target: user.email });
    if (invitation) await this.join(req, actor, invitation);
    const session = await startSession(this.db, this.config.session, req, user.id);
    return { setCookie: session.setCookie, body: await this.sessionInfo(user.id, session.csrfToken) };
  }

  async signIn(req: Request, o: { email: string; password: string }) {
    const address = clientAddress(req);
    const limit = await this.signinFailures.get(address);
    if (limit && limit.consumedPoints >= this.config.signinFailuresPerAddress) {
      const retryAfterSeconds = Math.max(1, Math.ceil(limit.msBeforeNext / 1000));
      throw new AppError('RATE_LIMITED', `Too many failed sign-ins from this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
    const user = await findUserByEmail(this.db, o.email);
    if (user?.locked_until && Date.parse(user.locked_until) > Date.now()) {
      const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(user.locked_until) - Date.now()) / 1000));
      await this.personEvent(req, 'signin.locked', user.id, o.email, { reason: 'account locked' });
      throw new AppError('RATE_LIMITED', `This account is locked after repeated wrong passwords; try again in ${retryAfterSeconds} s or reset the password`, {
        retryAfterSeconds,
        locked: true,
      });
    }
    const ok = user?.password_hash
      ? await argonVerify(user.password_hash, o.password)
      : (await argonVerify(await (dummyHash ??= hashPassword('not the password of anyone')), o.password), false);
    if (!user || !ok) {
      await this.signinFailures.penalty(address);
      let locked = false;
      if (user) locked = (await noteFailedSignin(this.db, user.id, this.config.lockAfter, this.config.lockMs)).lockedUntil !== null;
      await this.personEvent(req, locked ? 'signin.locked' : 'signin.failed', user?.id ?? null, o.email, { reason: 'wrong email or password' });
      throw new AppError('UNAUTHORIZED', 'Wrong email or password');
    }
    await clearFailedSignins(this.db, user.id);
    const session = await startSession(this.db, this.config.session, req, user.id);
    await this.personEvent(req, 'signin.succeeded', user.id, user.email, { sessionId: session.sessionId });
    return { setCookie: session.setCookie, body: await this.sessionInfo(user.id, session.csrfToken) };
  }

  async signOut(req: Request, auth: AuthContext, everywhere: boolean): Promise<void> {
    const person = auth.person!;
    if (everywhere) await revokeUserSessions(this.db, person.userId);
    else await revokeSession(this.db, person.userId, person.sessionId);
    await this.personEvent(req, 'signout', person.userId, person.email, { everywhere });
  }

  /** The person's live sessions, newest first, the one asking marked `current`. */
  async sessions(auth: AuthContext) {
    const person = auth.person!;
    const rows = await listUserSessions(this.db, person.userId);
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      userAgent: r.user_agent,
      current: r.id === person.sessionId,
    }));
  }

  /** Ends one of the person's own sessions (another browser, a lost laptop); someone else's is not found. */
  async revokeOneSession(req: Request, auth: AuthContext, sessionId: string): Promise<void> {
    const person = auth.person!;
    if (!(await revokeSession(this.db, person.userId, sessionId)))
      throw new AppError('NOT_FOUND', `You have no live session ${sessionId}: it may have ended already. GET /api/auth/sessions lists yours.`);
    await this.personEvent(req, 'session.revoked', person.userId, person.email, { sessionId, current: sessionId === person.sessionId });
  }

  /** A reset link for the CLI (`npm run people -- reset-password <email>`): valid once, for an hour. */
  async resetLink(email: string, baseUrl: string): Promise<string> {
    const user = await findUserByEmail(this.db, email.toLowerCase());
    if (!user) throw new AppError('NOT_FOUND', `No account for ${email}`);
    const token = newToken();
    await insertPasswordReset(this.db, {
      tokenHash: hashToken(token),
      userId: user.id,
      expiresAt: new Date(Date.now() + this.config.resetTtlMs).toISOString(),
    });
    return `${baseUrl.replace(/\/$/, '')}/reset-password?token=${token}`;
  }

  async resetPassword(req: Request, token: string, password: string): Promise<void> {
    const userId = await usePasswordReset(this.db, hashToken(token));
    if (!userId)
      throw new AppError(
        'NOT_FOUND',
        'This reset link is not valid: it may have expired or been used. Print a new one with `npm run people -- reset-password <email>`.',
      );
    await setPassword(this.db, userId, await hashPassword(password));
    // Whoever had the old password is signed out everywhere.
    await revokeUserSessions(this.db, userId);
    const user = await findUser(this.db, userId);
    await this.personEvent(req, 'password.reset', userId, user?.email ?? userId, {});
  }

  async createWorkspace(req: Request, auth: AuthContext, name: string) {
    const ws = await createWorkspace(this.db, name);
    await addMembership(this.db, ws.id, auth.person!.userId, 'owner');
    await audit(this.db, auth, req, 'workspace.created', { workspaceId: ws.id, target: name });
    return { id: ws.id, name: ws.name, role: 'owner' as const };
  }

  async members(workspaceId: string): Promise<z.infer<typeof MemberList>> {
    const [members, invitations] = await Promise.all([listMembers(this.db, workspaceId), listOpenInvitations(this.db, workspaceId)]);
    return {
      members: members.map((m) => ({ ...m, role: Role.parse(m.role) })),
      invitations: invitations.map((i) => ({ id: i.id, role: Role.parse(i.role), email: i.email, createdAt: i.created_at, expiresAt: i.expires_at })),
    };
  }

  async invite(req: Request, auth: AuthContext, o: { role: RoleT; email?: string | undefined }): Promise<z.infer<typeof CreatedInvitation>> {
    const token = newToken();
    const row = await insertInvitation(this.db, {
      tokenHash: hashToken(token),
      workspaceId: auth.workspaceId,
      role: o.role,
      email: o.email ?? null,
      createdBy: auth.actor.id || null,
      expiresAt: new Date(Date.now() + this.config.invitationTtlMs).toISOString(),
    });
    await audit(this.db, auth, req, 'member.invited', { target: o.email ?? `invitation ${row.id}`, details: { role: o.role, invitationId: row.id } });
    return {
      id: row.id,
      role: o.role,
      email: row.email,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      token,
      url: `${this.baseUrl(req)}/signup?invite=${token}`,
    };
  }

  async revokeInvitation(req: Request, auth: AuthContext, invitationId: string): Promise<void> {
    if (!(await revokeInvitation(this.db, auth.workspaceId, invitationId)))
      throw new AppError('NOT_FOUND', `No open invitation ${invitationId} in this workspace`);
    await audit(this.db, auth, req, 'invitation.revoked', { target: invitationId });
  }

  /** A signed-in person accepts an invitation link. */
  async accept(req: Request, auth: AuthContext, token: string) {
    const invitation = await findOpenInvitation(this.db, hashToken(token));
    if (!invitation) throw new AppError('NOT_FOUND', 'This invitation link is not valid: it may have expired, been used or been revoked. Ask for a new one.');
    if (invitation.email && invitation.email !== auth.person!.email) {
      throw new AppError('FORBIDDEN', `This invitation is for ${invitation.email}, and you are signed in as ${auth.person!.email}`);
    }
    const role = await this.join(req, auth, invitation);
    return { id: invitation.workspace_id, name: invitation.workspace_name, role };
  }

  /** A person who just signed up elsewhere (OpenID Connect) joins with an invitation. */
  async joinWithInvitation(req: Request, userId: string, email: string, invitation: { id: string; workspace_id: string; role: string }): Promise<RoleT> {
    return this.join(req, personActor(userId, email), invitation);
  }

  private async join(req: Request, auth: AuthContext, invitation: { id: string; workspace_id: string; role: string }): Promise<RoleT> {
    if (!(await acceptInvitation(this.db, invitation.workspace_id, invitation.id, auth.actor.id))) {
      throw new AppError('CONFLICT', 'This invitation was just used by someone else');
    }
    const existing = await findMembership(this.db, invitation.workspace_id, auth.actor.id);
    // An invitation never lowers a role someone already has.
    const role = existing ? strongest(Role.parse(existing.role), Role.parse(invitation.role)) : Role.parse(invitation.role);
    await addMembership(this.db, invitation.workspace_id, auth.actor.id, role);
    await audit(this.db, auth, req, 'member.joined', {
      workspaceId: invitation.workspace_id,
      target: auth.actor.label,
      details: { role, invitationId: invitation.id },
    });
    return role;
  }

  async changeRole(req: Request, auth: AuthContext, userId: string, role: RoleT): Promise<void> {
    const member = await findMembership(this.db, auth.workspaceId, userId);
    if (!member) throw new AppError('NOT_FOUND', `No member ${userId} in this workspace`);
    if (member.role === 'owner' && role !== 'owner' && (await countOwners(this.db, auth.workspaceId)) <= 1) {
      throw new AppError('CONFLICT', 'A workspace keeps at least one owner: make someone else owner first');
    }
    await setMemberRole(this.db, auth.workspaceId, userId, role);
    const user = await findUser(this.db, userId);
    await audit(this.db, auth, req, 'member.role_changed', { target: user?.email ?? userId, details: { userId, from: member.role, to: role } });
  }

  async removeMember(req: Request, auth: AuthContext, userId: string): Promise<void> {
    const member = await findMembership(this.db, auth.workspaceId, userId);
    if (!member) throw new AppError('NOT_FOUND', `No member ${userId} in this workspace`);
    if (member.role === 'owner' && (await countOwners(this.db, auth.workspaceId)) <= 1) {
      throw new AppError('CONFLICT', 'A workspace keeps at least one owner: make someone else owner first');
    }
    await removeMember(this.db, auth.workspaceId, userId);
    const user = await findUser(this.db, userId);
    await audit(this.db, auth, req, 'member.removed', { target: user?.email ?? userId, details: { userId, role: member.role } });
  }

  async keys(workspaceId: string): Promise<z.infer<typeof ApiKeySummary>[]> {
    return (await listApiKeys(this.db, workspaceId)).map(keySummary);
  }

  async createKey(req: Request, auth: AuthContext, o: z.infer<typeof ApiKeyRequest>): Promise<z.infer<typeof CreatedApiKey>> {
    const scopes = [...new Set(o.scopes)];
    const generated = generateApiKey(o.mode);
    const row = await insertApiKey(this.db, {
      workspaceId: auth.workspaceId,
      mode: o.mode,
      prefix: generated.prefix,
      hash: generated.hash,
      scopes,
      name: o.name,
      ...(auth.actor.id ? { createdBy: auth.actor.id } : {}),
    });
    await audit(this.db, auth, req, 'key.created', { target: `${o.name} (${generated.prefix}…)`, details: { keyId: row.id, mode: o.mode, scopes } });
    return { ...keySummary(row), key: generated.key };
  }

  async revokeKey(req: Request, auth: AuthContext, keyId: string): Promise<void> {
    const row = await revokeApiKey(this.db, auth.workspaceId, keyId);
    if (!row) throw new AppError('NOT_FOUND', `No active API key ${keyId} in this workspace`);
    await audit(this.db, auth, req, 'key.revoked', { target: `${row.name ?? 'key'} (${row.prefix}…)`, details: { keyId, mode: row.mode } });
  }

  private baseUrl(req: Request): string {
    return this.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  }

  /** Events of a person rather than a workspace (sign-ins): owners of the person's workspaces see them. */
  private async personEvent(
    req: Request,
    action: 'signin.succeeded' | 'signin.failed' | 'signin.locked' | 'signout' | 'session.revoked' | 'password.reset',
    userId: string | null,
    email: string,
    details: Record<string, unknown>,
  ) {
    await insertAuditEntry(this.db, {
      workspaceId: null,
      actorType: userId && action !== 'signin.failed' && action !== 'signin.locked' ? 'user' : 'anonymous',
      actorId: userId,
      actorLabel: email,
      subjectUserId: userId,
      action,
      target: email,
      details,
      address: clientAddress(req),
    });
  }
}

function personActor(userId: string, email: string): AuthContext {
  return { workspaceId: '', mode: 'live', keyId: '', scopes: [], actor: { type: 'user', id: userId, label: email } };
}

const ROLE_ORDER: RoleT[] = ['viewer', 'operator', 'editor', 'owner'];
function strongest(a: RoleT, b: RoleT): RoleT {
  return ROLE_ORDER.indexOf(a) >= ROLE_ORDER.indexOf(b) ? a : b;
}

function keySummary(row: {
  id: string;
  name: string | null;
  mode: string;
  prefix: string;
  scopes: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): z.infer<typeof ApiKeySummary> {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode === 'test' ? 'test' : 'live',
    prefix: row.prefix,
    scopes: parseScopes(row.scopes),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
