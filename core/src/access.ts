import { z } from 'zod';

/**
 * What a credential may do in a workspace. Every route that needs a workspace credential names exactly one scope
 * (`RouteDef.scope`); a member's role grants a fixed set of them (`RoleScopes`), an API key carries its own list.
 * docs/people-and-roles.md has the table and the reasons.
 */
export const Scopes = [
  /** Send app events (`POST /v1/events`) and invoke flows. */
  'events:write',
  /** Read flows, versions, schedules, the catalog, settings, credits, secret names, connections, endpoints, members. */
  'workspace:read',
  /** Read runs, their event streams, webhook and notification deliveries. */
  'runs:read',
  /** Start manual runs; retry, skip, abort, reset, cancel runs; replay deliveries. */
  'runs:operate',
  /** Create, edit and delete flow drafts, schedules, code checks, the assistant, catalog installs and imports, endpoints. */
  'flows:write',
  /** Publish and unpublish flows (changes what live events run). */
  'flows:publish',
  /** Set and delete secrets (values are never read back by anyone). */
  'secrets:write',
  /** Create, change, test and delete connections and OAuth clients. */
  'connections:write',
  /** Change App Settings and notification endpoints. */
  'settings:write',
  /** Create, list and revoke API keys and publishable keys. */
  'keys:manage',
  /** Invite people, change roles, remove members. */
  'members:manage',
  /** Read the audit log. */
  'audit:read',
] as const;
export const Scope = z.enum(Scopes);
export type Scope = z.infer<typeof Scope>;

export const Roles = ['owner', 'editor', 'operator', 'viewer'] as const;
export const Role = z.enum(Roles);
export type Role = z.infer<typeof Role>;

const read: Scope[] = ['workspace:read', 'runs:read'];
const operate: Scope[] = [...read, 'runs:operate', 'events:write'];
const edit: Scope[] = [...operate, 'flows:write', 'flows:publish', 'secrets:write', 'connections:write', 'settings:write'];

/** The scopes each role grants. Owner: everything (members, keys, audit); editor: all but those; operator: run things; viewer: read. */
export const RoleScopes: Record<Role, readonly Scope[]> = {
  owner: Scopes,
  editor: edit,
  operator: operate,
  viewer: read,
};

/** The scopes of the key printed on first start: what an app backend needs, not an owner key. */
export const APP_KEY_SCOPES: readonly Scope[] = ['events:write', 'runs:read'];

/** Owner-equivalent keys: keys that existed before scopes (migration 0013) and the test helpers' keys. */
export const ALL_SCOPES: readonly Scope[] = Scopes;

export function roleAllows(role: Role, scope: Scope): boolean {
  return RoleScopes[role].includes(scope);
}

/** Passwords: long enough to resist guessing, short enough that hashing stays cheap to bound (argon2 takes any length). */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const Password = z
  .string()
  .min(PASSWORD_MIN, `a password needs at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `a password has at most ${PASSWORD_MAX} characters`);
export const Email = z
  .string()
  .trim()
  .max(254)
  .email('an email address such as ada@example.com')
  .transform((e) => e.toLowerCase());

/** Names of audited actions (`audit_log.action`). */
export const AuditActions = [
  'signin.succeeded',
  'signin.failed',
  'signin.locked',
  'signout',
  'session.revoked',
  'password.reset',
  'user.signed_up',
  'workspace.created',
  'member.invited',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'invitation.revoked',
  'key.created',
  'key.revoked',
  'secret.set',
  'secret.deleted',
  'flow.published',
  'flow.enabled',
  'flow.version_restored',
  'flow.unpublished',
  'flow.deleted',
  'run.started',
  'run.retried',
  'run.skipped',
  'run.aborted',
  'run.reset',
  'run.cancelled',
  'runs.bulk_retried',
  'delivery.replayed',
  'connection.created',
  'connection.changed',
  'connection.reconnected',
  'connection.deleted',
  'oauth_client.set',
  'settings.changed',
  'plan.changed',
  'credits.granted',
] as const;
export type AuditAction = (typeof AuditActions)[number];
