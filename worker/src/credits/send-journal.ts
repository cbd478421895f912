import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { recordSendChecks, refundCharge, type SendVerdict } from '#store/credits.repository';
import type { Db } from '#store/database';
import type { ChargeJournal } from './db-send-journal';

/**
 * The send journal: how a worker that was killed tells, after the fact, which of its charges paid for a request
 * that never left.
 *
 * A charge is written before its request is sent, so a worker killed in between leaves a charge without a request.
 * Each worker process appends, with synchronous writes that survive the process being killed (the kernel keeps
 * them), one line per step of each charged request to `<DATA_DIR>/credits-journal/worker-<pid>-<id>.log`:
 *
 * - `I <key>` before the charge is written,
 * - `S <key>` right before the request's first byte is written to the socket (synchronously, in the same tick),
 * - `W <key>` once the whole request was handed to the socket (same tick again),
 * - `D <key>` when the attempt ended and its outcome no longer matters.
 *
 * The next worker to start on the same DATA_DIR reads the journal of every dead process ({@link recoverSendJournals}):
 * a key without `S` never sent anything, so its charge is refunded; a key with `W` left; a key with `S` but no `W`
 * is uncertain: the kill landed while its bytes were being written. Between `S` and `W` the worker runs no other
 * code, so a kill leaves at most one uncertain charge, whatever the number of requests in flight. Each verdict is
 * recorded (`credit_send_checks`) for the reconciliation.
 */
export class SendJournal implements ChargeJournal {
  private fd: number;
  private size = 0;
  /** Keys not ended yet, and their last step: what a rotation carries over. */
  private readonly open = new Map<string, 'I' | 'S' | 'W'>();

  private constructor(
    private readonly file: string,
    private readonly rotateAt: number,
  ) {
    this.fd = fs.openSync(file, 'a');
  }

  /** Starts this process's journal in `dir` (created if needed). */
  static start(dir: string, o: { rotateAtBytes?: number } = {}): SendJournal {
    fs.mkdirSync(dir, { recursive: true });
    return new SendJournal(path.join(dir, `worker-${process.pid}-${crypto.randomBytes(4).toString('hex')}.log`), o.rotateAtBytes ?? 4 * 1024 * 1024);
  }

  intent(key: string): void {
    this.step('I', key);
  }

  sending(key: string): void {
    if (this.open.has(key)) this.step('S', key);
  }

  sent(key: string): void {
    if (this.open.has(key)) this.step('W', key);
  }

  /** The outcome of `key` is settled in this process (the attempt ended, or its charge was refunded or refused). */
  done(key: string): void {
    if (!this.open.delete(key)) return;
    this.append(`D ${key}\n`);
    if (this.size >= this.rotateAt) this.rotate();
  }

  /** This journal's file name (a periodic recovery must leave it alone). */
  get fileName(): string {
    return path.basename(this.file);
  }

  close(): void {
    fs.closeSync(this.fd);
    // Nothing is pending after a clean stop (every attempt ended): the file would only be read to be deleted.
    if (this.open.size === 0) fs.rmSync(this.file, { force: true });
  }

  private step(step: 'I' | 'S' | 'W', key: string): void {
    this.open.set(key, step);
    this.append(`${step} ${key}\n`);
  }

  private append(line: string): void {
    this.size += fs.writeSync(this.fd, line);
  }

  /** Rewrites the journal with only the keys still open, then swaps it in (a rename: a kill leaves one or the other). */
  private rotate(): void {
    const next = `${this.file}.next`;
    const lines = [...this.open].map(([key, step]) => (step === 'I' ? `I ${key}\n` : `I ${key}\n${step === 'W' ? `S ${key}\nW ${key}\n` : `S ${key}\n`}`));
    fs.writeFileSync(next, lines.join(''));
    fs.renameSync(next, this.file);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.size = fs.statSync(this.file).size;
  }
}

/** What a journal says of each key whose attempt never ended. */
export function readJournal(text: string): Map<string, SendVerdict> {
  const steps = new Map<string, 'I' | 'S' | 'W'>();
  // Only whole lines count: a line cut short by the kill is a step that did not happen (a torn `S` means no byte
  // was written yet, a torn `I` that the charge was not written yet).
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    const step = line[0];
    const key = line.slice(2);
    if (line.length < 3 || line[1] !== ' ') continue;
    if (step === 'D') steps.delete(key);
    else if (step === 'I') steps.set(key, 'I');
    else if ((step === 'S' || step === 'W') && steps.has(key)) steps.set(key, step);
  }
  const verdicts = new Map<string, SendVerdict>();
  for (const [key, step] of steps) verdicts.set(key, step === 'I' ? 'never_sent' : step === 'S' ? 'uncertain' : 'sent');
  return verdicts;
}

/**
 * Settles the journals of worker processes that are gone (killed, or crashed), at start and then every few minutes
 * (a sibling worker on the same DATA_DIR may die while this one runs): refunds each charge whose request
 * never left, records every verdict, then deletes the journal. Idempotent: a recovery that is itself killed is
 * simply done again by the next start. Journals of live processes (another worker on this DATA_DIR) are left alone.
 */
export async function recoverSendJournals(o: {
  dir: string;
  db: Db;
  logger: Logger;
  /** The journal this process writes, when it already has one (periodic recoveries): never settled. */
  own?: string;
}): Promise<{ refunded: number; uncertain: number; sent: number }> {
  const totals = { refunded: 0, uncertain: 0, sent: 0 };
  if (!fs.existsSync(o.dir)) return totals;
  for (const name of fs.readdirSync(o.dir)) {
    const match = /^worker-(\d+)-[0-9a-f]+\.log$/.exec(name);
    if (!match || name === o.own) continue;
    const pid = Number(match[1]);
    // A live process with this pid is another worker still writing it; another journal with this process's own pid
    // can only be a previous life's (containers reuse pid 1).
    if (pid !== process.pid && alive(pid)) continue;
    const file = path.join(o.dir, name);
    const settled = await settleCharges(o.db, readJournal(fs.readFileSync(file, 'utf8')));
    for (const k of ['refunded', 'uncertain', 'sent'] as const) totals[k] += settled[k];
    fs.rmSync(file, { force: true });
  }
  if (totals.refunded + totals.uncertain + totals.sent > 0) o.logger.warn(totals, 'settled the charges of a stopped worker from its send journal');
  return totals;
}

/**
 * Settles what a stopped worker's journal says of its unfinished charges: refunds each charge whose request never
 * left and records every verdict (`credit_send_checks`). Idempotent: a settlement cut short is simply done again.
 */
export async function settleCharges(db: Db, verdicts: Map<string, SendVerdict>): Promise<{ refunded: number; uncertain: number; sent: number }> {
  const totals = { refunded: 0, uncertain: 0, sent: 0 };
  const checks: { chargeId: string; verdict: SendVerdict }[] = [];
  for (const [chargeId, verdict] of verdicts) {
    // An intent whose charge was never written (the kill came first) has nothing to refund or record.
    if (verdict === 'never_sent' && !(await refundCharge(db, chargeId, 'Request never left: the worker stopped before sending it'))) {
      if (!(await chargeExists(db, chargeId))) continue;
    }
    checks.push({ chargeId, verdict });
  }
  await recordSendChecks(db, checks);
  for (const c of checks) totals[c.verdict === 'never_sent' ? 'refunded' : c.verdict]++;
  return totals;
}

async function chargeExists(db: Db, chargeId: string): Promise<boolean> {
  return (await db.selectFrom('credit_ledger').select('id').where('id', '=', chargeId).executeTakeFirst()) !== undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
