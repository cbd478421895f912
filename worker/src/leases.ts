import crypto from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { SendVerdict } from '#store/credits.repository';
import type { Db } from '#store/database';
import { claimLease, dropJournal, dropLease, expiredLeases, journalOf, leaseOf, openSendJournalStore, renewLease, takeLease } from '#store/leases.repository';
import { DbSendJournal } from './credits/db-send-journal';
import { settleCharges } from './credits/send-journal';

/** This worker's identity when WORKER_ID is not set: host name, pid and a random part (a restart is a new worker). */
export function defaultWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
}

/**
 * The worker's liveness lease: a row in the database renewed every third of its time to live. A worker whose lease
 * expired is presumed dead; any live worker then claims it (one conditional update: never two settlers at once)
 * and settles its send journal (see credits/db-send-journal.ts) from the database: workers need not share a disk.
 *
 * A worker that finds its own lease claimed (it was too slow to renew it: paused, cut off from the database) must
 * stop at once: its charges are being settled as if it were dead, so it calls `onLost` (main exits).
 */
export class WorkerLease {
  private renewTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastRenewed = Date.now();

  constructor(
    private readonly o: {
      db: Db;
      /** Where the journal rows are (the main database on PostgreSQL, a sibling file on SQLite). */
      journalDb: Db;
      workerId: string;
      ttlMs: number;
      logger: Logger;
      onLost(reason: string): void;
    },
  ) {}

  /** Settles a previous life under the same id (a fixed WORKER_ID), takes the lease, starts renewing and sweeping. */
  async start(): Promise<void> {
    const { db, workerId, ttlMs } = this.o;
    if (await leaseOf(db, workerId)) await this.settle(workerId, true);
    await takeLease(db, { workerId, host: os.hostname(), pid: process.pid, ttlMs });
    this.lastRenewed = Date.now();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(200, Math.floor(ttlMs / 3)));
    this.sweepTimer = setInterval(() => void this.sweep(), Math.max(500, ttlMs));
    this.renewTimer.unref();
    this.sweepTimer.unref();
  }

  /** Settles the journal of every worker whose lease expired; returns how many were settled. */
  async sweep(): Promise<number> {
    let settled = 0;
    try {
      for (const id of await expiredLeases(this.o.db)) if (id !== this.o.workerId && (await this.settle(id, false))) settled++;
    } catch (err) {
      this.o.logger.warn({ err }, 'could not settle the send journal of a stopped worker');
    }
    return settled;
  }

  /** After a clean stop (every attempt ended, the journal is empty): the lease goes. */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    clearInterval(this.sweepTimer);
    await dropJournal(this.o.journalDb, this.o.workerId);
    await dropLease(this.o.db, this.o.workerId);
  }

  private async renew(): Promise<void> {
    try {
      if (await renewLease(this.o.db, this.o.workerId, this.o.ttlMs)) {
        this.lastRenewed = Date.now();
        return;
      }
      this.lost(`its lease (WORKER_ID ${this.o.workerId}) expired and another worker is settling its charges`);
    } catch (err) {
      this.o.logger.warn({ err }, 'could not renew the worker lease');
      // Past the time to live, others may already take this worker for dead.
      if (Date.now() - this.lastRenewed > this.o.ttlMs) this.lost(`it could not renew its lease for longer than WORKER_LEASE_TTL`);
    }
  }

  private lost(reason: string): void {
    clearInterval(this.renewTimer);
    clearInterval(this.sweepTimer);
    this.o.onLost(`This worker must stop: ${reason}. Restart it; if this repeats, raise WORKER_LEASE_TTL.`);
  }

  private async settle(workerId: string, force: boolean): Promise<boolean> {
    const { db, journalDb, ttlMs, logger } = this.o;
    if (!(await claimLease(db, { workerId, by: this.o.workerId, ttlMs, force }))) return false;
    const verdicts = new Map<string, SendVerdict>();
    for (const [key, steps] of await journalOf(journalDb, workerId)) {
      // Rows of a key without its `I` are the tail of an attempt whose `I` a settlement already handled.
      if (!steps.has('I')) continue;
      verdicts.set(key, steps.has('W') ? 'sent' : steps.has('S') ? 'uncertain' : 'never_sent');
    }
    const totals = await settleCharges(db, verdicts);
    await dropJournal(journalDb, workerId);
    await dropLease(db, workerId);
    logger.warn({ worker: workerId, ...totals }, 'settled the charges of a stopped worker from its send journal');
    return true;
  }
}

/**
 * Starts this worker's send journal (in the database) and its lease, after settling what workers whose lease
 * expired left behind. `stop()` after a clean stop releases both.
 */
export async function startLeaseAndJournal(o: {
  db: Db;
  databaseUrl: string;
  workerId: string;
  ttlMs: number;
  logger: Logger;
}): Promise<{ sendJournal: DbSendJournal; lease: WorkerLease; stop(): Promise<void> }> {
  const journalDb = await openSendJournalStore(o.databaseUrl);
  const lease = new WorkerLease({
    db: o.db,
    journalDb,
    workerId: o.workerId,
    ttlMs: o.ttlMs,
    logger: o.logger,
    onLost: (message) => {
      o.logger.fatal(message);
      process.exit(1);
    },
  });
  await lease.start();
  await lease.sweep();
  const sendJournal = await DbSendJournal.start({ databaseUrl: o.databaseUrl, workerId: o.workerId, logger: o.logger });
  return {
    sendJournal,
    lease,
    async stop() {
      await sendJournal.close();
      await lease.release();
      await journalDb.destroy();
    },
  };
}
