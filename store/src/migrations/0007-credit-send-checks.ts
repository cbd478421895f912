import type { Kysely } from 'kysely';

/**
 * What a stopped worker's send journal said of each charge of an attempt it never finished (`never_sent`, `sent`,
 * `uncertain`): the credits reconciliation reports only the uncertain ones (and those with no verdict) as charges
 * whose request may not have left.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('credit_send_checks')
    .addColumn('charge_id', 'text', (c) => c.primaryKey())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('credit_send_checks').execute();
}
