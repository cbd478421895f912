import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workspace_keys')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.primaryKey().references('workspaces.id'))
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('master_fingerprint', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('rotated_at', 'varchar(32)')
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('live_value', 'text')
    .addColumn('live_last4', 'varchar(8)')
    .addColumn('test_value', 'text')
    .addColumn('test_last4', 'varchar(8)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('secrets_workspace_name', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('installations')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    .addColumn('integration', 'varchar(64)', (c) => c.notNull())
    .addColumn('installed_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('installations_pk', ['workspace_id', 'integration'])
    .execute();

  await db.schema
    .createTable('workspace_settings')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.primaryKey().references('workspaces.id'))
    .addColumn('backend_functions', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['workspace_settings', 'installations', 'secrets', 'workspace_keys']) await db.schema.dropTable(table).ifExists().execute();
}
