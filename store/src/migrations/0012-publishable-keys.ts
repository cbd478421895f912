import type { Kysely } from 'kysely';

/** Publishable keys (`sy_pub_…`, docs/app-side.md): for browsers; events and public flows only, from allowed origins, rate limited. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('publishable_keys')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull())
    .addColumn('hash', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('allowed_origins', 'text', (c) => c.notNull())
    .addColumn('per_minute', 'integer', (c) => c.notNull())
    .addColumn('per_address_per_minute', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(32)')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('publishable_keys').ifExists().execute();
}
