import type { Kysely } from 'kysely';

/** Credit accounts (plan and balance per workspace) and the ledger of every grant and charge. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('credit_accounts')
    .addColumn('workspace_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('plan', 'varchar(16)', (c) => c.notNull())
    .addColumn('allowance_balance', 'integer', (c) => c.notNull())
    .addColumn('topup_balance', 'integer', (c) => c.notNull())
    .addColumn('period', 'varchar(7)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('credit_ledger')
    // Charges: namespace/workflowId/runId/activityId/attempt/request; grants: `allowance:<ws>:<period>`, `topup:<id>`…
    .addColumn('id', 'varchar(700)', (c) => c.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('credits', 'integer', (c) => c.notNull())
    .addColumn('integration', 'varchar(64)')
    .addColumn('action', 'varchar(200)')
    .addColumn('workflow_id', 'varchar(300)')
    .addColumn('temporal_run_id', 'varchar(64)')
    .addColumn('activity_id', 'varchar(300)')
    .addColumn('attempt', 'integer')
    .addColumn('request_index', 'integer')
    .addColumn('node_key', 'varchar(300)')
    .addColumn('note', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credit_ledger_workspace_time').on('credit_ledger').columns(['workspace_id', 'created_at']).execute();
  await db.schema.createIndex('credit_ledger_workflow').on('credit_ledger').columns(['workflow_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('credit_ledger').ifExists().execute();
  await db.schema.dropTable('credit_accounts').ifExists().execute();
}
