import { sql, type Kysely } from 'kysely';

/**
 * People, roles and scoped keys (docs/people-and-roles.md): users, memberships, sessions, invitations, password
 * resets, the audit log; API keys gain a name, scopes and a last-used time. Keys that existed before scopes were
 * every workspace's full-power keys, so they keep all scopes (owner-equivalent); new keys name theirs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    /** argon2id PHC string; null for a person who signs in only through OpenID Connect. */
    .addColumn('password_hash', 'text')
    .addColumn('failed_signins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('password_changed_at', 'varchar(32)')
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['workspace_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_by_user').on('memberships').columns(['user_id']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    /** SHA-256 of the cookie's token; the token itself is only in the browser. */
    .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_seen_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(32)')
    .addColumn('user_agent', 'varchar(300)')
    .execute();
  await db.schema.createIndex('sessions_by_user').on('sessions').columns(['user_id']).execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)')
    .addColumn('created_by', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('accepted_at', 'varchar(32)')
    .addColumn('accepted_by', 'varchar(64)')
    .addColumn('revoked_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('invitations_by_workspace').on('invitations').columns(['workspace_id']).execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('token_hash', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(32)')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    /** Null for events of a person rather than a workspace (sign-ins); owners see those of their members. */
    .addColumn('workspace_id', 'varchar(64)')
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    /** `user`, `key`, `admin`, `system` or `anonymous`. */
    .addColumn('actor_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    /** An email or a key's name and prefix: readable after the actor is gone. */
    .addColumn('actor_label', 'varchar(300)')
    /** The person a person-level event is about (a failed sign-in names the account it tried). */
    .addColumn('subject_user_id', 'varchar(64)')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target', 'varchar(300)')
    /** JSON: what changed, never a secret value. */
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('address', 'varchar(64)')
    .execute();
  await db.schema.createIndex('audit_by_workspace_time').on('audit_log').columns(['workspace_id', 'at']).execute();
  await db.schema.createIndex('audit_by_subject_time').on('audit_log').columns(['subject_user_id', 'at']).execute();
  await db.schema.createIndex('audit_by_time').on('audit_log').columns(['at']).execute();

  await db.schema.alterTable('api_keys').addColumn('name', 'varchar(200)').execute();
  await db.schema.alterTable('api_keys').addColumn('scopes', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('last_used_at', 'varchar(32)').execute();
  await db.schema.alterTable('api_keys').addColumn('created_by', 'varchar(64)').execute();
  // Keys from before scopes were full-power: they keep every scope (the list as it stood at this migration).
  const all = JSON.stringify([
    'events:write',
    'workspace:read',
    'runs:read',
    'runs:operate',
    'flows:write',
    'flows:publish',
    'secrets:write',
    'connections:write',
    'settings:write',
    'keys:manage',
    'members:manage',
    'audit:read',
  ]);
  await sql`update api_keys set scopes = ${all}, name = 'Key from before scopes' where scopes is null`.execute(db);
  await db.schema.createIndex('api_keys_by_workspace').on('api_keys').columns(['workspace_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_log', 'password_resets', 'invitations', 'sessions', 'memberships', 'users'])
    await db.schema.dropTable(table).ifExists().execute();
  await db.schema.dropIndex('api_keys_by_workspace').ifExists().execute();
  for (const column of ['name', 'scopes', 'last_used_at', 'created_by']) await db.schema.alterTable('api_keys').dropColumn(column).execute();
}
