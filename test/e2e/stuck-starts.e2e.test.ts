import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog } from '#catalog';
import { RUN_FLOW_WORKFLOW } from '#core/names';
import { ensureWorkspace } from '#server/bootstrap';
import { resolveStuckStarts } from '#server/services/stuck-starts.service';
import { connectTemporal } from '#server/temporal';
import { openDatabase, type Db } from '#store/database';
import { getVersion } from '#store/flows.repository';
import { migrateToLatest } from '#store/migrate';
import { claimRun } from '#store/runs.repository';
import { callApi } from '../helpers/api';
import { freePort } from '../helpers/ports';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';

/**
 * No run stays `starting` (issue 18): a run claimed but never started (the API process killed between the claim and
 * Temporal's answer) is found by the API server's sweep and started, or marked started when the start had reached
 * Temporal. An app that sent its event once never loses it.
 */
describe('runs claimed but never started', () => {
  const taskQueue = `stuck-starts-${crypto.randomUUID()}`;
  let dir: string;
  let db: Db;
  let port: number;
  let key: string;
  let workspaceId: string;
  const processes: Spawned[] = [];
  const env = () => ({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: path.join(dir, 'switchyard.db'),
    DATA_DIR: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SWITCHYARD_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  });
  const startApi = async () => {
    const api = spawnTs('server/src/main.ts', env());
    processes.push(api);
    await pollUntil('the API to listen', () => fetch(`http://127.0.0.1:${port}/api/health`).then((r) => (r.ok ? true : undefined), () => undefined), 60_000);
    return api;
  };
  const call = (method: string, p: string, body?: unknown) => callApi(`http://127.0.0.1:${port}`, key, method, p, body);
  const countStarting = async () => Number((await db.selectFrom('runs').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'starting').executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-stuck-starts-'));
    db = openDatabase(path.join(dir, 'switchyard.db'));
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    workspaceId = boot.workspaceId;
    port = await freePort();
    const worker = spawnTs('worker/src/main.ts', { ...env(), LOG_LEVEL: 'info' });
    processes.push(worker);
    await worker.waitForOutput(/worker running/, 120_000);
  }, 150_000);

  afterAll(async () => {
    for (const p of processes) p.signalGroup('SIGKILL');
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const publishEventFlow = async (event: string) => {
    const created = await call('POST', '/api/flows', {
      name: `On ${event}`,
      document: {
        trigger: { type: 'event', event },
        nodes: [{ id: 'done', type: 'end', output: { n: { $expr: 'trigger.data.n' } } }],
        edges: [{ from: 'trigger', to: 'done' }],
      },
    });
    expect((await call('POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
    return created.body.id as string;
  };

  it('starts a claim that never reached Temporal, and marks one that did, from the claim alone', async () => {
    const api = await startApi();
    const flowId = await publishEventFlow('order.placed');
    const version = (await getVersion(db, workspaceId, flowId, 1))!;
    // Two claims as a killed process leaves them: one whose start never left, one whose start reached Temporal.
    const lost = await claimRun(db, { workspaceId, flowId, version: 1, workflowId: `stuck-lost-${crypto.randomUUID()}`, mode: 'live', trigger: { type: 'event', name: 'order.placed', id: 'e1', data: { n: 1 } } });
    const reached = await claimRun(db, { workspaceId, flowId, version: 1, workflowId: `stuck-reached-${crypto.randomUUID()}`, mode: 'live', trigger: { type: 'event', name: 'order.placed', id: 'e2', data: { n: 2 } } });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const started = await new Client({ connection }).workflow.start(RUN_FLOW_WORKFLOW, {
      taskQueue,
      workflowId: reached.run.workflow_id,
      args: [{ snapshot: version.snapshot, trigger: { type: 'event', name: 'order.placed', id: 'e2', data: { n: 2 } }, options: { runId: reached.run.id, workspaceId, flowId, version: 1, mode: 'live', actionDefaults: {}, record: true } }],
    });
    await connection.close();

    const temporal = connectTemporal({ address: inject('temporalAddress'), namespace: 'default', taskQueue });
    try {
      expect(await resolveStuckStarts({ db, temporal, catalog }, 0)).toEqual({ marked: 1, started: 1, failed: 0 });
    } finally {
      await temporal.close();
    }
    for (const [run, n] of [
      [lost.run, 1],
      [reached.run, 2],
    ] as const) {
      const done = await pollUntil(`run ${run.id} to complete`, async () => ((await call('GET', `/api/runs/${run.id}`)).body.status === 'completed' ? (await call('GET', `/api/runs/${run.id}`)).body : undefined), 30_000);
      expect(done.output).toEqual({ n });
    }
    expect((await db.selectFrom('runs').select('temporal_run_id').where('id', '=', reached.run.id).executeTakeFirstOrThrow()).temporal_run_id).toBe(started.firstExecutionRunId);
    api.signalGroup('SIGKILL');
    await api.exited;
  }, 120_000);

  it('the API server killed during a burst of app events sent once: within a minute no run is left starting, and every claimed run completes', async () => {
    let api = await startApi();
    await publishEventFlow('signup.completed');
    const TOTAL = 400;
    let next = 0;
    let answered = 0;
    const burst = Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < TOTAL) {
          const n = next++;
          // Sent once, like an app that does not retry: a request cut by the kill is simply lost to the app.
          await fetch(`http://127.0.0.1:${port}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'signup.completed', id: `signup-${n}`, data: { n } }),
          }).then(
            (r) => r.arrayBuffer().then(() => (answered += r.ok ? 1 : 0)),
            () => undefined,
          );
        }
      }),
    );
    await pollUntil('a third of the burst answered', async () => (answered >= TOTAL / 3 ? true : undefined), 60_000, 5);
    api.signalGroup('SIGKILL');
    await api.exited;
    await burst;
    const stuckAfterKill = await countStarting();
    console.log(`stuck-starts: ${answered} of ${TOTAL} events answered before the kill; ${stuckAfterKill} claims left starting by it`);

    api = await startApi();
    const killedAt = Date.now();
    await pollUntil('no run left starting', async () => ((await countStarting()) === 0 ? true : undefined), 70_000, 500);
    console.log(`stuck-starts: none left starting ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the restart`);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    const claimed = await db.selectFrom('runs').select(['id', 'status']).where('trigger', 'like', '%signup.completed%').execute();
    expect(claimed.length).toBeGreaterThanOrEqual(answered);
    await pollUntil(
      'every claimed run to complete',
      async () => {
        const rows = await db.selectFrom('runs').select('status').where('trigger', 'like', '%signup.completed%').execute();
        return rows.every((r) => r.status === 'completed') ? true : undefined;
      },
      60_000,
      500,
    );
  }, 240_000);
});
