/**
 * `npm run credits:reconcile -- --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z`: recomputes credit
 * usage for the range from Temporal histories (activity attempts) and the ledger, prints every difference,
 * and exits 1 when a charge is unknown to Temporal or a completed attempt was never charged. Read-only: it
 * opens the database read-only and refuses (rather than migrates) a database that is not up to date.
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { integrations } from '#catalog';
import { parseConfig } from '#core/config';
import { temporalConnectionSettings } from '#core/temporal-connection';
import { loadMasterKey } from '#store/crypto';
import { dataConverterOf, payloadCodecFor } from '#store/payload-codec';
import { openDatabase } from '#store/database';
import { pendingMigrations } from '#store/migrate';
import { formatReport, reconcileCredits } from './lib/credits-reconcile';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } } });
  const to = values.to ?? new Date().toISOString();
  const from = values.from ?? new Date(Date.parse(to) - 24 * 3600_000).toISOString();
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (Number.isNaN(Date.parse(value))) throw new Error(`${name} must be an ISO date-time such as 2026-11-01T00:00:00Z, not "${value}"`);
  }
  const config = parseConfig(process.env);
  // Read-only: a reconciliation never changes the database, not even its schema.
  const db = openDatabase(config.databaseUrl, { readonly: true });
  const pending = await pendingMigrations(db).catch(async (err: unknown) => {
    await db.destroy();
    throw err;
  });
  if (pending.length > 0) {
    await db.destroy();
    throw new Error(`${config.databaseUrl} is not migrated (pending: ${pending.join(', ')}); start the server or worker once, then reconcile`);
  }
  // The same Temporal, reached the same way, as the server and the worker; histories decrypted with the master key.
  const temporal = temporalConnectionSettings(process.env, { devPort: config.TEMPORAL_DEV_PORT });
  const connection = await Connection.connect(temporal.connectionOptions);
  const dataConverter = dataConverterOf(payloadCodecFor(config, loadMasterKey(config, config.DATA_DIR)));
  try {
    const report = await reconcileCredits({
      client: new Client({ connection, namespace: temporal.namespace, dataConverter }),
      db,
      integrations,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    if (report.totals.unknown > 0 || report.totals.missing > 0) process.exitCode = 1;
  } finally {
    await connection.close();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
