import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';
import { isPostgresUrl, openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { startTestPostgres } from './postgres-cluster';

/**
 * Where tests keep Switchyard's own data. `TEST_DATABASE=postgres` runs the suite against PostgreSQL: the global
 * setup (test/global-setup.ts) starts one throwaway cluster and migrates a template database once; every database a
 * test asks for here is a fresh copy of it (`CREATE DATABASE … TEMPLATE`). Otherwise SQLite, as in production's
 * default: in memory, or a file in the test's folder. Every place a test, a test server or a spawned process opens
 * the database goes through this file.
 */
export const testDatabase: 'sqlite' | 'postgres' = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
export const usingPostgres = testDatabase === 'postgres';

/** Name of the migrated template database the global setup creates. */
export const TEMPLATE_DATABASE = 'switchyard_template';

const admins = new Map<string, Promise<pg.Client>>();

/** A fresh, migrated PostgreSQL database of the cluster at `base` (default: the global setup's); its URL. */
async function freshPostgresDatabase(base = inject('postgresUrl'), template = TEMPLATE_DATABASE): Promise<string> {
  if (!base) throw new Error('TEST_DATABASE=postgres but the global setup started no PostgreSQL cluster (test/global-setup.ts)');
  let admin = admins.get(base);
  if (!admin) {
    admin = (async () => {
      const client = new pg.Client({ connectionString: base });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    })();
    admins.set(base, admin);
  }
  const client = await admin;
  const name = `t_${process.pid}_${crypto.randomBytes(6).toString('hex')}`;
  // Two CREATE DATABASE from one template at the same moment may collide on the template's lock: retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`create database ${name} template ${template}`);
      break;
    } catch (e) {
      if (attempt >= 20 || !/being accessed by other users/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The DATABASE_URL of a new, empty test database (migrated under PostgreSQL; SQLite: the file `dir/switchyard.db`,
 * migrated by whoever opens it first, or `:memory:` without `dir`). Pass it to spawned servers and workers.
 */
export async function testDatabaseUrl(dir?: string): Promise<string> {
  if (usingPostgres) return freshPostgresDatabase();
  return dir === undefined ? ':memory:' : path.join(dir, 'switchyard.db');
}

/** The DATABASE_URL of a database with no tables at all (never migrated): an empty file `dir/name`, or an empty PostgreSQL database. */
export async function emptyTestDatabaseUrl(dir: string, name: string): Promise<string> {
  if (usingPostgres) return freshPostgresDatabase(undefined, 'template0');
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  return file;
}

/** Opens (and migrates) a new test database; see {@link testDatabaseUrl}. */
export async function openTestDatabase(dir?: string): Promise<Db> {
  const db = openDatabase(await testDatabaseUrl(dir));
  await migrateToLatest(db);
  return db;
}

/**
 * A fresh PostgreSQL database whatever TEST_DATABASE says (tests of PostgreSQL itself: the concurrency points): the
 * global cluster's under TEST_DATABASE=postgres, else a cluster of the caller's own, stopped by `stop`.
 */
export async function postgresTestDatabase(o: { poolSize?: number } = {}): Promise<{ db: Db; url: string; stop(): Promise<void> }> {
  const own = usingPostgres ? undefined : await startTestPostgres();
  const url = await freshPostgresDatabase(own?.url);
  const db = openDatabase(url, { poolSize: o.poolSize ?? 20 });
  return {
    db,
    url,
    async stop() {
      await db.destroy().catch(() => undefined); // already destroyed by whoever was handed it (startTestApi's close)
      if (own) {
        const admin = admins.get(own.url);
        admins.delete(own.url);
        await (await admin)?.end();
        await own.stop();
      }
    },
  };
}

/**
 * Everything the database stores, as bytes, for tests that search it for values that must never be stored in
 * plain text: the SQLite files (main file and write-ahead log), or a `pg_dump` of the PostgreSQL database.
 */
export async function storedDatabaseBytes(url: string): Promise<Buffer> {
  if (!isPostgresUrl(url)) {
    const dir = path.dirname(url);
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(url)));
    return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
  }
  const bin = fs
    .readdirSync('/usr/lib/postgresql')
    .map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`)
    .filter((f) => fs.existsSync(f))
    .sort()
    .pop();
  if (!bin) throw new Error('pg_dump not found under /usr/lib/postgresql (scripts/setup-postgres.sh installs it)');
  const { stdout } = await promisify(execFile)(bin, ['--no-owner', url], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}
