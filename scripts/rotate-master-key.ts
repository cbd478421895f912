/**
 * `npm run secrets:rotate-master-key`: re-wraps every workspace data key with a new master key.
 * The new key comes from SWITCHYARD_NEW_MASTER_KEY, or is generated. With a key file (data/master.key),
 * the new key is written beside it first and moved into place only after the database committed, so a
 * failure at any point leaves a key that opens the database. Secret values themselves are not touched.
 * The old key is appended to `master.key.previous`: Temporal payloads encrypted with it (store/src/payload-codec.ts)
 * still decrypt.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '#core/config';
import { generateMasterKeyText, loadMasterKey, parseMasterKey } from '#store/crypto';
import { openDatabase } from '#store/database';
import { PREVIOUS_MASTER_KEYS_FILE } from '#store/payload-codec';
import { migrateToLatest } from '#store/migrate';
import { rotateMasterKey, SecretStore } from '#store/secrets';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const current = loadMasterKey(config, config.DATA_DIR);
  const newText = process.env.SWITCHYARD_NEW_MASTER_KEY ?? generateMasterKeyText();
  const next = parseMasterKey(newText, 'the new master key');
  const db = openDatabase(config.databaseUrl, { poolSize: config.DATABASE_POOL_SIZE });
  await migrateToLatest(db);
  const keyFile = path.resolve(config.DATA_DIR, 'master.key');
  const pending = `${keyFile}.new`;
  if (!config.SWITCHYARD_MASTER_KEY) fs.writeFileSync(pending, newText + '\n', { mode: 0o600 });
  const { rotated } = await rotateMasterKey(db, current, next);
  const check = await new SecretStore(db, next).verifyAll();
  if (!config.SWITCHYARD_MASTER_KEY) {
    // Temporal histories were encrypted with a key derived from the old master key: keep it for decrypting them.
    fs.appendFileSync(path.resolve(config.DATA_DIR, PREVIOUS_MASTER_KEYS_FILE), current.key.toString('base64') + '\n', { mode: 0o600 });
    fs.renameSync(pending, keyFile);
  }
  await db.destroy();
  console.log(`Rotated ${rotated} workspace key(s); ${check.values} secret value(s) verified with the new master key (fingerprint ${next.fingerprint}).`);
  if (config.SWITCHYARD_MASTER_KEY) {
    console.log('Set SWITCHYARD_MASTER_KEY to the new key before the next start, and add the old one to SWITCHYARD_PREVIOUS_MASTER_KEYS');
    console.log('(comma-separated) so Temporal histories encrypted with it can still be read (docs/temporal.md).');
    if (!process.env.SWITCHYARD_NEW_MASTER_KEY) console.log(`New key (shown once): ${newText}`);
  } else {
    console.log(`The new key is in ${keyFile}. Restart the server and the workers.`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
