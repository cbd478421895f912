import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '#core/access';
import { ensureWorkspace } from '#server/bootstrap';
import { openAccount } from '#store/credits.repository';
import { generateMasterKeyText, parseMasterKey } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { setBackendFunctions } from '#store/settings.repository';
import { WORKFLOW_BUNDLE_OPTIONS } from '#worker/worker';
import { startTemporalCluster, type TemporalCluster } from '../../scripts/lib/temporal-cluster';
import { callApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { freePort } from '../helpers/ports';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';
import { signDelivery, stripeEvent, webhookSecret, type SignedDelivery } from '../helpers/webhook-signing';

/**
 * The scale-out topology, every piece a process on this machine (issue 21): Temporal's server on PostgreSQL
 * (scripts/lib/temporal-cluster.ts), Switchyard's data on PostgreSQL, 2 API servers and 2 workers with separate data
 * directories. 2,000 app events and 1,000 signed Stripe deliveries are spread over both API servers (a client that
 * fails over to the other server and resends, like a load balancer and a provider do) while one worker and one API
 * server are killed (`kill -9`) and restarted. Then: 0 lost runs, 0 duplicate runs, every run completed, credits equal
 * to the requests the provider received (within the send journal's bound: one uncertain charge per worker kill), runs
 * spread over both workers. `npm run test:cluster`; figures in bench/RESULTS.md.
 */
const EVENTS = Number(process.env.CLUSTER_EVENTS ?? 2000);
const DELIVERIES = Number(process.env.CLUSTER_DELIVERIES ?? 1000);
const SENDERS = 16;
const taskQueue = 'switchyard-cluster';
const stripeSecret = webhookSecret('stripe');

class RefusedError extends Error {}

describe('the cluster: Temporal on PostgreSQL, 2 API servers, 2 workers, kill -9 of one of each', () => {
  let cluster: TemporalCluster;
  let databaseUrl: string;
  let db: Db;
  let dir: string;
  let key: string;
  let workspaceId: string;
  let bundlePath: string;
  const masterKey = generateMasterKeyText();
  const apiPorts: number[] = [];
  const apis: Spawned[] = [];
  const workers: Spawned[] = [];
  const everyProcess: Spawned[] = [];
  /** Every worker process's pid and which of the two workers it was (a restart has a new pid). */
  const workerPids: [number, number][] = [];
  let provider: Awaited<ReturnType<typeof startHttpPeer>>;
  /** Requests the provider received, by idempotency key (a redone request repeats its key). */
  const received = new Map<string, number>();

  const commonEnv = () => ({
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SWITCHYARD_MASTER_KEY: masterKey,
    SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
    SWITCHYARD_WORKFLOW_BUNDLE: bundlePath,
    SWITCHYARD_AUTH_FAILURES_PER_KEY: '1000000',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  const startApi = async (i: number) => {
    const api = spawnTs('server/src/main.ts', { ...commonEnv(), PORT: String(apiPorts[i]), DATA_DIR: path.join(dir, `api-${i}`) });
    everyProcess.push(api);
    apis[i] = api;
    await pollUntil(`API ${i} to be ready`, () => fetch(`http://127.0.0.1:${apiPorts[i]}/api/ready`).then((r) => (r.ok ? true : undefined), () => undefined), 90_000);
  };
  const startWorker = async (i: number) => {
    const worker = spawnTs('worker/src/main.ts', { ...commonEnv(), DATA_DIR: path.join(dir, `worker-${i}`), WORKER_ID: `cluster-worker-${i}`, LOG_LEVEL: 'info' });
    everyProcess.push(worker);
    workers[i] = worker;
    workerPids.push([worker.proc.pid!, i]);
    await worker.waitForOutput(/worker running/, 120_000);
  };
  const kill = async (p: Spawned) => {
    p.signalGroup('SIGKILL');
    await p.exited;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-cluster-'));
    fs.chmodSync(dir, 0o755); // PostgreSQL (as `postgres` when we are root) reaches its data folder through it
    cluster = await startTemporalCluster({ dir: path.join(dir, 'temporal'), namespace: 'default' });
    // Switchyard's own database on the same PostgreSQL server, beside Temporal's two.
    const admin = new pg.Client({ connectionString: cluster.postgresUrl });
    await admin.connect();
    await admin.query('create database switchyard');
    await admin.end();
    databaseUrl = cluster.postgresUrl.replace(/\/[^/]*$/, '/switchyard');
    db = openDatabase(databaseUrl);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    workspaceId = boot.workspaceId;
    await setBackendFunctions(db, workspaceId, true);
    await openAccount(db, { workspaceId, plan: 'builder', credits: 1_000_000 });
    await new SecretStore(db, parseMasterKey(masterKey, 'test')).put(workspaceId, 'STRIPE_WEBHOOK_SECRET', { live: stripeSecret });
    const bundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: { trace() {}, debug() {}, info() {}, warn() {}, log() {}, error: console.error } });
    bundlePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    provider = await startHttpPeer((hit) => {
      const k = String(hit.headers['idempotency-key'] ?? hit.path);
      received.set(k, (received.get(k) ?? 0) + 1);
      return { body: { ok: true }, delayMs: 5 };
    });
    apiPorts.push(await freePort(), await freePort());
    await Promise.all([startWorker(0), startWorker(1)]);
    await Promise.all([startApi(0), startApi(1)]);
  }, 600_000);

  afterAll(async () => {
    for (const p of everyProcess) p.signalGroup('SIGKILL');
    await db?.destroy();
    await provider?.close();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it(`${EVENTS} app events and ${DELIVERIES} signed webhooks through kill -9 of a worker and an API server: none lost, none twice, credits as received`, async () => {
    const api = (i: number) => `http://127.0.0.1:${apiPorts[i]}`;
    const call = (method: string, p: string, body?: unknown) => callApi(api(0), key, method, p, body);
    const publish = async (name: string, trigger: unknown) => {
      const created = await call('POST', '/api/flows', {
        name,
        document: {
          trigger,
          nodes: [{ id: 'notify', type: 'action', action: 'http.request@1', inputs: { url: `${provider.url}/notify`, method: 'POST', idempotencyHeader: 'Idempotency-Key' } }],
          edges: [{ from: 'trigger', to: 'notify' }],
        },
      });
      const published = await call('POST', `/api/flows/${created.body.id}/publish`, {});
      expect(published.status, JSON.stringify(published.body)).toBe(201);
      return published.body;
    };
    await publish('Order placed', { type: 'event', event: 'order.placed' });
    const hook = await publish('Invoice paid', { type: 'webhook', source: 'stripe' });
    const deliveries: SignedDelivery[] = [];
    for (let i = 0; i < DELIVERIES; i++)
      deliveries.push(await signDelivery('stripe', { secret: stripeSecret, body: stripeEvent('invoice.paid', { id: `in_${i}`, object: 'invoice' }, `evt_cluster_${i}`) }));

    // Each item is sent to a server chosen at random; a refused or failed send goes to the other one, resent until a 2xx.
    const acknowledged = new Set<string>();
    const runIds = new Map<string, string>();
    let failovers = 0;
    const send = async (item: { kind: 'event'; n: number } | { kind: 'hook'; n: number }) => {
      const id = `${item.kind}-${item.n}`;
      let server = Math.random() < 0.5 ? 0 : 1;
      for (let attempt = 0; attempt < 400; attempt++) {
        try {
          const res =
            item.kind === 'event'
              ? await fetch(`${api(server)}/v1/events`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ name: 'order.placed', id, data: { n: item.n } }),
                  signal: AbortSignal.timeout(15_000),
                })
              : await fetch(`${api(server)}${hook.webhook.livePath}`, {
                  method: 'POST',
                  headers: deliveries[item.n]!.headers,
                  body: deliveries[item.n]!.body,
                  signal: AbortSignal.timeout(15_000),
                });
          const body = (await res.json().catch(() => ({}))) as { runs?: { runId: string }[]; runId?: string };
          // A refusal that resending cannot change (a bad signature, a bad body) ends the test at once.
          if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
            throw new RefusedError(`${id} was refused by API ${server}: ${res.status} ${JSON.stringify(body)}`);
          if (res.ok) {
            acknowledged.add(id);
            const runId = item.kind === 'event' ? body.runs?.[0]?.runId : body.runId;
            if (runId) runIds.set(id, runId);
            return;
          }
        } catch (err) {
          if (err instanceof RefusedError) throw err;
          // the server is down: fail over
        }
        failovers++;
        server = 1 - server;
        await new Promise((r) => setTimeout(r, 50 + Math.min(attempt, 10) * 50));
      }
      throw new Error(`${id} was never acknowledged`);
    };
    const items = [
      ...Array.from({ length: EVENTS }, (_, n) => ({ kind: 'event' as const, n })),
      ...Array.from({ length: DELIVERIES }, (_, n) => ({ kind: 'hook' as const, n })),
    ].sort(() => Math.random() - 0.5);
    const total = items.length;
    const started = Date.now();
    let next = 0;
    let sendError: unknown;
    const senders = Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < total) await send(items[next++]!);
      }),
    ).catch((err: unknown) => {
      sendError = err;
    });
    const when = (n: number) =>
      pollUntil(
        `${n} acknowledged`,
        async () => {
          if (sendError) throw sendError;
          return acknowledged.size >= n ? true : undefined;
        },
        600_000,
        20,
      );
    await when(Math.floor(total / 3));
    await kill(workers[0]!);
    await startWorker(0);
    await when(Math.floor((2 * total) / 3));
    await kill(apis[0]!);
    await startApi(0);
    await senders;
    if (sendError) throw sendError;
    const ingestSeconds = (Date.now() - started) / 1000;

    // Every run completes; none is left starting (the restarted API server's start sweep resolves cut claims).
    const counts = async () =>
      Object.fromEntries(
        (await db.selectFrom('runs').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('status').execute()).map((r) => [r.status, Number(r.n)]),
      );
    await pollUntil(
      'every run to complete',
      async () => {
        const c = await counts();
        return (c.completed ?? 0) >= total && Object.keys(c).every((s) => s === 'completed') ? true : undefined;
      },
      900_000,
      1000,
    );
    const doneSeconds = (Date.now() - started) / 1000;
    const runs = await db.selectFrom('runs').select(['id', 'workflow_id', 'trigger']).execute();
    // 0 duplicate runs: one run per event id and per Stripe event; 0 lost: every acknowledged item has its run.
    expect(runs).toHaveLength(total);
    expect(new Set(runs.map((r) => r.workflow_id)).size).toBe(total);
    expect(acknowledged.size).toBe(total);
    // The provider saw every run's request (each run's idempotency key at least once).
    expect(received.size).toBe(total);
    const requests = [...received.values()].reduce((a, b) => a + b, 0);
    // Credits equal the requests received, within the journal's bound (one uncertain charge per worker kill).
    const ledgerRows = async (kind: string) =>
      Number((await db.selectFrom('credit_ledger').select((eb) => eb.fn.countAll<string>().as('n')).where('workspace_id', '=', workspaceId).where('kind', '=', kind).executeTakeFirst())?.n ?? 0);
    const charged = (await ledgerRows('charge')) - (await ledgerRows('refund'));
    expect(charged).toBeGreaterThanOrEqual(requests);
    expect(charged - requests).toBeLessThanOrEqual(1);
    // Runs spread over both workers: the identity (pid@host) of the worker that ran each sampled run's activity.
    const connection = await Connection.connect({ address: cluster.address });
    const client = new Client({ connection, namespace: cluster.namespace });
    const identities = new Set<string>();
    for (const r of runs.filter((_, i) => i % 25 === 0)) {
      const history = await client.workflow.getHandle(r.workflow_id).fetchHistory();
      for (const e of history.events ?? []) if (e.activityTaskStartedEventAttributes?.identity) identities.add(e.activityTaskStartedEventAttributes.identity);
    }
    await connection.close();
    // Which worker each identity is (pid@host; the restarted worker 0 has a new pid).
    const workerOf = (identity: string) => workerPids.find(([pid]) => identity.startsWith(`${pid}@`))?.[1];
    const seen = new Set([...identities].map(workerOf));
    console.log(
      `cluster: ${total} runs (${EVENTS} events, ${DELIVERIES} webhooks); acknowledged in ${ingestSeconds.toFixed(1)} s, all completed in ${doneSeconds.toFixed(1)} s ` +
        `(${(total / doneSeconds).toFixed(1)} runs/s); ${failovers} failed-over sends; provider requests ${requests} (${received.size} keys), charged ${charged}; ` +
        `worker identities seen in sampled histories: ${[...identities].join(', ')}`,
    );
    expect(seen.has(0) && seen.has(1), `identities ${[...identities].join(', ')}`).toBe(true);
  }, 1_800_000);
});
