import { parentPort, workerData } from 'node:worker_threads';
import { journalDone, journalStep, openSendJournalStore, type JournalStep } from '#store/leases.repository';

/**
 * The send journal's writer thread: writes each step in order to the journal store, then tells the main thread
 * (which may be blocked waiting for it, see db-send-journal.ts) by bumping the shared sequence number.
 */
export interface JournalMessage {
  seq: number;
  op: 'step' | 'done' | 'close';
  key: string;
  step?: JournalStep;
}

const { databaseUrl, workerId, signal } = workerData as { databaseUrl: string; workerId: string; signal: SharedArrayBuffer };
/** [0]: the last sequence number handled; [1]: the last one that failed. */
const flags = new Int32Array(signal);
const db = await openSendJournalStore(databaseUrl);
let chain = Promise.resolve();

parentPort!.on('message', (m: JournalMessage) => {
  chain = chain.then(async () => {
    let error: string | undefined;
    try {
      if (m.op === 'step') await journalStep(db, workerId, m.key, m.step!);
      else if (m.op === 'done') await journalDone(db, workerId, m.key);
      else await db.destroy();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      Atomics.store(flags, 1, m.seq);
    }
    Atomics.store(flags, 0, m.seq);
    Atomics.notify(flags, 0);
    parentPort!.postMessage({ seq: m.seq, error });
  });
});
parentPort!.postMessage({ seq: 0 });
