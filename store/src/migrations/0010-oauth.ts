import type { Kysely } from 'kysely';

/**
 * OAuth connections. `oauth_connections` is the connection a flow references (id, provider, name); each has up to two
 * sides in `oauth_tokens`, live and test, kept apart as secrets' values are. Tokens are one ciphertext per side
 * (the workspace data key, AAD `oauth-token:<ws>:<connection>:<mode>`); nothing else here is secret. `lease_*` is the
 * refresh lease: one refresh at a time per side, across every process sharing the database.
 * `oauth_states` holds each pending authorization: the SHA-256 of `state` and of the browser-session cookie, the exact
 * redirect URI, and the PKCE verifier (encrypted). A row is deleted when its callback comes, so a state works once.
 * `oauth_clients` holds the generic provider's URLs and scopes per workspace and mode (client ids and secrets are secrets).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_connections')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('provider', 'varchar(40)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_connections_workspace').on('oauth_connections').columns(['workspace_id', 'provider']).execute();

  await db.schema
    .createTable('oauth_tokens')
    .addColumn('connection_id', 'varchar(64)', (c) => c.notNull().references('oauth_connections.id').onDelete('cascade'))
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('tokens', 'text')
    .addColumn('scopes', 'text')
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('refresh_due_at', 'varchar(32)')
    .addColumn('last_refresh_at', 'varchar(32)')
    .addColumn('refresh_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'varchar(32)')
    .addColumn('connected_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_tokens_pk', ['connection_id', 'mode'])
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('state_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('provider', 'varchar(40)', (c) => c.notNull())
    .addColumn('connection_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('session_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('verifier', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_clients')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('provider', 'varchar(40)', (c) => c.notNull())
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_clients_pk', ['workspace_id', 'provider', 'mode'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['oauth_clients', 'oauth_states', 'oauth_tokens', 'oauth_connections']) await db.schema.dropTable(table).ifExists().execute();
}
