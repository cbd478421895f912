import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { charge, ensureAccount, openAccount, sendChecksOf, type Charge } from '#store/credits.repository';
import type { Db } from '#store/database';
import { openTestDatabase } from '../../../test/helpers/database';
import { readJournal, recoverSendJournals, SendJournal } from './send-journal';

const logger = pino({ level: 'silent' });

function row(id: string): Charge {
  return {
    id,
    workspaceId: 'ws_journal',
    mode: 'live',
    credits: 1,
    overdraft: false,
    integration: 'http',
    action: 'http.request@1',
    workflowId: 'wf',
    temporalRunId: 'run',
    activityId: id,
    attempt: 1,
    requestIndex: 0,
    nodeKey: id,
  };
}

/** The pid of a process that has exited (so a journal named after it belongs to a dead worker). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('the send journal', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-journal-'));
    db = await openTestDatabase();
    await openAccount(db, { workspaceId: 'ws_journal', plan: 'builder', credits: 10 });
  });

  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a journal as a worker would, then leaves it as a killed worker with `pid` would (no close). */
  function journalOf(pid: number, write: (j: SendJournal) => void): void {
    const j = SendJournal.start(dir);
    write(j);
    const [file] = fs.readdirSync(dir).filter((f) => f.startsWith(`worker-${process.pid}-`));
    fs.renameSync(path.join(dir, file!), path.join(dir, `worker-${pid}-0bad.log`));
  }

  it('refunds the charges whose request never left, keeps the others and records every verdict', async () => {
    for (const id of ['unsent', 'writing', 'written', 'finished']) expect((await charge(db, row(id))).status).toBe('charged');
    expect((await ensureAccount(db, 'ws_journal')).balance).toBe(6);
    journalOf(deadPid(), (j) => {
      for (const id of ['unsent', 'writing', 'written', 'finished', 'never-charged']) j.intent(id);
      j.sending('writing');
      j.sending('written');
      j.sent('written');
      j.sending('finished');
      j.sent('finished');
      j.done('finished');
    });

    expect(await recoverSendJournals({ dir, db, logger })).toEqual({ refunded: 1, uncertain: 1, sent: 1 });
    expect((await ensureAccount(db, 'ws_journal')).balance).toBe(7);
    const refund = await db.selectFrom('credit_ledger').selectAll().where('kind', '=', 'refund').execute();
    expect(refund.map((r) => [r.id, r.note])).toEqual([['unsent/refund', 'Request never left: the worker stopped before sending it']]);
    expect(Object.fromEntries(await sendChecksOf(db, ['unsent', 'writing', 'written', 'finished', 'never-charged']))).toEqual({
      unsent: 'never_sent',
      writing: 'uncertain',
      written: 'sent',
    });
    // Settled once: the journal is gone, and a second recovery finds nothing.
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await recoverSendJournals({ dir, db, logger })).toEqual({ refunded: 0, uncertain: 0, sent: 0 });
  });

  it('leaves the journal of a live worker alone, and settles one of a previous life of this pid (containers reuse pids)', async () => {
    expect((await charge(db, row('unsent'))).status).toBe('charged');
    journalOf(process.ppid, (j) => j.intent('unsent'));
    expect(await recoverSendJournals({ dir, db, logger })).toEqual({ refunded: 0, uncertain: 0, sent: 0 });
    fs.renameSync(path.join(dir, 'worker-' + process.ppid + '-0bad.log'), path.join(dir, `worker-${process.pid}-0bad.log`));
    expect(await recoverSendJournals({ dir, db, logger })).toEqual({ refunded: 1, uncertain: 0, sent: 0 });
  });

  it('a recovery while this process runs leaves its own journal alone', async () => {
    expect((await charge(db, row('mine'))).status).toBe('charged');
    const j = SendJournal.start(dir);
    j.intent('mine');
    expect(await recoverSendJournals({ dir, db, logger, own: j.fileName })).toEqual({ refunded: 0, uncertain: 0, sent: 0 });
    expect(fs.readdirSync(dir)).toEqual([j.fileName]);
    j.done('mine');
    j.close();
  });

  it('reads only whole lines: a step cut short by the kill did not happen', () => {
    const verdicts = readJournal('I a\nS a\nI b\nS b\nW b\nI c\nD c\nI d\nS d\nW');
    expect(Object.fromEntries(verdicts)).toEqual({ a: 'uncertain', b: 'sent', d: 'uncertain' });
    expect(Object.fromEntries(readJournal('I a\nS'))).toEqual({ a: 'never_sent' });
  });

  it('rotates at its size limit, carrying over only the keys still open', () => {
    const j = SendJournal.start(dir, { rotateAtBytes: 200 });
    j.intent('open-1');
    j.sending('open-1');
    for (let i = 0; i < 50; i++) {
      j.intent(`k${i}`);
      j.sending(`k${i}`);
      j.sent(`k${i}`);
      j.done(`k${i}`);
    }
    j.intent('open-2');
    const [file] = fs.readdirSync(dir);
    const text = fs.readFileSync(path.join(dir, file!), 'utf8');
    expect(text.length).toBeLessThan(400);
    expect(Object.fromEntries(readJournal(text))).toEqual({ 'open-1': 'uncertain', 'open-2': 'never_sent' });
    j.done('open-1');
    j.done('open-2');
    j.close();
    // A clean stop with nothing open leaves no file behind.
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
