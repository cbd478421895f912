import type { Kysely } from 'kysely';

/** Tags on flows (a JSON array of strings), for the flow list's filter: `billing`, `onboarding`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('flows')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('flows').dropColumn('tags').execute();
}
