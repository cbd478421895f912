import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('node_attempts')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('workflow_id', 'varchar(300)', (c) => c.notNull())
    .addColumn('node_key', 'varchar(300)', (c) => c.notNull())
    .addColumn('activity_id', 'varchar(300)', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('ended_at', 'varchar(32)')
    .addPrimaryKeyConstraint('node_attempts_pk', ['workflow_id', 'activity_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('node_attempts').ifExists().execute();
}
