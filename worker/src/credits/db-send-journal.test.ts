import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalOf, openSendJournalStore } from '#store/leases.repository';
import type { Db } from '#store/database';
import { DbSendJournal } from './db-send-journal';

describe('the send journal in the database', () => {
  let dir: string;
  let store: Db;
  let journal: DbSendJournal;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-db-journal-'));
    const databaseUrl = path.join(dir, 'switchyard.db');
    journal = await DbSendJournal.start({ databaseUrl, workerId: 'w1', logger: pino({ level: 'silent' }) });
    store = await openSendJournalStore(databaseUrl);
  });
  afterEach(async () => {
    await journal.close();
    await store.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has S and W stored by the time sending() and sent() return (no await), and clears a key once done', async () => {
    await journal.intent('k1');
    await journal.intent('k2');
    // Read synchronously on another connection, right after the call: this thread never yields in between.
    const reader = new SQLite(path.join(dir, 'switchyard.send-journal.db'), { readonly: true });
    const stepsOf = (key: string) =>
      (reader.prepare('select step from credit_send_journal where worker_id = ? and charge_key = ? order by step').all('w1', key) as { step: string }[]).map(
        (r) => r.step,
      );
    journal.sending('k1');
    expect(stepsOf('k1')).toEqual(['I', 'S']);
    journal.sent('k1');
    expect(stepsOf('k1')).toEqual(['I', 'S', 'W']);
    reader.close();
    // A key this process never charged (another attempt's) is not followed.
    journal.sending('other');
    journal.done('k1');
    await journal.intent('k3'); // written after the deletion, in order: once it is stored, k1's rows are gone
    const steps = await journalOf(store, 'w1');
    expect([...steps.keys()].sort()).toEqual(['k2', 'k3']);
    expect([...steps.get('k2')!]).toEqual(['I']);
  });
});
