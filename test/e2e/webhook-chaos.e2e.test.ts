import { ALL_SCOPES } from '#core/access';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureWorkspace } from '#server/bootstrap';
import { loadMasterKey } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { testDatabaseUrl } from '../helpers/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { freePort } from '../helpers/ports';
import { callApi } from '../helpers/api';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';
import { signDelivery, stripeEvent, webhookSecret, type SignedDelivery } from '../helpers/webhook-signing';

/**
 * Chaos: 2,000 signed Stripe deliveries while the worker is killed (SIGKILL) twice and the API server once.
 * The sender behaves like Stripe: it retries a delivery until it gets a 2xx. Every delivery answered 2xx
 * must be found in exactly one run, and every run must complete: 0 lost, 0 duplicated.
 */
describe('webhook deliveries survive worker and API crashes', () => {
  const taskQueue = `hook-chaos-${crypto.randomUUID()}`;
  const TOTAL = 2000;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let port: number;
  let key: string;
  const processes: Spawned[] = [];
  const env = () => ({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: dbUrl,
    DATA_DIR: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const startWorker = async () => {
    const worker = spawnTs('worker/src/main.ts', env());
    processes.push(worker);
    await worker.waitForOutput(/worker running/, 120_000);
    return worker;
  };
  const startApi = async () => {
    const api = spawnTs('server/src/main.ts', { ...env(), LOG_LEVEL: 'warn' });
    processes.push(api);
    await pollUntil(
      'the API to listen',
      () =>
        fetch(`http://127.0.0.1:${port}/api/health`).then(
          (r) => (r.ok ? true : undefined),
          () => undefined,
        ),
      60_000,
    );
    return api;
  };
  const kill = async (p: Spawned) => {
    p.signalGroup('SIGKILL');
    await p.exited;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-hook-chaos-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    key = (await ensureWorkspace(db, ALL_SCOPES)).keys!.live;
    port = await freePort();
  }, 60_000);

  afterAll(async () => {
    for (const p of processes) p.signalGroup('SIGKILL');
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${TOTAL} deliveries: every one answered 2xx is in exactly one completed run`, async () => {
    let worker = await startWorker();
    let api = await startApi();
    const call = (method: string, p: string, body?: unknown) => callApi(`http://127.0.0.1:${port}`, key, method, p, body);
    const secret = webhookSecret('stripe');
    const workspaceId = (await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    await new SecretStore(db, loadMasterKey({}, dir)).put(workspaceId, 'STRIPE_WEBHOOK_SECRET', { live: secret });
    const created = await call('POST', '/api/flows', {
      name: 'Invoice paid',
      document: {
        trigger: { type: 'webhook', source: 'stripe' },
        nodes: [
          { id: 'settle', type: 'delay', duration: '300ms' },
          { id: 'done', type: 'end', output: { invoice: { $expr: 'trigger.data.data.object.id' } } },
        ],
        edges: [
          { from: 'trigger', to: 'settle' },
          { from: 'settle', to: 'done' },
        ],
      },
    });
    const published = await call('POST', `/api/flows/${created.body.id}/publish`, {});
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const url = `http://127.0.0.1:${port}${published.body.webhook.livePath}`;
    const endpointId = published.body.webhook.endpointId as string;

    const deliveries: SignedDelivery[] = [];
    for (let i = 0; i < TOTAL; i++) {
      deliveries.push(await signDelivery('stripe', { secret, body: stripeEvent('invoice.paid', { id: `in_${i}`, object: 'invoice' }, `evt_chaos_${i}`) }));
    }
    const acknowledged = new Set<number>();
    let refused = 0;
    // Like Stripe: resend until a 2xx (connection refused and 503 included), with a short backoff.
    const deliver = async (i: number) => {
      for (let attempt = 0; attempt < 600; attempt++) {
        try {
          const d = deliveries[i]!;
          const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          if (res.status >= 200 && res.status < 300) {
            acknowledged.add(i);
            return;
          }
          refused++;
        } catch {
          refused++;
        }
        await new Promise((r) => setTimeout(r, 100 + Math.min(attempt, 10) * 50));
      }
      throw new Error(`delivery ${i} was never acknowledged`);
    };
    let next = 0;
    const senders = Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < TOTAL) await deliver(next++);
      }),
    );
    const when = (n: number) => pollUntil(`${n} deliveries acknowledged`, async () => (acknowledged.size >= n ? true : undefined), 120_000, 20);
    await when(400);
    await kill(worker);
    worker = await startWorker();
    await when(900);
    await kill(api);
    api = await startApi();
    await when(1400);
    await kill(worker);
    worker = await startWorker();
    await senders;
    expect(acknowledged.size).toBe(TOTAL);

    const runs = () => db.selectFrom('runs').select(['workflow_id', 'status', 'trigger']).where('workflow_id', 'like', `webhook:${endpointId}:%`).execute();
    await pollUntil('every run to complete', async () => ((await runs()).every((r) => r.status === 'completed') ? true : undefined), 240_000, 1000);
    const all = await runs();
    // 0 duplicated: one run per event; 0 lost: every acknowledged event has its run, and it completed.
    expect(all).toHaveLength(TOTAL);
    const events = new Set(all.map((r) => (JSON.parse(r.trigger) as { id: string }).id));
    expect(events.size).toBe(TOTAL);
    for (const i of acknowledged) expect(events.has(`evt_chaos_${i}`)).toBe(true);
    console.log(`webhook chaos: ${TOTAL} acknowledged, ${refused} refused or unreachable attempts retried by the sender, ${all.length} runs, all completed`);
  }, 600_000);
});
