import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull().references('workspaces.id'))
    /** `flow:<flowId>` for a flow's webhook trigger, `inbox:<source>` for the events waitForWebhook nodes wait for. */
    .addColumn('slot', 'varchar(200)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('flow_id', 'varchar(64)')
    .addColumn('source', 'varchar(32)', (c) => c.notNull())
    .addColumn('secret_names', 'text', (c) => c.notNull())
    .addColumn('header', 'varchar(100)')
    .addColumn('events', 'text')
    .addColumn('live_path', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('test_path', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('disabled_at', 'varchar(32)')
    .addUniqueConstraint('webhook_endpoints_slot', ['workspace_id', 'slot'])
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    /** The parsed body (JSON) of a verified delivery, credentials removed: what runs and replays receive. */
    .addColumn('payload', 'text')
    /** When the delivery was last taken up for handling (a copy takes over a failed or stalled first delivery). */
    .addColumn('claimed_at', 'varchar(32)')
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('event_id', 'varchar(300)')
    .addColumn('event_type', 'varchar(200)')
    /** The event id on the first delivery of an event only (unique per endpoint and mode); copies leave it null. */
    .addColumn('dedupe_key', 'varchar(300)')
    .addColumn('duplicate_of', 'varchar(64)')
    .addColumn('run_id', 'varchar(64)')
    .addColumn('workflow_id', 'varchar(400)')
    .addColumn('wait_id', 'varchar(600)')
    .addColumn('latency_ms', 'real')
    .addUniqueConstraint('webhook_deliveries_dedupe', ['endpoint_id', 'mode', 'dedupe_key'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_by_time').on('webhook_deliveries').columns(['workspace_id', 'received_at']).execute();
  await db.schema.createIndex('webhook_deliveries_buffer').on('webhook_deliveries').columns(['endpoint_id', 'mode', 'status', 'event_type']).execute();

  await db.schema
    .createTable('webhook_waits')
    .addColumn('id', 'varchar(600)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('run_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('workflow_id', 'varchar(400)', (c) => c.notNull())
    .addColumn('node_key', 'varchar(300)', (c) => c.notNull())
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('source', 'varchar(32)', (c) => c.notNull())
    .addColumn('event_type', 'varchar(200)', (c) => c.notNull())
    .addColumn('match_field', 'varchar(300)')
    .addColumn('match_value', 'text')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('delivery_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_waits_lookup').on('webhook_waits').columns(['workspace_id', 'source', 'event_type', 'mode', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_waits').ifExists().execute();
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhook_endpoints').ifExists().execute();
}
