import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL only (a no-op on SQLite): every `varchar(n)` column becomes `text`. SQLite never enforced those
 * lengths, so the stored values were only ever bounded by the API's validation; PostgreSQL would refuse some that
 * SQLite keeps (a run status `waitingForCredits` is 17 characters in a `varchar(16)`). Same behaviour on both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and data_type = 'character varying'
      and table_name not in ('kysely_migration', 'kysely_migration_lock')
    order by table_name, ordinal_position`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  for (const [table, columns] of byTable) {
    const changes = columns.map((c) => sql`alter column ${sql.id(c)} type text`);
    await sql`alter table ${sql.id(table)} ${sql.join(changes)}`.execute(db);
  }
}

export async function down(): Promise<void> {
  // The lengths were never relied on; nothing to undo.
}
