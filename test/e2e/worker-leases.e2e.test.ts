import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog, integrations } from '#catalog';
import { createApp } from '#server/app';
import { ensureWorkspace } from '#server/bootstrap';
import { connectTemporal, type TemporalAccess } from '#server/temporal';
import { chargesOf, openAccount } from '#store/credits.repository';
import { loadMasterKey } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { setBackendFunctions } from '#store/settings.repository';
import { startHttpPeer } from '../helpers/http-peer';
import { callApi } from '../helpers/api';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';

/**
 * Workers that don't share a disk: two real worker processes, each with its own DATA_DIR, on one database. Worker
 * A is killed (SIGKILL) while one request is on the wire and five more are charged and queued behind it; worker B,
 * which never shared a file with A, sees A's lease expire, claims it and settles A's send journal from the
 * database: the five queued charges are refunded, the one on the wire stays charged. Then a fresh worker finishes
 * the runs, and each run paid exactly for the requests its provider received.
 */
describe('a live worker settles the send journal of a killed one, on separate data directories', () => {
  const QUEUED = 6;
  const LEASE_TTL = '2s';
  const queueA = `leases-a-${crypto.randomUUID()}`;
  const queueB = `leases-b-${crypto.randomUUID()}`;
  let root: string;
  let dbFile: string;
  let db: Db;
  let temporal: TemporalAccess;
  let server: Server;
  let api: string;
  let key: string;
  let workspaceId: string;
  let client: Client;
  let connection: Connection;
  const workers: Spawned[] = [];

  const startWorker = async (name: string, taskQueue: string, env: Record<string, string> = {}): Promise<Spawned> => {
    const dataDir = path.join(root, name);
    const worker = spawnTs('worker/src/main.ts', {
      ...env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: dbFile,
      DATA_DIR: dataDir,
      WORKER_LEASE_TTL: LEASE_TTL,
      SWITCHYARD_MASTER_KEY: 'ab'.repeat(32),
      SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
      SWITCHYARD_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      LOG_LEVEL: 'warn',
    });
    workers.push(worker);
    await pollUntil(
      `worker ${name} to poll`,
      async () => {
        const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 2 });
        return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${worker.proc.pid}@`)) || worker.proc.exitCode !== null || undefined;
      },
      120_000,
      200,
    );
    if (worker.proc.exitCode !== null) throw new Error(`worker ${name} exited: ${worker.output()}`);
    return worker;
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-leases-'));
    // The database is the only thing the workers share; each worker's DATA_DIR is its own folder.
    dbFile = path.join(root, 'db', 'switchyard.db');
    db = openDatabase(dbFile);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    workspaceId = boot.workspaceId;
    await setBackendFunctions(db, workspaceId, true);
    await openAccount(db, { workspaceId, plan: 'builder', credits: 1000 });
    temporal = connectTemporal({ address: inject('temporalAddress'), namespace: 'default', taskQueue: queueA });
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
    const secrets = new SecretStore(db, loadMasterKey({ SWITCHYARD_MASTER_KEY: 'ab'.repeat(32) }, root));
    const app = createApp({ db, temporal, catalog, integrations, secrets, logger: pino({ level: 'silent' }), bodyLimit: '1mb' });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) w.signalGroup('SIGKILL');
    server?.close();
    await temporal?.close();
    await connection?.close();
    await db?.destroy();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown) => callApi(api, key, method, p, body);

  it('refunds the queued charges of the killed worker from the database, never twice, and the runs end paid exactly', async () => {
    let answerMs = 4000;
    const slow = await startHttpPeer(() => ({ body: { ok: true }, delayMs: answerMs }));
    try {
      // B works another queue: it takes none of the runs, it only watches the leases.
      const b = await startWorker('worker-b', queueB);
      const a = await startWorker('worker-a', queueA, { SWITCHYARD_HTTP_MAX_CONNECTIONS: '1' });
      const leases = await db.selectFrom('worker_leases').selectAll().execute();
      expect(leases.map((l) => l.pid).sort()).toEqual([a.proc.pid, b.proc.pid].sort());
      const created = await call('POST', '/api/flows', {
        name: 'One slow action',
        document: {
          trigger: { type: 'event', event: 'order.queued' },
          nodes: [
            {
              id: 'slow',
              type: 'action',
              action: 'http.request@1',
              timeout: '5s',
              retry: { maximumAttempts: 5, initialInterval: '200ms', backoffCoefficient: 1 },
              inputs: { url: { $expr: `"${slow.url}/" & trigger.data.i` }, method: 'POST' },
            },
          ],
          edges: [{ from: 'trigger', to: 'slow' }],
        },
      });
      expect((await call('POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
      const workflowIds: string[] = [];
      for (let i = 0; i < QUEUED; i++) {
        const sent = await call('POST', '/v1/events', { name: 'order.queued', id: `queued-${i}`, data: { i } });
        expect(sent.status).toBe(202);
        workflowIds.push(`event:${workspaceId}:${created.body.id}:live:queued-${i}`);
      }
      const charged = () => chargesOf(db, workflowIds);
      await pollUntil(
        'every run charged, one request on the wire',
        async () => ((await charged()).length === QUEUED && slow.hits.length === 1 ? true : undefined),
        60_000,
        20,
      );
      const killedLease = await db.selectFrom('worker_leases').select('worker_id').where('pid', '=', a.proc.pid!).executeTakeFirstOrThrow();
      // The peer can see the request a moment before A's journal has stored that it went (W): kill A once it has, so
      // the one request on the wire is known as sent (killed between the two, it would rightly be "uncertain").
      const journalOfA = openDatabase(dbFile.replace(/\.db$/, '.send-journal.db'));
      try {
        await pollUntil(
          "A's journal to store the send",
          async () =>
            (await journalOfA.selectFrom('credit_send_journal').select('step').where('worker_id', '=', killedLease.worker_id).where('step', '=', 'W').executeTakeFirst()) ??
            undefined,
          10_000,
          10,
        );
      } finally {
        await journalOfA.destroy();
      }
      a.proc.kill('SIGKILL');
      await a.exited;
      answerMs = 20;

      // B (alive, its own DATA_DIR) claims A's expired lease and settles its journal; A's lease row goes.
      const refunds = await pollUntil(
        "B to settle A's journal",
        async () => {
          const r = await db.selectFrom('credit_ledger').selectAll().where('kind', '=', 'refund').where('workflow_id', 'in', workflowIds).execute();
          const gone =
            (await db.selectFrom('worker_leases').select('worker_id').where('worker_id', '=', killedLease.worker_id).executeTakeFirst()) === undefined;
          return r.length >= QUEUED - 1 && gone ? r : undefined;
        },
        30_000,
        100,
      );
      expect(b.proc.exitCode).toBe(null);
      expect(b.output()).toMatch(/settled the charges of a stopped worker/);
      expect(refunds.map((r) => r.note)).toEqual(Array(QUEUED - 1).fill('Request never left: the worker stopped before sending it'));
      const checks = await db
        .selectFrom('credit_send_checks')
        .selectAll()
        .where('charge_id', 'in', (await charged()).map((c) => c.id).concat(refunds.map((r) => r.id.replace(/\/refund$/, ''))))
        .execute();
      expect(checks.map((c) => c.verdict).sort()).toEqual([...Array(QUEUED - 1).fill('never_sent'), 'sent']);

      // A fresh worker on A's queue, in a third data directory, finishes the runs (the killed attempts time out).
      await startWorker('worker-c', queueA);
      const rows = await pollUntil(
        'the runs to complete',
        async () => {
          const r = await db.selectFrom('runs').select(['workflow_id', 'status']).where('workflow_id', 'in', workflowIds).execute();
          return r.length === QUEUED && r.every((x) => x.status === 'completed') ? r : undefined;
        },
        90_000,
        500,
      );
      const final = await charged();
      for (const row of rows) {
        const i = row.workflow_id.split(':queued-')[1]!;
        expect(final.filter((c) => c.workflow_id === row.workflow_id).length, `run ${i}`).toBe(slow.hits.filter((h) => h.path === `/${i}`).length);
      }
      // Settled once: no second refund of any charge, and nothing left in the journal of the killed worker.
      const allRefunds = await db.selectFrom('credit_ledger').select('id').where('kind', '=', 'refund').where('workflow_id', 'in', workflowIds).execute();
      expect(new Set(allRefunds.map((r) => r.id)).size).toBe(allRefunds.length);
      expect(allRefunds.length).toBe(QUEUED - 1);
      const journal = openDatabase(dbFile.replace(/\.db$/, '.send-journal.db'));
      try {
        expect(await journal.selectFrom('credit_send_journal').selectAll().where('worker_id', '=', killedLease.worker_id).execute()).toEqual([]);
      } finally {
        await journal.destroy();
      }
      // Neither live worker wrote a journal file: nothing of the protocol depends on a shared disk.
      for (const name of ['worker-b', 'worker-c']) expect(fs.existsSync(path.join(root, name, 'credits-journal'))).toBe(false);
    } finally {
      await slow.close();
    }
  }, 200_000);
});
