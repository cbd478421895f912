import type { Kysely } from 'kysely';

/**
 * Settings of the whole installation that the server and the worker both act on, kept in the database they share
 * rather than in each process's memory: `default_plan` (SWITCHYARD_DEFAULT_PLAN), the plan accounts are opened on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('system_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('system_settings').execute();
}
