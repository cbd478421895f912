import type { Kysely } from 'kysely';
import { createSendJournalTable } from '../leases.repository';

/**
 * Workers that don't share a disk: each worker process holds a lease (a heartbeat row renewed every few seconds);
 * its send journal (one row per step of each charged request) is in the database, so a live worker can settle the
 * journal of one whose lease expired. On SQLite the journal rows live in a sibling file (see leases.repository.ts);
 * the table is created here too so both dialects have the same schema.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('worker_leases')
    .addColumn('worker_id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('renewed_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    /** The worker settling this (expired) lease's journal; its claim expires like a lease. */
    .addColumn('settled_by', 'text')
    .execute();
  await db.schema.createIndex('worker_leases_expires').on('worker_leases').column('expires_at').execute();
  await createSendJournalTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('credit_send_journal').execute();
  await db.schema.dropTable('worker_leases').execute();
}
