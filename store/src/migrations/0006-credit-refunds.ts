import type { Kysely } from 'kysely';

/**
 * Refunds of charges whose request never reached the provider: a charge row records how much of it the top-up
 * bucket paid, so a refund (`<chargeKey>/refund`) can put each part back where it came from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credit_ledger').addColumn('from_topup', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credit_ledger').dropColumn('from_topup').execute();
}
