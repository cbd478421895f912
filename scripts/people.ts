/**
 * People on a self-hosted install, without mail: `npm run people -- reset-password <email>` prints a one-time link (valid
 * for an hour) that sets a new password; `npm run people -- owner-link` prints a one-time link that signs its user up as
 * an owner of the first workspace (when the one printed on first start is lost or expired). Reads DATA_DIR /
 * DATABASE_URL and SWITCHYARD_PUBLIC_URL / HOST / PORT like the server.
 */
import { ConfigError, parseConfig } from '#core/config';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { firstWorkspace } from '#store/workspaces.repository';
import { ownerInvitation } from '#server/bootstrap';
import { DEFAULT_PEOPLE_CONFIG, People } from '#server/services/people.service';

const USAGE = 'Usage: npm run people -- reset-password <email>\n       npm run people -- owner-link';

async function main(): Promise<number> {
  const config = parseConfig(process.env);
  const [command, arg] = process.argv.slice(2);
  const baseUrl = (config.SWITCHYARD_PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`).replace(/\/$/, '');
  const db = openDatabase(config.databaseUrl, { poolSize: config.DATABASE_POOL_SIZE });
  try {
    await migrateToLatest(db);
    if (command === 'reset-password' && arg) {
      const link = await new People(db, DEFAULT_PEOPLE_CONFIG, baseUrl).resetLink(arg, baseUrl);
      console.log(`Password reset link for ${arg} (one use, valid for an hour):\n  ${link}`);
      return 0;
    }
    if (command === 'owner-link') {
      const ws = await firstWorkspace(db);
      if (!ws) {
        console.error('There is no workspace yet: run `npm start` once first.');
        return 1;
      }
      console.log(`Owner sign-up link for "${ws.name}" (one use, valid 7 days):\n  ${baseUrl}/signup?invite=${await ownerInvitation(db, ws.id)}`);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
