import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { JournalStep } from '#store/leases.repository';
import type { JournalMessage } from './journal-thread';

const THREAD_ENTRY = new URL('./journal-thread.mjs', import.meta.url);

/** What the meter tells the journal of each charged request (see send-journal.ts for the protocol). */
export interface ChargeJournal {
  intent(key: string): void | Promise<void>;
  sending(key: string): void;
  sent(key: string): void;
  done(key: string): void;
  close(): void | Promise<void>;
}

/**
 * The send journal in the database, one row per step of each charged request, under this worker's id
 * (WORKER_ID), so any live worker can settle it once this worker's lease expired (see worker/src/leases.ts).
 *
 * The protocol is the file journal's (send-journal.ts): `I` before the charge is written, `S` right before undici
 * writes the first byte, `W` once the last byte was handed to the socket, and the rows deleted when the attempt
 * ends. `S` and `W` happen in undici's synchronous hooks and must be stored before the bytes go, so they are
 * written by a thread of their own while the main thread waits for it (`Atomics.wait`): from `S` to `W` this
 * worker runs nothing else, and a kill leaves at most one uncertain charge. Each of those waits costs one
 * round trip to the journal store (tens of µs on SQLite, about a millisecond to a PostgreSQL next door).
 */
export class DbSendJournal implements ChargeJournal {
  private seq = 0;
  private readonly flags: Int32Array;
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private readonly open = new Set<string>();

  private constructor(
    private readonly thread: Worker,
    signal: SharedArrayBuffer,
    private readonly logger: Logger,
    private readonly waitMs: number,
  ) {
    this.flags = new Int32Array(signal);
    thread.on('message', (m: { seq: number; error?: string }) => {
      const waiter = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      if (waiter && m.error) waiter.reject(new Error(`send journal: ${m.error}`));
      else waiter?.resolve();
    });
  }

  /** Starts the writer thread on the journal store of `databaseUrl`; resolves once it is connected. */
  static async start(o: { databaseUrl: string; workerId: string; logger: Logger; waitMs?: number }): Promise<DbSendJournal> {
    const signal = new SharedArrayBuffer(8);
    const thread = new Worker(THREAD_ENTRY, { workerData: { databaseUrl: o.databaseUrl, workerId: o.workerId, signal } });
    await new Promise<void>((resolve, reject) => {
      thread.once('message', () => resolve());
      thread.once('error', reject);
    });
    thread.unref();
    return new DbSendJournal(thread, signal, o.logger, o.waitMs ?? 5000);
  }

  /** Stored before the charge is written: a kill right after the charge must find it. */
  intent(key: string): Promise<void> {
    this.open.add(key);
    return this.post({ op: 'step', key, step: 'I' });
  }

  sending(key: string): void {
    if (this.open.has(key)) this.stepSync(key, 'S');
  }

  sent(key: string): void {
    if (this.open.has(key)) this.stepSync(key, 'W');
  }

  /** The outcome of `key` is settled in this process: its rows go (written in order after its steps). */
  done(key: string): void {
    if (!this.open.delete(key)) return;
    void this.post({ op: 'done', key }).catch((err: unknown) => this.logger.warn({ err }, 'could not clear a send journal entry'));
  }

  async close(): Promise<void> {
    await this.post({ op: 'close', key: '' }).catch(() => undefined);
    await this.thread.terminate();
  }

  private post(m: Omit<JournalMessage, 'seq'>): Promise<void> {
    const seq = ++this.seq;
    const done = new Promise<void>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    this.thread.postMessage({ ...m, seq });
    return done;
  }

  /** Writes a step and blocks this thread until it is stored (or the wait gives up, logged). */
  private stepSync(key: string, step: JournalStep): void {
    const seq = ++this.seq;
    this.thread.postMessage({ op: 'step', key, step, seq } satisfies JournalMessage);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const handled = Atomics.load(this.flags, 0);
      if (handled >= seq) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.flags, 0, handled, left) === 'timed-out') {
        // The step may still land; if it never does, a recovery would take this request for one that never left.
        this.logger.error({ key, step }, 'the send journal did not store a step in time; the request goes on');
        return;
      }
    }
    if (Atomics.load(this.flags, 1) === seq) this.logger.error({ key, step }, 'the send journal could not store a step; the request goes on');
  }
}
