import type { Kysely } from 'kysely';

/**
 * Instant integrations imported from OpenAPI documents: one row per version (re-importing adds a version; flows pin
 * the version they use, so a row never changes once written). `spec` is the JSON of core/src/instant.ts's ImportedSpec.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('imported_integrations')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('operations', 'integer', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('imported_integrations_pk', ['workspace_id', 'key', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('imported_integrations').execute();
}
