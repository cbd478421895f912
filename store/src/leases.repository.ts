import type { Kysely } from 'kysely';
import { nowIso, openDatabase, type Db } from './database';

export interface WorkerLeaseRow {
  worker_id: string;
  host: string;
  pid: number;
  started_at: string;
  renewed_at: string;
  expires_at: string;
  settled_by: string | null;
}

/** `I` before the charge is written, `S` right before the first byte is written, `W` once the request left. */
export type JournalStep = 'I' | 'S' | 'W';
export interface SendJournalRow {
  worker_id: string;
  charge_key: string;
  step: JournalStep;
  at: string;
}

const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

// ---- Leases (always in the main database) ----

/** Takes a fresh lease for `workerId` (a previous life's row with the same id must have been settled first). */
export async function takeLease(db: Db, o: { workerId: string; host: string; pid: number; ttlMs: number }): Promise<void> {
  const now = nowIso();
  await db
    .insertInto('worker_leases')
    .values({ worker_id: o.workerId, host: o.host, pid: o.pid, started_at: now, renewed_at: now, expires_at: inMs(o.ttlMs), settled_by: null })
    .onConflict((oc) =>
      oc.column('worker_id').doUpdateSet({ host: o.host, pid: o.pid, started_at: now, renewed_at: now, expires_at: inMs(o.ttlMs), settled_by: null }),
    )
    .execute();
}

/**
 * Renews the lease; false when it is no longer ours (it expired and another worker claimed it to settle our
 * journal: this process must stop, its charges are being settled as if it were dead).
 */
export async function renewLease(db: Db, workerId: string, ttlMs: number): Promise<boolean> {
  const now = nowIso();
  const result = await db
    .updateTable('worker_leases')
    .set({ renewed_at: now, expires_at: inMs(ttlMs) })
    .where('worker_id', '=', workerId)
    .where('settled_by', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ids of the leases that expired (their workers are presumed dead, or a settler of theirs died). */
export async function expiredLeases(db: Db, limit = 50): Promise<string[]> {
  const rows = await db.selectFrom('worker_leases').select('worker_id').where('expires_at', '<', nowIso()).orderBy('expires_at').limit(limit).execute();
  return rows.map((r) => r.worker_id);
}

/**
 * Claims an expired lease for settling, atomically: one conditional update, so of two workers trying at once
 * exactly one wins. The claim itself expires after `ttlMs` (a settler killed mid-way leaves it to the next one).
 * `force` claims a lease whatever its expiry: a worker restarting with a fixed WORKER_ID settles its previous life.
 */
export async function claimLease(db: Db, o: { workerId: string; by: string; ttlMs: number; force?: boolean }): Promise<boolean> {
  let query = db
    .updateTable('worker_leases')
    .set({ settled_by: o.by, expires_at: inMs(o.ttlMs) })
    .where('worker_id', '=', o.workerId);
  if (!o.force) query = query.where('expires_at', '<', nowIso());
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes a lease (a settled one, or our own after a clean stop). */
export async function dropLease(db: Db, workerId: string): Promise<void> {
  await db.deleteFrom('worker_leases').where('worker_id', '=', workerId).execute();
}

export async function leaseOf(db: Db, workerId: string): Promise<WorkerLeaseRow | undefined> {
  return db.selectFrom('worker_leases').selectAll().where('worker_id', '=', workerId).executeTakeFirst();
}

// ---- The send journal's store ----

/**
 * Where the send journal's rows go: the main database on PostgreSQL; a sibling file on SQLite
 * (`switchyard.db` → `switchyard.send-journal.db`). SQLite locks the whole file for a write, and a worker writes its
 * `S`/`W` steps synchronously (its main thread waits): waiting there on a transaction that the blocked thread
 * itself holds open would deadlock until the busy timeout.
 */
export function sendJournalStoreUrl(databaseUrl: string): string {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return databaseUrl;
  const file = databaseUrl.replace(/^sqlite:/, '');
  if (file === ':memory:') return file;
  return `${file.replace(/\.(db|sqlite3?)$/, '')}.send-journal.db`;
}

export async function createSendJournalTable(db: Kysely<unknown> | Db): Promise<void> {
  await (db as Kysely<unknown>).schema
    .createTable('credit_send_journal')
    .ifNotExists()
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('charge_key', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('credit_send_journal_pk', ['worker_id', 'charge_key', 'step'])
    .execute();
}

/** Opens the journal store (see {@link sendJournalStoreUrl}); on SQLite creates its one table. */
export async function openSendJournalStore(databaseUrl: string): Promise<Db> {
  const url = sendJournalStoreUrl(databaseUrl);
  const db = openDatabase(url);
  if (url !== databaseUrl) await createSendJournalTable(db);
  return db;
}

export async function journalStep(db: Db, workerId: string, key: string, step: JournalStep): Promise<void> {
  await db
    .insertInto('credit_send_journal')
    .values({ worker_id: workerId, charge_key: key, step, at: nowIso() })
    .onConflict((oc) => oc.columns(['worker_id', 'charge_key', 'step']).doNothing())
    .execute();
}

/** The attempt ended: its outcome no longer matters, its rows go. */
export async function journalDone(db: Db, workerId: string, key: string): Promise<void> {
  await db.deleteFrom('credit_send_journal').where('worker_id', '=', workerId).where('charge_key', '=', key).execute();
}

export async function journalOf(db: Db, workerId: string): Promise<Map<string, Set<JournalStep>>> {
  const rows = await db.selectFrom('credit_send_journal').select(['charge_key', 'step']).where('worker_id', '=', workerId).execute();
  const steps = new Map<string, Set<JournalStep>>();
  for (const r of rows) steps.set(r.charge_key, (steps.get(r.charge_key) ?? new Set()).add(r.step));
  return steps;
}

export async function dropJournal(db: Db, workerId: string): Promise<void> {
  await db.deleteFrom('credit_send_journal').where('worker_id', '=', workerId).execute();
}
