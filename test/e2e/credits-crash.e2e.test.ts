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
import { formatReport, reconcileCredits } from '../../scripts/lib/credits-reconcile';
import { createApp } from '#server/app';
import { ensureWorkspace } from '#server/bootstrap';
import { connectTemporal, type TemporalAccess } from '#server/temporal';
import { chargesOf, openAccount } from '#store/credits.repository';
import { loadMasterKey } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { testDatabaseUrl } from '../helpers/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { setBackendFunctions } from '#store/settings.repository';
import { startHttpPeer } from '../helpers/http-peer';
import { callApi } from '../helpers/api';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';

/**
 * Exact metering under crashes: 200 runs of a 5-action flow whose provider fails a quarter of first tries
 * (so nodes retry), while the worker process is killed with SIGKILL three times. For every run the ledger
 * charges equal the requests the provider received, never fewer. Each kill catches many attempts between their
 * charge and their request; the next worker refunds those from the killed one's send journal, so what remains is
 * at most the one charge per kill whose request was being written, which the reconciliation reports.
 */
describe('metering is exact across worker kills', () => {
  const RUNS = 200;
  const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const KILLS = 3;
  const taskQueue = `credits-crash-${crypto.randomUUID()}`;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let temporal: TemporalAccess;
  let server: Server;
  let api: string;
  let key: string;
  let workspaceId: string;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  const workers: Spawned[] = [];

  const startWorker = async (env: Record<string, string> = {}): Promise<Spawned> => {
    const worker = spawnTs('worker/src/main.ts', {
      ...env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      // The in-test API's Temporal client has no payload codec: this worker must not encrypt (test/e2e/temporal-postgres covers encryption).
      SWITCHYARD_PAYLOAD_ENCRYPTION: 'off',
      DATABASE_URL: dbUrl,
      DATA_DIR: dir,
      SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
      SWITCHYARD_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      // A killed worker's lease expires within 2 s; the next live worker then settles its send journal.
      WORKER_LEASE_TTL: '2s',
      LOG_LEVEL: 'warn',
    });
    workers.push(worker);
    // Ready once it polls (the log level hides its info line).
    await pollUntil('the worker to poll', async () => (await workerPolls(worker.proc.pid!)) || worker.proc.exitCode !== null || undefined, 120_000, 200);
    if (worker.proc.exitCode !== null) throw new Error(`worker exited: ${worker.output()}`);
    return worker;
  };

  let client: Client;
  let connection: Connection;
  const workerPolls = async (pid: number): Promise<boolean> => {
    const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 2 });
    // Pollers of a killed worker linger for a minute: the new one is the one with its pid (identity `<pid>@<host>`).
    return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-credits-crash-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    workspaceId = boot.workspaceId;
    await setBackendFunctions(db, workspaceId, true); // the flows use the generic HTTP action
    await openAccount(db, { workspaceId, plan: 'builder', credits: 100_000 });
    temporal = connectTemporal({ address: inject('temporalAddress'), namespace: 'default', taskQueue });
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
    const secrets = new SecretStore(db, loadMasterKey({}, dir));
    const app = createApp({ db, temporal, catalog, integrations, secrets, logger: pino({ level: 'silent' }), bodyLimit: '1mb' });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A quarter of first requests fail with 503 (the node retries); answers take a little while, so kills
    // land while requests are in flight.
    const seen = new Set<string>();
    peer = await startHttpPeer((hit) => {
      const first = !seen.has(hit.path);
      seen.add(hit.path);
      const n = Number(hit.path.split('/')[1]) + Number(hit.path.slice(-1));
      if (first && n % 4 === 0) return { status: 503, body: { error: 'busy' }, delayMs: 5 };
      return { body: { path: hit.path }, delayMs: 5 + (n % 20) };
    });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) w.signalGroup('SIGKILL');
    server?.close();
    await temporal?.close();
    await connection?.close();
    await db?.destroy();
    await peer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown) => callApi(api, key, method, p, body);

  const chargeCount = async () =>
    Number(
      (
        await db
          .selectFrom('credit_ledger')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 'charge')
          .executeTakeFirst()
      )?.n ?? 0,
    );

  it('charges each run exactly the requests its provider received, give or take one per kill, never fewer', async () => {
    const started = new Date(Date.now() - 60_000).toISOString();
    let worker = await startWorker();
    const retry = { maximumAttempts: 20, initialInterval: '200ms', backoffCoefficient: 1 };
    const created = await call('POST', '/api/flows', {
      name: 'Five actions',
      document: {
        trigger: { type: 'event', event: 'order.placed' },
        nodes: NODES.map((id) => ({
          id,
          type: 'action',
          action: 'http.request@1',
          // A killed attempt is retried once its timeout passes.
          timeout: '3s',
          retry,
          inputs: { url: { $expr: `"${peer.url}/" & trigger.data.i & "/${id}"` }, method: 'POST' },
        })),
        edges: NODES.map((id, i) => ({ from: i === 0 ? 'trigger' : NODES[i - 1]!, to: id })),
      },
    });
    expect(created.status).toBe(201);
    expect((await call('POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const sent = await call('POST', '/v1/events', { name: 'order.placed', id: `order-${i}`, data: { i } });
      expect(sent.status).toBe(202);
      runIds.push(sent.body.runs[0].runId as string);
    }

    // Kill the worker three times while it works, at a third, a half and two thirds of the expected charges.
    const expected = RUNS * NODES.length;
    for (const [k, at] of [0.3, 0.5, 0.7].entries()) {
      await pollUntil(`charge ${Math.round(expected * at)}`, async () => ((await chargeCount()) >= expected * at ? true : undefined), 120_000, 20);
      worker.proc.kill('SIGKILL');
      expect(await worker.exited).toBe(null);
      if (k < KILLS) worker = await startWorker();
    }

    const rows = await pollUntil(
      'every run to end',
      async () => {
        const r = await db.selectFrom('runs').select(['id', 'workflow_id', 'status']).where('workspace_id', '=', workspaceId).execute();
        return r.length === RUNS && r.every((x) => ['completed', 'failed', 'cancelled'].includes(x.status)) ? r : undefined;
      },
      150_000,
      500,
    );
    expect(rows.filter((r) => r.status !== 'completed')).toEqual([]);

    // Refunded charges (a request that never reached the peer) count as none, as everywhere else.
    const charges = await chargesOf(
      db,
      rows.map((r) => r.workflow_id),
    );
    const hitsByRun = new Map<string, number>();
    for (const hit of peer.hits) hitsByRun.set(hit.path.split('/')[1]!, (hitsByRun.get(hit.path.split('/')[1]!) ?? 0) + 1);
    const report = await reconcileCredits({
      client,
      db,
      integrations,
      from: started,
      to: new Date(Date.now() + 60_000).toISOString(),
      workflowIds: rows.map((r) => r.workflow_id),
    });
    const byWorkflow = new Map(report.runs.map((r) => [r.workflowId, r]));
    let excess = 0;
    let total = 0;
    let unconfirmed = 0;
    const over: string[] = [];
    for (const row of rows) {
      const i = row.workflow_id.split(':order-')[1]!;
      const charged = charges.filter((c) => c.workflow_id === row.workflow_id && c.request_index !== null).length;
      const received = hitsByRun.get(i) ?? 0;
      const rec = byWorkflow.get(row.workflow_id)!;
      const where = `run ${i}: charged ${charged}, received ${received}, reported unconfirmed ${rec.unconfirmed}`;
      // Never fewer charges than requests received; more only by a charge the reconciliation reports as unconfirmed.
      expect(charged, where).toBeGreaterThanOrEqual(received);
      expect(charged - received, where).toBeLessThanOrEqual(rec.unconfirmed);
      expect(rec.charges, where).toBe(charged);
      unconfirmed += rec.unconfirmed;
      excess += charged - received;
      total += charged;
      if (charged > received) over.push(row.workflow_id);
    }
    // Whatever the number of requests in flight: the send journal let each restarted worker refund every charge
    // whose request never left, except one the kill caught while its bytes were being written (at most one per kill).
    expect(unconfirmed).toBeLessThanOrEqual(KILLS);
    expect(excess).toBeLessThanOrEqual(unconfirmed);
    expect(total).toBe(peer.hits.length + excess);
    expect(report.totals).toMatchObject({ runs: RUNS, charges: total, unconfirmed, unknown: 0, missing: 0 });
    // The reconciliation reports exactly the charges written just before a kill whose request never left: every
    // charge ever written either reached the peer, is one of those (refunded from the journal), or is unconfirmed.
    const written = await db.selectFrom('credit_ledger').select('id').where('kind', '=', 'charge').where('request_index', 'is not', null).execute();
    const refunds = await db.selectFrom('credit_ledger').select('note').where('kind', '=', 'refund').execute();
    expect(report.totals.neverSent).toBe(refunds.filter((r) => r.note?.startsWith('Request never left')).length);
    expect(written.length).toBe(peer.hits.length + refunds.length + excess);
    // The reconciliation lists exactly the runs with a charge whose request may not have left.
    const differing = report.differences.map((d) => d.workflowId);
    for (const w of over) expect(differing).toContain(w);
    expect(report.differences.every((d) => d.unconfirmed > 0 && d.unknown.length === 0 && d.missing.length === 0)).toBe(true);
    // A quarter of first tries failed: nodes did retry, and every retry that sent a request was charged.
    expect(peer.hits.length).toBeGreaterThan(RUNS * NODES.length);
    console.log(
      `charges beyond received requests: ${excess} (in ${over.length} runs), unconfirmed: ${unconfirmed}, refunded from the send journals: ${report.totals.neverSent}\n${formatReport(report).split('\n').slice(0, 8).join('\n')}`,
    );
  }, 230_000);

  it("refunds, from the killed worker's send journal, the charges of requests still waiting to be sent", async () => {
    // One connection to the provider and slow answers: one request is on the wire, the others are charged and queued.
    // Slow (4 s) until the kill, so the state "one on the wire, the rest queued" lasts long enough to observe on a
    // loaded machine; fast afterwards, so the retries finish within their timeout.
    let answerMs = 4000;
    const slow = await startHttpPeer(() => ({ body: { ok: true }, delayMs: answerMs }));
    const QUEUED = 6;
    // Only the worker this test starts may take the runs: stop the last one of the test before.
    for (const w of workers.filter((x) => x.proc.exitCode === null && x.proc.signalCode === null)) {
      w.proc.kill('SIGTERM');
      await w.exited;
    }
    try {
      const worker = await startWorker({ SWITCHYARD_HTTP_MAX_CONNECTIONS: '1' });
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
      worker.proc.kill('SIGKILL');
      await worker.exited;
      answerMs = 20;
      // The next worker settles the killed one's journal once its lease expired (2 s).
      await startWorker();
      const refunds = await pollUntil(
        "the killed worker's journal to be settled",
        async () => {
          const r = await db.selectFrom('credit_ledger').selectAll().where('kind', '=', 'refund').where('workflow_id', 'in', workflowIds).execute();
          return r.length >= QUEUED - 1 ? r : undefined;
        },
        30_000,
        100,
      );
      expect(refunds.map((r) => r.note)).toEqual(Array(QUEUED - 1).fill('Request never left: the worker stopped before sending it'));
      const checks = await db
        .selectFrom('credit_send_checks')
        .selectAll()
        .where('charge_id', 'in', (await charged()).map((c) => c.id).concat(refunds.map((r) => r.id.replace(/\/refund$/, ''))))
        .execute();
      expect(checks.map((c) => c.verdict).sort()).toEqual(['never_sent', 'never_sent', 'never_sent', 'never_sent', 'never_sent', 'sent']);

      // The runs go on (the killed attempts time out and are retried); in the end each run paid for what the provider received.
      const rows = await pollUntil(
        'the queued runs to complete',
        async () => {
          const r = await db.selectFrom('runs').select(['workflow_id', 'status']).where('workflow_id', 'in', workflowIds).execute();
          return r.every((x) => x.status === 'completed') ? r : undefined;
        },
        90_000,
        500,
      );
      const final = await charged();
      for (const row of rows) {
        const i = row.workflow_id.split(':queued-')[1]!;
        expect(final.filter((c) => c.workflow_id === row.workflow_id).length, `run ${i}`).toBe(slow.hits.filter((h) => h.path === `/${i}`).length);
      }
      const report = await reconcileCredits({
        client,
        db,
        integrations,
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
        workflowIds,
      });
      expect(report.totals).toMatchObject({ runs: QUEUED, charges: slow.hits.length, neverSent: QUEUED - 1, unconfirmed: 0, unknown: 0, missing: 0 });
      console.log(
        `queued behind one connection: ${QUEUED - 1} charges refunded from the killed worker's journal\n${formatReport(report).split('\n').slice(0, 5).join('\n')}`,
      );
    } finally {
      await slow.close();
    }
  }, 150_000);
});
