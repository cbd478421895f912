import { ALL_SCOPES } from '#core/access';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureWorkspace } from '#server/bootstrap';
import { openAccount } from '#store/credits.repository';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { setBackendFunctions } from '#store/settings.repository';
import { startDevServer } from '../../scripts/lib/temporal-dev-server';
import { callApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { samples, scrape } from '../helpers/metrics';
import { freePort } from '../helpers/ports';
import { pollUntil, repoRoot, spawnTs, type Spawned } from '../helpers/processes';

/**
 * Operations, on the real processes (`server/src/main.ts`, `worker/src/main.ts`): Prometheus metrics of both after
 * real runs (parsed from the exposition format), readiness that follows Temporal going away and coming back, and a
 * graceful stop on SIGTERM that lets an in-flight API request and an in-flight activity finish.
 */
describe('operations: metrics, readiness, graceful shutdown', () => {
  const taskQueue = `ops-${crypto.randomUUID()}`;
  const MASTER = 'cd'.repeat(32);
  let dir: string;
  let dbFile: string;
  let db: Db;
  let key: string;
  let workspaceId: string;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  let peerDelayMs = 0;
  const procs: Spawned[] = [];
  const baseEnv = () => ({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: dbFile,
    DATA_DIR: dir,
    SWITCHYARD_MASTER_KEY: MASTER,
    SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
    SWITCHYARD_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    LOG_LEVEL: 'info',
  });

  const startApi = async (env: Record<string, string> = {}) => {
    const port = await freePort();
    const proc = spawnTs('server/src/main.ts', { ...baseEnv(), PORT: String(port), ...env });
    procs.push(proc);
    await proc.waitForOutput(/API server listening/, 60_000);
    return { proc, url: `http://127.0.0.1:${port}` };
  };
  const startWorker = async (env: Record<string, string> = {}) => {
    const proc = spawnTs('worker/src/main.ts', { ...baseEnv(), ...env });
    procs.push(proc);
    await proc.waitForOutput(/worker running/, 120_000);
    return proc;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-ops-'));
    dbFile = path.join(dir, 'switchyard.db');
    db = openDatabase(dbFile);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    workspaceId = boot.workspaceId;
    await setBackendFunctions(db, workspaceId, true);
    await openAccount(db, { workspaceId, plan: 'builder', credits: 1000 });
    peer = await startHttpPeer((hit) => ({ status: hit.path.startsWith('/bad') ? 400 : 200, body: { ok: true }, delayMs: peerDelayMs }));
  }, 60_000);

  // A test that failed half-way leaves no process behind to take the next test's runs.
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.signalGroup('SIGKILL');
      await p.exited;
    }
  });

  afterAll(async () => {
    for (const p of procs) p.signalGroup('SIGKILL');
    await db?.destroy();
    await peer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const publish = async (api: string, name: string, event: string, url: string) => {
    const created = await callApi(api, key, 'POST', '/api/flows', {
      name,
      document: {
        trigger: { type: 'event', event },
        nodes: [{ id: 'call', type: 'action', action: 'http.request@1', retry: { maximumAttempts: 1 }, inputs: { url, method: 'POST' } }],
        edges: [{ from: 'trigger', to: 'call' }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await callApi(api, key, 'POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
  };

  it('exposes the listed series of the API and the worker, with sane labels, after real runs', async () => {
    const api = await startApi();
    const metricsPort = await freePort();
    const worker = await startWorker({ WORKER_METRICS_PORT: String(metricsPort) });
    await publish(api.url, 'Good', 'order.good', `${peer.url}/good`);
    await publish(api.url, 'Bad', 'order.bad', `${peer.url}/bad`);
    for (const [name, id] of [
      ['order.good', 'g1'],
      ['order.good', 'g2'],
      ['order.bad', 'b1'],
    ])
      expect((await callApi(api.url, key, 'POST', '/v1/events', { name, id })).status).toBe(202);
    // A webhook delivery to a public endpoint whose token is not set: refused, and logged as such.
    const hook = await callApi(api.url, key, 'POST', '/api/flows', {
      name: 'Hook',
      document: {
        trigger: { type: 'webhook', source: 'public', secrets: ['OPS_HOOK_TOKEN'] },
        nodes: [{ id: 'done', type: 'end' }],
        edges: [{ from: 'trigger', to: 'done' }],
      },
    });
    const published = await callApi(api.url, key, 'POST', `/api/flows/${hook.body.id}/publish`, {});
    expect(
      (await fetch(api.url + published.body.webhook.livePath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    ).toBe(401);
    await pollUntil(
      'the runs to end',
      async () => {
        const runs = await db.selectFrom('runs').select('status').execute();
        return runs.length === 3 && runs.filter((r) => r.status === 'completed').length === 2 && runs.some((r) => r.status !== 'running') ? true : undefined;
      },
      60_000,
      300,
    );

    const apiMetrics = await scrape(`${api.url}/metrics`);
    const requests = samples(apiMetrics, 'switchyard_http_request_duration_seconds', { route: '/v1/events', method: 'POST', status: '202' });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.value).toBe(3);
    // Route templates, never raw paths with ids in them.
    const routes = samples(apiMetrics, 'switchyard_http_request_duration_seconds').map((m) => m.labels.route!);
    expect(routes).toContain('/api/flows/:flowId/publish');
    expect(routes.every((r) => r === 'unmatched' || !/flw_|wh_live_/.test(r))).toBe(true);
    expect(Number(samples(apiMetrics, 'switchyard_runs', { status: 'completed' })[0]!.value)).toBe(2);
    expect(Number(samples(apiMetrics, 'switchyard_webhook_deliveries', { result: 'rejected' })[0]!.value)).toBe(1);
    expect(Number(samples(apiMetrics, 'switchyard_credits', { kind: 'charge' })[0]!.value)).toBe(3);

    const workerMetrics = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    const ok = samples(workerMetrics, 'switchyard_activity_duration_seconds', { integration: 'http', activity: 'http.request@1', outcome: 'succeeded' });
    expect(ok[0]!.value).toBe(2);
    expect(Number(samples(workerMetrics, 'switchyard_activity_failures_total', { integration: 'http' })[0]!.value)).toBe(1);
    expect(Number(samples(workerMetrics, 'switchyard_activity_duration_seconds', { integration: 'switchyard' })[0]!.value)).toBeGreaterThan(0);
    expect(Number(samples(workerMetrics, 'switchyard_worker_slots', { kind: 'activity', state: 'max' })[0]!.value)).toBeGreaterThan(0);
    expect(samples(workerMetrics, 'switchyard_worker_slots', { kind: 'workflow', state: 'used' })).toHaveLength(1);
    // The Temporal SDK's own metrics, through the same scrape.
    const sdk = [...workerMetrics.keys()].filter((n) => n.startsWith('temporal_'));
    expect(sdk.length, `SDK metrics: ${sdk.join(', ')}`).toBeGreaterThan(3);
    expect(sdk).toEqual(expect.arrayContaining([expect.stringMatching(/^temporal_worker_task_slots_(available|used)$/)]));

    // Each log line about a failed activity names its run; no line carries the workspace's key.
    const line = worker
      .output()
      .split('\n')
      .find((l) => l.includes('activity attempt failed'));
    expect(JSON.parse(line!)).toMatchObject({ workspaceId, workflowId: expect.stringContaining(':b1'), activity: 'http.request@1' });
    expect(api.proc.output() + worker.output()).not.toContain(key);
    expect(api.proc.output() + worker.output()).not.toContain(MASTER);
    worker.signalGroup('SIGTERM');
    api.proc.signalGroup('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.proc.exited).toBe(0);
  }, 180_000);

  it('turns unready within 5 s when Temporal stops, naming the check, and ready again when it returns', async () => {
    const port = await freePort();
    let temporal = await startDevServer({ port });
    try {
      const api = await startApi({ TEMPORAL_ADDRESS: temporal.address });
      const ready = async () => {
        const res = await fetch(`${api.url}/api/ready`);
        return {
          status: res.status,
          body: (await res.json()) as { ready: boolean; failed: string[]; checks: Record<string, { ok: boolean; error?: string }> },
        };
      };
      await pollUntil('ready', async () => ((await ready()).status === 200 ? true : undefined), 20_000, 200);
      expect((await ready()).body).toMatchObject({
        ready: true,
        failed: [],
        checks: { database: { ok: true }, temporal: { ok: true }, migrations: { ok: true } },
      });
      await temporal.stop();
      const stoppedAt = Date.now();
      const down = await pollUntil('unready', async () => ((await ready()).status === 503 ? ready() : undefined), 10_000, 100);
      const unreadyMs = Date.now() - stoppedAt;
      expect(unreadyMs).toBeLessThan(5000);
      expect(down.body.failed).toEqual(['temporal']);
      expect(down.body.checks.temporal!.error).toBeTruthy();
      temporal = await startDevServer({ port });
      const back = Date.now();
      await pollUntil('ready again', async () => ((await ready()).status === 200 ? true : undefined), 20_000, 200);
      console.log(`readiness: unready ${unreadyMs} ms after Temporal stopped, ready again ${Date.now() - back} ms after it returned`);
      api.proc.signalGroup('SIGTERM');
      expect(await api.proc.exited).toBe(0);
    } finally {
      await temporal.stop();
    }
  }, 120_000);

  it('turns unready within 5 s when PostgreSQL stops, naming the check, and ready again when it returns', async () => {
    // A PostgreSQL server of this test's own (scripts/pg-cluster.sh), stopped and started again on the same folder and port.
    const pgDir = path.join(dir, 'readiness-pg');
    fs.chmodSync(dir, 0o755); // the server runs as the `postgres` user when the tests run as root
    const pgPort = await freePort();
    const pgCluster = (...args: string[]) => execFileSync('bash', [path.join(repoRoot, 'scripts', 'pg-cluster.sh'), ...args], { encoding: 'utf8' }).trim();
    const url = pgCluster('start', pgDir, String(pgPort));
    try {
      const api = await startApi({ DATABASE_URL: url });
      const ready = async () => {
        const res = await fetch(`${api.url}/api/ready`);
        return { status: res.status, body: (await res.json()) as { ready: boolean; failed: string[]; checks: Record<string, { ok: boolean; error?: string }> } };
      };
      await pollUntil('ready', async () => ((await ready()).status === 200 ? true : undefined), 20_000, 200);
      pgCluster('stop', pgDir);
      const stoppedAt = Date.now();
      const down = await pollUntil('unready', async () => ((await ready()).status === 503 ? ready() : undefined), 10_000, 100);
      const unreadyMs = Date.now() - stoppedAt;
      expect(unreadyMs).toBeLessThan(5000);
      expect(down.body.failed).toContain('database');
      expect(down.body.checks.database!.error).toBeTruthy();
      expect(down.body.checks.temporal!.ok).toBe(true);
      pgCluster('start', pgDir, String(pgPort));
      const back = Date.now();
      await pollUntil('ready again', async () => ((await ready()).status === 200 ? true : undefined), 20_000, 200);
      console.log(`readiness: unready ${unreadyMs} ms after PostgreSQL stopped, ready again ${Date.now() - back} ms after it returned`);
      api.proc.signalGroup('SIGTERM');
      expect(await api.proc.exited).toBe(0);
    } finally {
      pgCluster('stop', pgDir);
    }
  }, 120_000);

  it('on SIGTERM, the API finishes an in-flight request, ends event streams, takes no new request, and exits 0', async () => {
    const api = await startApi();
    const { port } = new URL(api.url);
    // A run no worker takes (none runs now): its event stream would stay open for as long as the run.
    await publish(api.url, 'Streamed', 'order.streamed', `${peer.url}/good`);
    const started = await callApi(api.url, key, 'POST', '/v1/events', { name: 'order.streamed', id: 'sse-1' });
    expect(started.status).toBe(202);
    const stream = await fetch(`${api.url}/v1/runs/${started.body.runs[0].runId}/events`, { headers: { authorization: `Bearer ${key}` } });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const streamEnded = stream.text();
    const body = JSON.stringify({ name: 'order.none', id: 'sigterm-1', data: { pad: 'x'.repeat(2000) } });
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (b: Buffer) => (answer += b.toString()));
    // Headers and half the body, then SIGTERM, then the rest: the request was in flight when the signal came.
    socket.write(
      `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    socket.write(body.slice(0, 1000));
    await new Promise((r) => setTimeout(r, 200));
    api.proc.signalGroup('SIGTERM');
    await api.proc.waitForOutput(/draining in-flight requests/, 5000);
    // No new connection is accepted.
    await expect(fetch(`${api.url}/api/health`)).rejects.toThrow();
    socket.write(body.slice(1000));
    const stoppedAt = Date.now();
    expect(await api.proc.exited).toBe(0);
    // The stream ended at once (the client reconnects elsewhere); nothing waited for the grace time.
    expect(typeof (await streamEnded)).toBe('string');
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 202/);
    socket.destroy();
  }, 60_000);

  it('on SIGTERM, the worker lets an in-flight activity finish, then exits 0', async () => {
    const api = await startApi();
    const worker = await startWorker();
    await publish(api.url, 'Slow', 'order.slow', `${peer.url}/slow`);
    peerDelayMs = 3000;
    const before = peer.hits.length;
    expect((await callApi(api.url, key, 'POST', '/v1/events', { name: 'order.slow', id: 's1' })).status).toBe(202);
    // Its own request: runs of the earlier tests (the failing one retries) may reach the peer meanwhile.
    await pollUntil('the slow request to reach the peer', async () => (peer.hits.slice(before).some((h) => h.path === '/slow') ? true : undefined), 30_000, 50);
    worker.signalGroup('SIGTERM');
    expect(await worker.exited).toBe(0);
    peerDelayMs = 0;
    // The attempt completed inside the stopping worker: a new worker finishes the run without sending it again.
    const attempts = await db
      .selectFrom('node_attempts')
      .select(['status', 'attempt'])
      .where('node_key', '=', 'call')
      .where('workflow_id', 'like', '%:s1')
      .execute();
    expect(attempts).toEqual([{ status: 'succeeded', attempt: 1 }]);
    await startWorker();
    await pollUntil(
      'the run to complete',
      async () =>
        (await db.selectFrom('runs').select('status').where('workflow_id', 'like', '%:s1').executeTakeFirst())?.status === 'completed' ? true : undefined,
      60_000,
      300,
    );
    expect(peer.hits.filter((h) => h.path === '/slow')).toHaveLength(1);
    api.proc.signalGroup('SIGTERM');
    expect(await api.proc.exited).toBe(0);
  }, 180_000);
});
