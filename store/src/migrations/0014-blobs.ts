import type { Kysely } from 'kysely';

/**
 * Blobs (docs/big-runs.md): large values of runs, stored encrypted outside the database (DATA_DIR/blobs or S3); a
 * row per blob says whose it is, how big, and which run it belongs to, so retention and the storage limit can act.
 * Workspace limits of big runs (items per loop, blob size, total storage); absent row: the defaults.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('blobs')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('workflow_id', 'varchar(512)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('media_type', 'varchar(128)', (c) => c.notNull())
    .addColumn('name', 'varchar(256)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blobs_workspace').on('blobs').columns(['workspace_id', 'created_at']).execute();
  await db.schema.createIndex('blobs_workflow').on('blobs').columns(['workflow_id']).execute();
  await db.schema
    .createTable('workspace_limits')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('max_loop_items', 'integer')
    .addColumn('max_blob_bytes', 'integer')
    .addColumn('max_storage_bytes', 'integer')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workspace_limits').ifExists().execute();
  await db.schema.dropTable('blobs').ifExists().execute();
}
