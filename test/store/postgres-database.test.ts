import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config';
import { dialectOf, openDatabase } from '#store/database';
import { migrateToLatest, pendingMigrations } from '#store/migrate';
import { startTestApi } from '../helpers/api';
import { postgresTestDatabase } from '../helpers/database';

/** DATABASE_URL=postgres://… opens PostgreSQL through the same code (a real cluster: the suite's, or one of this file's own). */
let pgdb: Awaited<ReturnType<typeof postgresTestDatabase>>;
beforeAll(async () => {
  pgdb = await postgresTestDatabase();
}, 120_000);
afterAll(() => pgdb?.stop());

describe('openDatabase', () => {
  it('opens postgres:// and postgresql:// URLs as PostgreSQL, anything else as a SQLite file', async () => {
    expect(dialectOf(pgdb.db)).toBe('postgres');
    const other = openDatabase(pgdb.url.replace(/^postgres:/, 'postgresql:'));
    expect(dialectOf(other)).toBe('postgres');
    expect((await sql<{ v: string }>`select version() as v`.execute(other)).rows[0]!.v).toMatch(/^PostgreSQL /);
    await other.destroy();
    const sqlite = openDatabase(':memory:');
    expect(dialectOf(sqlite)).toBe('sqlite');
    await sqlite.destroy();
  });

  it('is migrated by the same migrations, and count() and sum() come back as numbers as on SQLite', async () => {
    expect(await pendingMigrations(pgdb.db)).toEqual([]);
    await migrateToLatest(pgdb.db); // a second time: nothing to do
    const row = await pgdb.db
      .selectFrom('workspaces')
      .select((eb) => [eb.fn.countAll<number>().as('n'), sql<number>`coalesce(sum(1), 0)`.as('s')])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ n: 0, s: 0 });
    // varchar lengths are not enforced, as on SQLite (0017-postgres-text): a run status longer than 16 characters.
    const types = await sql<{
      data_type: string;
    }>`select data_type from information_schema.columns where table_name = 'runs' and column_name = 'status'`.execute(pgdb.db);
    expect(types.rows).toEqual([{ data_type: 'text' }]);
  });

  it('keeps at most DATABASE_POOL_SIZE connections open', async () => {
    const url = new URL(pgdb.url);
    url.searchParams.set('application_name', 'pool_size_test');
    const db = openDatabase(url.toString(), { poolSize: 3 });
    try {
      // 12 queries at once, each holding its connection for a moment; counted meanwhile from another connection.
      const busy = Promise.all(Array.from({ length: 12 }, () => sql`select pg_sleep(0.3)`.execute(db)));
      await new Promise((r) => setTimeout(r, 150));
      const open = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where application_name = 'pool_size_test'`.execute(pgdb.db);
      await busy;
      expect(open.rows[0]!.n).toBe(3);
    } finally {
      await db.destroy();
    }
  });

  it('names DATABASE_URL when the database cannot be reached or does not exist', async () => {
    const missing = new URL(pgdb.url);
    missing.pathname = '/no_such_database';
    const db = openDatabase(missing.toString());
    await expect(migrateToLatest(db)).rejects.toThrow(/Cannot use the database in DATABASE_URL: database "no_such_database" does not exist\. Check its host/);
    await db.destroy();
  });

  it('reads DATABASE_POOL_SIZE from the environment (default 10) and refuses a bad value, naming it', () => {
    expect(parseConfig({}).DATABASE_POOL_SIZE).toBe(10);
    expect(parseConfig({ DATABASE_POOL_SIZE: '25' }).DATABASE_POOL_SIZE).toBe(25);
    expect(() => parseConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });
});

describe('the API on PostgreSQL', () => {
  it('answers 400, not 500, for a value PostgreSQL refuses to store (a NUL character)', async () => {
    const own = await postgresTestDatabase();
    const api = await startTestApi({ taskQueue: `pg-nul-${crypto.randomUUID()}`, db: own.db });
    try {
      const document = { trigger: { type: 'manual' }, nodes: [], edges: [] };
      const res = await api.request('POST', '/api/flows', { body: { name: 'a\u0000b', document } });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/cannot be stored: invalid byte sequence/) });
    } finally {
      await api.close();
      await own.stop();
    }
  }, 120_000);
});
