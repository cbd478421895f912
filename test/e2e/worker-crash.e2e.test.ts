import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog, integrations } from '#catalog';
import { createApp } from '#server/app';
import { ensureWorkspace } from '#server/bootstrap';
import { setBackendFunctions } from '#store/settings.repository';
import { connectTemporal, type TemporalAccess } from '#server/temporal';
import { openDatabase, type Db } from '#store/database';
import { testDatabaseUrl } from '../helpers/database';
import { loadMasterKey } from '#store/crypto';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { startHttpPeer } from '../helpers/http-peer';
import { callApi } from '../helpers/api';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';

/**
 * Durability: a run waiting in a `delay` survives `kill -9` of the worker process. A new worker replays
 * the history and finishes the run; the node that had already finished is not executed again.
 */
describe('a run survives kill -9 of its worker', () => {
  const taskQueue = `crash-${crypto.randomUUID()}`;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let temporal: TemporalAccess;
  let server: Server;
  let api: string;
  let key: string;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  const workers: Spawned[] = [];

  const startWorker = async (): Promise<Spawned> => {
    const worker = spawnTs('worker/src/main.ts', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      // The in-test API's Temporal client has no payload codec: this worker must not encrypt (test/e2e/temporal-postgres covers encryption).
      SWITCHYARD_PAYLOAD_ENCRYPTION: 'off',
      DATABASE_URL: dbUrl,
      DATA_DIR: dir,
      SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await worker.waitForOutput(/worker running/, 120_000);
    return worker;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-crash-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    await setBackendFunctions(db, boot.workspaceId, true); // the flow uses the generic HTTP action
    temporal = connectTemporal({ address: inject('temporalAddress'), namespace: 'default', taskQueue });
    const secrets = new SecretStore(db, loadMasterKey({}, dir));
    const app = createApp({ db, temporal, catalog, integrations, secrets, logger: pino({ level: 'silent' }), bodyLimit: '1mb' });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    peer = await startHttpPeer((hit) => ({ body: { path: hit.path } }));
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) w.signalGroup('SIGKILL');
    server?.close();
    await temporal?.close();
    await db?.destroy();
    await peer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown) => callApi(api, key, method, p, body);

  it('completes after the worker is killed mid-delay, without re-running the finished node', async () => {
    const first = await startWorker();
    const created = await call('POST', '/api/flows', {
      name: 'Durable',
      document: {
        trigger: { type: 'event', event: 'order.placed' },
        nodes: [
          {
            id: 'charge',
            type: 'action',
            action: 'http.request@1',
            inputs: { url: `${peer.url}/charge`, method: 'POST', body: { order: { $expr: 'trigger.data.order' } } },
          },
          { id: 'wait', type: 'delay', duration: '4s' },
          { id: 'ship', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/ship`, method: 'POST' } },
        ],
        edges: [
          { from: 'trigger', to: 'charge' },
          { from: 'charge', to: 'wait' },
          { from: 'wait', to: 'ship' },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect((await call('POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
    const sent = await call('POST', '/v1/events', { name: 'order.placed', id: 'order-1001', data: { order: 1001 } });
    const runId = (sent.body.runs as { runId: string }[])[0]!.runId;

    await pollUntil(
      'the delay to start',
      async () => {
        const r = await call('GET', `/api/runs/${runId}`);
        return (r.body.nodes as { nodeId: string; status: string }[]).some((n) => n.nodeId === 'wait' && n.status === 'running') ? true : undefined;
      },
      30_000,
    );
    expect(peer.hitsTo('/charge')).toHaveLength(1);

    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe(null); // killed by a signal, no clean exit
    await startWorker();

    const run = await pollUntil(
      'the run to complete',
      async () => {
        const r = await call('GET', `/api/runs/${runId}`);
        return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
      },
      60_000,
    );
    expect(run.status).toBe('completed');
    expect(peer.hitsTo('/charge')).toHaveLength(1);
    expect(peer.hitsTo('/ship')).toHaveLength(1);
    const nodes = Object.fromEntries((run.nodes as { nodeId: string; status: string; attempts: number }[]).map((n) => [n.nodeId, n]));
    expect(nodes.charge).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(nodes.wait).toMatchObject({ status: 'succeeded' });
    expect(nodes.ship).toMatchObject({ status: 'succeeded', attempts: 1 });
  }, 180_000);
});
