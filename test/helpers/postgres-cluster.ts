import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { freePort } from './ports';
import { repoRoot } from './processes';

const run = promisify(execFile);
const clusterScript = path.join(repoRoot, 'scripts', 'pg-cluster.sh');

export interface TestPostgres {
  /** The admin URL (database `postgres`). */
  url: string;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL cluster (scripts/pg-cluster.sh: a temporary folder, a free port of 127.0.0.1) with the
 * migrated template database the tests copy (test/helpers/database.ts). Also used by the benchmarks.
 */
export async function startTestPostgres(o: { template?: string } = {}): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-pg-'));
  fs.chmodSync(dir, 0o755); // the server runs as the `postgres` user when the tests run as root (pg-cluster.sh)
  const cluster = path.join(dir, 'cluster');
  let url = '';
  for (let attempt = 0; ; attempt++) {
    try {
      url = (await run('bash', [clusterScript, 'start', cluster, String(await freePort())])).stdout.trim();
      break;
    } catch (e) {
      // Another process may have taken the port between freePort and the server's start.
      if (attempt >= 3) throw new Error(`could not start the test PostgreSQL cluster: ${String(e)}`);
    }
  }
  const stop = async () => {
    await run('bash', [clusterScript, 'stop', cluster]).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const template = o.template ?? 'switchyard_template';
    const adminDb = openDatabase(url, { poolSize: 1 });
    await sql`create database ${sql.id(template)}`.execute(adminDb);
    await adminDb.destroy();
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${template}`;
    const db = openDatabase(templateUrl.toString(), { poolSize: 1 });
    await migrateToLatest(db);
    await db.destroy();
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
