import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database';
import {
  claimLease,
  expiredLeases,
  journalDone,
  journalOf,
  journalStep,
  openSendJournalStore,
  renewLease,
  sendJournalStoreUrl,
  takeLease,
} from './leases.repository';
import { migrateToLatest } from './migrate';

describe('worker leases', () => {
  let dir: string;
  let db: Db;
  let other: Db;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-leases-unit-'));
    db = openDatabase(path.join(dir, 'switchyard.db'));
    await migrateToLatest(db);
    other = openDatabase(path.join(dir, 'switchyard.db'));
  });
  afterEach(async () => {
    await db.destroy();
    await other.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lets exactly one of two workers claim an expired lease, and the dead worker cannot renew it', async () => {
    await takeLease(db, { workerId: 'dead', host: 'h', pid: 1, ttlMs: -1000 });
    await takeLease(db, { workerId: 'alive', host: 'h', pid: 2, ttlMs: 60_000 });
    expect(await expiredLeases(db)).toEqual(['dead']);
    const claims = await Promise.all([
      claimLease(db, { workerId: 'dead', by: 'a', ttlMs: 5000 }),
      claimLease(other, { workerId: 'dead', by: 'b', ttlMs: 5000 }),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Claimed (its claim runs for 5 s): neither a third claim nor a renewal by the presumed-dead worker succeeds.
    expect(await claimLease(db, { workerId: 'dead', by: 'c', ttlMs: 5000 })).toBe(false);
    expect(await renewLease(db, 'dead', 60_000)).toBe(false);
    expect(await claimLease(db, { workerId: 'alive', by: 'a', ttlMs: 5000 })).toBe(false);
    expect(await renewLease(db, 'alive', 60_000)).toBe(true);
  });

  it('keeps the journal in a sibling file on SQLite, the database itself on PostgreSQL', async () => {
    expect(sendJournalStoreUrl('/data/switchyard.db')).toBe('/data/switchyard.send-journal.db');
    expect(sendJournalStoreUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    const journal = await openSendJournalStore(path.join(dir, 'switchyard.db'));
    try {
      await journalStep(journal, 'w1', 'k1', 'I');
      await journalStep(journal, 'w1', 'k1', 'S');
      await journalStep(journal, 'w1', 'k1', 'S');
      await journalStep(journal, 'w1', 'k2', 'I');
      await journalStep(journal, 'w2', 'k3', 'I');
      await journalDone(journal, 'w1', 'k2');
      expect([...(await journalOf(journal, 'w1'))].map(([k, s]) => [k, [...s].sort()])).toEqual([['k1', ['I', 'S']]]);
    } finally {
      await journal.destroy();
    }
  });
});
