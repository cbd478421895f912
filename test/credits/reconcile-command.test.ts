import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrations } from '#catalog';
import type { ReconcileReport } from '../../scripts/lib/credits-reconcile';
import { openAccount } from '#store/credits.repository';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { emptyTestDatabaseUrl, testDatabaseUrl } from '../helpers/database';
import { runNodesWithId } from '../helpers/flows';
import { startHttpPeer } from '../helpers/http-peer';
import { startTestWorker, temporalClient, testMasterKey } from '../helpers/temporal';

/** `npm run credits:reconcile -- --from … --to …` as operators run it: a time range, a database file, read-only. */
const taskQueue = `reconcile-${crypto.randomUUID()}`;
let dir: string;
let dbUrl: string;
let db: Db;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-reconcile-'));
  dbUrl = await testDatabaseUrl(dir);
  db = openDatabase(dbUrl);
  await migrateToLatest(db);
  worker = await startTestWorker({ db, taskQueue, integrations });
  temporal = await temporalClient();
  peer = await startHttpPeer(() => ({ body: { ok: true } }));
});

afterAll(async () => {
  await worker?.stop();
  await temporal?.close();
  await peer?.close();
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function reconcile(databaseUrl: string, from: string, to: string) {
  const args = ['--import', 'tsx', 'scripts/credits-reconcile.ts', '--from', from, '--to', to, '--json'];
  // The test workers' master key: the command decrypts the histories they wrote (payload encryption).
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    SWITCHYARD_MASTER_KEY: testMasterKey.key.toString('hex'),
  };
  return promisify(execFile)(process.execPath, args, { env, cwd: path.resolve(import.meta.dirname, '../..') }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('the credits:reconcile command', () => {
  it('reconciles the runs of a time range from Temporal and the ledger', async () => {
    const workspaceId = 'ws_reconcile';
    await openAccount(db, { workspaceId, plan: 'builder', credits: 10 });
    const from = new Date(Date.now() - 5_000).toISOString();
    const node = (id: string) => ({ id, type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/${id}` } });
    const { state, workflowId } = await runNodesWithId(temporal.client, taskQueue, [node('a'), node('b')], { mode: 'live', workspaceId });
    expect(state.status).toBe('completed');
    const to = new Date(Date.now() + 5_000).toISOString();
    const out = await reconcile(dbUrl, from, to);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as ReconcileReport;
    expect(report).toMatchObject({ from, to });
    expect(report.runs.map((r) => r.workflowId)).toEqual([workflowId]);
    expect(report.totals).toMatchObject({ runs: 1, attempts: 2, charges: 2, credits: 2, unconfirmed: 0, unknown: 0, missing: 0 });
    // A range before the run lists nothing.
    const before = await reconcile(dbUrl, new Date(Date.now() - 3600_000).toISOString(), from);
    expect(JSON.parse(before.stdout).totals.runs).toBe(0);
  });

  it('never migrates: a database that is not up to date is refused and left as it was', async () => {
    const url = await emptyTestDatabaseUrl(dir, 'old.db');
    const out = await reconcile(url, new Date(Date.now() - 60_000).toISOString(), new Date().toISOString());
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/is not migrated \(pending: 0001-initial, 0002-secrets, .*\)/);
    const check = openDatabase(url, { readonly: true });
    expect(await check.introspection.getTables({ withInternalKyselyTables: true })).toEqual([]);
    await check.destroy();
  });
});
