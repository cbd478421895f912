/** `npm run migrate` (the image's `migrate` command): brings the database schema up to date, then exits. */
import { ConfigError, parseConfig } from '#core/config';
import { openDatabase } from '#store/database';
import { migrateToLatest, pendingMigrations } from '#store/migrate';

try {
  const config = parseConfig(process.env);
  const db = openDatabase(config.databaseUrl);
  const pending = await pendingMigrations(db);
  await migrateToLatest(db);
  console.log(pending.length ? `applied migrations: ${pending.join(', ')}` : 'the database schema is current');
  await db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
