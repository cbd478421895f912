import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogIndex } from '#core/catalog-sdk';
import type { RunState } from '#core/run';
import { actionDefaultsOf } from '#core/run-admission';
import { integrations } from '#catalog';
import type { Db } from '#store/database';
import { devServerPragmas, startDevServer, type DevServer } from '../../scripts/lib/temporal-dev-server';
import { linearFlow } from '../helpers/flows';
import { freePort } from '../helpers/ports';
import { pollUntil } from '../helpers/processes';
import { startTestWorker, testDataConverter, testDb } from '../helpers/temporal';

/**
 * `npm start`'s dev server keeps its SQLite file with a write-ahead log and synchronous=NORMAL (TEMPORAL_DEV_SYNC's
 * default; README, Durability): a commit is acknowledged once it is in the OS's cache. Killing the dev server
 * (`kill -9`) mid-burst must lose no run whose start it acknowledged, and every one of them completes after a restart
 * on the same file. (An OS crash is what that setting may lose, and cannot be staged here.)
 */
const RUNS = 200;
const CONCURRENCY = 10;

describe('the dev server killed with kill -9 during a burst (npm start’s SQLite settings)', () => {
  let dir: string;
  let port: number;
  let server: DevServer;
  let db: Db;
  let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  const taskQueue = `dev-crash-${crypto.randomUUID()}`;
  const start = () => startDevServer({ port, dbFile: path.join(dir, 'temporal.db'), sqlitePragmas: devServerPragmas('normal'), retentionDays: 1 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-dev-crash-'));
    port = await freePort();
    server = await start();
    db = await testDb();
    worker = await startTestWorker({ db, taskQueue, temporal: { address: server.address } });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`loses none of ${RUNS} acknowledged runs, and completes every one after the restart`, async () => {
    expect(fs.existsSync(path.join(dir, 'temporal.db-wal'))).toBe(true);
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter: testDataConverter });
    const input = linearFlow([{ id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: 'data.n * 2' } }], {
      mode: 'live',
      workspaceId: 'ws_crash',
    });
    input.options.actionDefaults = actionDefaultsOf(input.snapshot, catalogIndex(integrations));
    const acknowledged = new Map<string, number>();
    let next = 0;
    let killed = false;
    const lanes = Array.from({ length: CONCURRENCY }, async () => {
      while (next < RUNS) {
        const n = next++;
        const workflowId = `crash-${n}-${crypto.randomUUID()}`;
        try {
          await client.workflow.start('runFlow', { taskQueue, workflowId, args: [{ ...input, trigger: { type: 'manual', data: { n } } }] });
          acknowledged.set(workflowId, n);
        } catch {
          // not acknowledged (the server was down): the sender would resend; nothing is promised for it
        }
        if (!killed && acknowledged.size >= RUNS / 2) {
          killed = true;
          process.kill(server.pid!, 'SIGKILL');
          await server.stop(); // reaps it
          server = await start(); // on the same file and port, as `npm start` again would
        }
      }
    });
    await Promise.all(lanes);
    expect(killed).toBe(true);
    // Every acknowledged start is there and completes, with its own output.
    for (const [workflowId, n] of acknowledged) {
      const state = await pollUntil(
        `${workflowId} to complete`,
        async () => {
          try {
            return (await client.workflow.getHandle(workflowId).result()) as RunState;
          } catch {
            return undefined; // the connection is coming back
          }
        },
        120_000,
        500,
      );
      expect(state.status).toBe('completed');
      expect(state.nodes.shape!.output).toEqual({ result: n * 2 });
    }
    console.log(`dev server crash: ${acknowledged.size} of ${RUNS} starts acknowledged (the rest refused while it was down), all completed after the restart`);
    await connection.close();
  }, 300_000);
});
