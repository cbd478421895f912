import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database';
import * as initial from './migrations/0001-initial';
import * as secrets from './migrations/0002-secrets';
import * as nodeAttempts from './migrations/0003-node-attempts';
import * as webhooks from './migrations/0004-webhooks';
import * as credits from './migrations/0005-credits';
import * as creditRefunds from './migrations/0006-credit-refunds';
import * as creditSendChecks from './migrations/0007-credit-send-checks';
import * as systemSettings from './migrations/0008-system-settings';
import * as importedIntegrations from './migrations/0009-imported-integrations';
import * as oauth from './migrations/0010-oauth';
import * as notifications from './migrations/0011-notifications';
import * as publishableKeys from './migrations/0012-publishable-keys';
import * as people from './migrations/0013-people';
import * as blobs from './migrations/0014-blobs';
import * as flowTags from './migrations/0015-flow-tags';
import * as workerLeases from './migrations/0016-worker-leases';
import * as postgresText from './migrations/0017-postgres-text';

/** Migrations in order; add a file to migrations/ and list it here. Names never change once shipped. */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-secrets': secrets,
  '0003-node-attempts': nodeAttempts,
  '0004-webhooks': webhooks,
  '0005-credits': credits,
  '0006-credit-refunds': creditRefunds,
  '0007-credit-send-checks': creditSendChecks,
  '0008-system-settings': systemSettings,
  '0009-imported-integrations': importedIntegrations,
  '0010-oauth': oauth,
  '0011-notifications': notifications,
  '0012-publishable-keys': publishableKeys,
  '0013-people': people,
  '0014-blobs': blobs,
  '0015-flow-tags': flowTags,
  '0016-worker-leases': workerLeases,
  '0017-postgres-text': postgresText,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<void> {
  // Unordered: migration numbers are reserved per piece of work, so a lower number may land after a higher one (0013 after 0014).
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (!error) return;
  const message = error instanceof Error ? error.message : String(error);
  // The first query a process sends: a database that cannot be reached fails here, before any migration ran.
  const unreachable = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|password authentication failed|database ".*" does not exist|role ".*" does not exist/.test(
    message,
  );
  if (unreachable)
    throw new Error(`Cannot use the database in DATABASE_URL: ${message}. Check its host, port, user, password and database name (docs/postgres.md).`);
  throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${message}`);
}

/** Migrations not applied yet, by name (reads only: creates no table). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  // Unordered: migration numbers are reserved per piece of work, so a lower number may land after a higher one (0013 after 0014).
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
