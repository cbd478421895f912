import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, withStatementCache } from './database';

describe('the SQLite statement cache', () => {
  it('prepares a query once and hands the same statement out again', () => {
    const sqlite = new SQLite(':memory:');
    const db = withStatementCache(sqlite);
    const a = db.prepare('select 1 as one');
    expect(db.prepare('select 1 as one')).toBe(a);
    expect(db.prepare('select 2 as two')).not.toBe(a);
    sqlite.close();
  });

  it('never hands out a statement that is still iterating', () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const db = withStatementCache(sqlite);
    const outer = db.prepare('select n from t order by n');
    const seen: number[][] = [];
    for (const row of outer.iterate([]) as Iterable<{ n: number }>) {
      const inner = db.prepare('select n from t order by n');
      expect(inner).not.toBe(outer);
      seen.push([row.n, ...(inner.all([]) as { n: number }[]).map((r) => r.n)]);
    }
    expect(seen).toEqual([
      [1, 1, 2, 3],
      [2, 1, 2, 3],
      [3, 1, 2, 3],
    ]);
    sqlite.close();
  });

  it('keeps only the most recently used statements', () => {
    const sqlite = new SQLite(':memory:');
    const db = withStatementCache(sqlite, 2);
    const one = db.prepare('select 1');
    db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(one); // now the most recent
    db.prepare('select 3'); // evicts `select 2`
    expect(db.prepare('select 1')).toBe(one);
    const two = db.prepare('select 2');
    expect(db.prepare('select 2')).toBe(two);
    sqlite.close();
  });

  it('a kept statement sees a column added after it was prepared', async () => {
    const db = openDatabase(':memory:');
    await sql`create table t (a integer)`.execute(db);
    await sql`insert into t (a) values (1)`.execute(db);
    const read = () => sql<Record<string, unknown>>`select * from t`.execute(db).then((r) => r.rows);
    expect(await read()).toEqual([{ a: 1 }]);
    await sql`alter table t add column b text default 'x'`.execute(db);
    expect(await read()).toEqual([{ a: 1, b: 'x' }]);
    await db.destroy();
  });
});
