/**
 * The processes bench/e2e.bench.ts measures, started as `npm start` starts them (scripts/start.ts): the Temporal dev
 * server with its file database through the same `startDevServer` and options, then the API server and the worker as
 * separate `node --import tsx` processes sharing one DATA_DIR (SQLite file, WAL), every other setting at its default.
 * Beside them the bare baseline's API and worker, on the same dev server. Everything listens on 127.0.0.1 on free
 * ports. Each process is stopped by its pid (a node process: its process group), newest first, by the caller's cleanup.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { ALL_SCOPES } from '#core/access';
import { ensureWorkspace } from '#server/bootstrap';
import { openAccount } from '#store/credits.repository';
import { generateMasterKeyText, parseMasterKey } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { setBackendFunctions } from '#store/settings.repository';
import { devServerPragmas, startDevServer } from '../../scripts/lib/temporal-dev-server';
import { freePort } from '../../test/helpers/ports';
import { pollUntil, spawnTs, type Spawned } from '../../test/helpers/processes';
import { webhookSecret } from '../../test/helpers/webhook-signing';

/** The task queue of Switchyard's runs: the default of TEMPORAL_TASK_QUEUE. */
export const SWITCHYARD_TASK_QUEUE = 'switchyard';
export const BARE_TASK_QUEUE = 'bare-e2e';

/** The pids whose CPU is read: each the root of its process tree. */
export interface Pids {
  api: number;
  temporal: number;
  worker: number;
}

export interface System {
  apiUrl: string;
  /** A live key with every scope. */
  key: string;
  stripeSecret: string;
  bareUrl: string;
  /** The bench's own HTTP server the http.request flows call (answers `{ ok: true }`). */
  targetUrl: string;
  db: Db;
  client: Client;
  switchyard: Pids;
  bare: Pids;
  /** Everything the bare worker has printed: a `done <workflowId> <ms>` line per finished run. */
  bareWorkerOutput(): string;
}

export type Cleanup = () => Promise<unknown>;

/** Ends a spawned process's group: SIGTERM, SIGKILL after 15 s. */
async function stopGroup(p: Spawned): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.signalGroup('SIGTERM');
  const timer = setTimeout(() => p.signalGroup('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

/** The database as `npm start` leaves it before first use, plus what the benchmark needs: a key with every scope, credits, Stripe's signing secret. */
async function bootstrap(dbFile: string, masterKey: string): Promise<{ db: Db; key: string; stripeSecret: string }> {
  const db = openDatabase(dbFile);
  await migrateToLatest(db);
  const boot = await ensureWorkspace(db, ALL_SCOPES);
  await setBackendFunctions(db, boot.workspaceId, true);
  await openAccount(db, { workspaceId: boot.workspaceId, plan: 'builder', credits: 10_000_000 });
  const stripeSecret = webhookSecret('stripe');
  await new SecretStore(db, parseMasterKey(masterKey, 'bench')).put(boot.workspaceId, 'STRIPE_WEBHOOK_SECRET', { live: stripeSecret });
  return { db, key: boot.keys!.live, stripeSecret };
}

/** An HTTP server answering every request `{ "ok": true }` after reading its body. */
async function startTarget(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Starts everything. What it starts is pushed on `cleanup` as it starts (the caller stops it all, newest first, also
 * when this throws part-way or a signal comes). `bareExpressions`: the transform expressions of each bare shape.
 */
export async function startSystem(dir: string, bareExpressions: Record<string, string[]>, cleanup: Cleanup[], log: (line: string) => void): Promise<System> {
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const masterKey = generateMasterKeyText();
  const { db, key, stripeSecret } = await bootstrap(path.join(dataDir, 'switchyard.db'), masterKey);
  cleanup.push(() => db.destroy());
  const target = await startTarget();
  cleanup.push(target.close);
  // scripts/start.ts's call, with free ports for TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT.
  const sync = process.env.TEMPORAL_DEV_SYNC === 'full' ? 'full' : 'normal';
  const dev = await startDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    dbFile: path.join(dataDir, 'temporal.db'),
    sqlitePragmas: devServerPragmas(sync),
    retentionDays: 30,
  });
  cleanup.push(() => dev.stop());
  log(`Temporal dev server at ${dev.address} (database ${dataDir}/temporal.db, TEMPORAL_DEV_SYNC=${sync})`);
  const connection = await Connection.connect({ address: dev.address });
  cleanup.push(() => connection.close());
  const processes = await startProcesses({ dataDir, masterKey, temporal: connection, bareExpressions, targetUrl: target.url }, cleanup);
  return {
    ...processes.urls,
    key,
    stripeSecret,
    targetUrl: target.url,
    db,
    client: new Client({ connection }),
    switchyard: { api: processes.pids.api, temporal: dev.pid!, worker: processes.pids.worker },
    bare: { api: processes.pids.bareApi, temporal: dev.pid!, worker: processes.pids.bareWorker },
    bareWorkerOutput: processes.bareWorkerOutput,
  };
}

interface ProcessOptions {
  dataDir: string;
  masterKey: string;
  /** The dev server: its address, and where the workers' pollers are seen. */
  temporal: Connection;
  bareExpressions: Record<string, string[]>;
  targetUrl: string;
}

/** The four node processes, each in its own process group; all four start at once and are waited for. */
async function startProcesses(o: ProcessOptions, cleanup: Cleanup[]) {
  const address = o.temporal.options.address;
  const spawn = (entry: string, env: NodeJS.ProcessEnv) => {
    const p = spawnTs(entry, env);
    cleanup.push(() => stopGroup(p));
    return p;
  };
  const [apiPort, barePort] = [await freePort(), await freePort()];
  // What `npm start` gives both (its env plus TEMPORAL_ADDRESS); HOST, the master key, the HTTP allow list and the
  // ports are the benchmark's. LOG_LEVEL stays at its default (info), as with `npm start`.
  const env = {
    DATA_DIR: o.dataDir,
    TEMPORAL_ADDRESS: address,
    SWITCHYARD_MASTER_KEY: o.masterKey,
    SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
  };
  const api = spawn('server/src/main.ts', env);
  const worker = spawn('worker/src/main.ts', env);
  const bareEnv = { TEMPORAL_ADDRESS: address, BARE_TASK_QUEUE };
  const bareWorker = spawn('bench/e2e/bare-worker.ts', bareEnv);
  const bareApi = spawn('bench/e2e/bare-server.ts', {
    ...bareEnv,
    PORT: String(barePort),
    BARE_EXPRESSIONS: JSON.stringify(o.bareExpressions),
    BARE_HTTP_URL: `${o.targetUrl}/bare`,
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await Promise.all([
    pollUntil(
      'the API server to be ready',
      () =>
        fetch(`${apiUrl}/api/ready`).then(
          (r) => (r.ok ? true : undefined),
          () => undefined,
        ),
      120_000,
      250,
    ),
    // A worker is ready when it polls its task queue: whatever LOG_LEVEL says (the environment passes through).
    waitForPoller(o.temporal, SWITCHYARD_TASK_QUEUE, worker),
    waitForPoller(o.temporal, BARE_TASK_QUEUE, bareWorker),
    bareApi.waitForOutput(/bare server listening/, 60_000),
  ]);
  return {
    urls: { apiUrl, bareUrl: `http://127.0.0.1:${barePort}` },
    pids: { api: api.proc.pid!, worker: worker.proc.pid!, bareApi: bareApi.proc.pid!, bareWorker: bareWorker.proc.pid! },
    bareWorkerOutput: bareWorker.output,
  };
}

/** Waits until some worker polls `taskQueue` for workflow tasks; fails at once if `worker` exits first. */
async function waitForPoller(temporal: Connection, taskQueue: string, worker: Spawned): Promise<void> {
  await pollUntil(
    `a worker polling ${taskQueue}`,
    async () => {
      if (worker.proc.exitCode !== null) throw new Error(`the worker of ${taskQueue} exited (${worker.proc.exitCode}):\n${worker.output().slice(-3000)}`);
      const { pollers } = await temporal.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (pollers?.length ?? 0) > 0 ? true : undefined;
    },
    180_000,
    250,
  );
}

/** A fresh id for a request: unique across rounds, so no dedupe ever answers from an earlier run. */
export function eventId(prefix: string): string {
  return `evt_${prefix}_${crypto.randomBytes(8).toString('hex')}`;
}
