/**
 * The scale-out figures of issue 21, each measured against its baseline in the same run:
 *
 *   1. Runs/s of the interpreter shapes on Temporal's server on PostgreSQL (scripts/lib/temporal-cluster.ts) against
 *      the dev server (SQLite in memory): one in-process worker per server, created with the same options; rounds
 *      alternate which server goes first. Ratio = cluster / dev server.
 *   2. App-event ingest (`POST /v1/events`, `--concurrency` in flight) with 1 API server against 2 (requests spread
 *      round robin, as a load balancer does): real `server/src/main.ts` processes, Switchyard's data on PostgreSQL,
 *      Temporal the cluster. Ratio = 2 servers / 1 server.
 *
 *   npm run bench:cluster -- [--runs 100] [--events 400] [--concurrency 20] [--rounds 3] [--shapes single1,linear10,fanout10]
 *
 * Everything runs on this machine (2 cores here): the servers compete with PostgreSQL, Temporal and the load
 * generator for the same cores, so the figures are ratios on one box, not what separate machines would give.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pg from 'pg';
import pino from 'pino';
import { ALL_SCOPES } from '#core/access';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { ActionActivityInput, ActionActivityResult, RunFlowInput } from '#core/run';
import { ensureWorkspace } from '#server/bootstrap';
import { openAccount } from '#store/credits.repository';
import { generateMasterKeyText } from '#store/crypto';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { ephemeralSecretStore } from '#store/secrets';
import { createSwitchyardWorker, WORKFLOW_BUNDLE_OPTIONS } from '#worker/worker';
import { startTemporalCluster } from '../scripts/lib/temporal-cluster';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { freePort } from '../test/helpers/ports';
import { spawnTs, type Spawned } from '../test/helpers/processes';
import { markdownTable, median, positiveInt } from './lib/report';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    events: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    shapes: { type: 'string', default: 'single1,linear10,fanout10' },
  },
});
const RUNS = positiveInt('runs', args.runs);
const EVENTS = positiveInt('events', args.events);
const CONCURRENCY = positiveInt('concurrency', args.concurrency);
const ROUNDS = positiveInt('rounds', args.rounds);

const NOOP_ACTION = 'bench.noop@1';
const noop = async (_input: ActionActivityInput): Promise<ActionActivityResult> => ({ output: { ok: true }, attempt: 1 });
const action = (id: string) => ({ id, type: 'action', action: NOOP_ACTION });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const ALL_SHAPES: Record<string, unknown> = {
  single1: { trigger: { type: 'manual' }, nodes: [action('n1')], edges: [{ from: 'trigger', to: 'n1' }] },
  linear10: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id, i) => ({ from: i === 0 ? 'trigger' : `n${i}`, to: id })) },
  fanout10: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id) => ({ from: 'trigger', to: id })) },
};
const SHAPES = args.shapes.split(',').map((s) => s.trim());
for (const s of SHAPES) if (!(s in ALL_SHAPES)) throw new Error(`--shapes: unknown shape ${s}; known: ${Object.keys(ALL_SHAPES).join(', ')}`);

const quiet = { trace: () => {}, debug: () => {}, info: () => {}, log: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
const cleanup: (() => Promise<unknown>)[] = [];

/** Runs `n` jobs, `concurrency` in flight; jobs per second. */
async function throughput(n: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await job(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/** Part 1: the interpreter shapes on each Temporal; runs/s per server, rounds alternating. */
async function interpreterOnEach(servers: Record<'dev' | 'cluster', string>, bundlePath: string) {
  const db = openDatabase(':memory:');
  cleanup.push(() => db.destroy());
  await migrateToLatest(db);
  const run: Record<string, (shape: string) => Promise<void>> = {};
  for (const [name, address] of Object.entries(servers)) {
    const nativeConnection = await NativeConnection.connect({ address });
    cleanup.push(() => nativeConnection.close());
    const taskQueue = `bench-${crypto.randomUUID()}`;
    const worker = await createSwitchyardWorker({
      secrets: ephemeralSecretStore(db),
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db,
      integrations: [],
      logger: pino({ level: 'silent' }),
      httpAllow: [],
      workflowBundle: { codePath: bundlePath },
      extraActivities: { [NOOP_ACTION]: noop },
    });
    const running = worker.run();
    cleanup.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await worker.closeHttp();
    });
    const connection = await Connection.connect({ address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
    run[name] = async (shape) => {
      const workflowId = `bench-${shape}-${crypto.randomUUID()}`;
      const input: RunFlowInput = {
        snapshot: toSnapshot(FlowDocument.parse(ALL_SHAPES[shape])),
        trigger: { type: 'manual', data: {} },
        options: { runId: `run_${workflowId}`, workspaceId: 'ws_bench', flowId: 'flw_bench', version: 1, mode: 'live', actionDefaults: {}, record: false },
      };
      const state = (await client.workflow.execute('runFlow', { taskQueue, workflowId, workflowExecutionTimeout: '2m', args: [input] })) as { status: string };
      if (state.status !== 'completed') throw new Error(`${name} ${shape}: ${JSON.stringify(state)}`);
    };
  }
  const sides = Object.keys(servers);
  console.log(`Warming up both servers…`);
  for (const shape of SHAPES) for (const side of sides) await throughput(20, CONCURRENCY, () => run[side]!(shape));
  const rows: string[][] = [];
  for (const shape of SHAPES) {
    const samples: Record<string, number[]> = { dev: [], cluster: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 ? [...sides].reverse() : sides) samples[side]!.push(await throughput(RUNS, CONCURRENCY, () => run[side]!(shape)));
      console.log(`  ${shape} round ${r + 1}: dev ${samples.dev![r]!.toFixed(1)}/s, cluster ${samples.cluster![r]!.toFixed(1)}/s`);
    }
    const ratio = median(samples.cluster!.map((c, r) => c / samples.dev![r]!));
    rows.push([shape, median(samples.dev!).toFixed(1), median(samples.cluster!).toFixed(1), ratio.toFixed(2)]);
  }
  return rows;
}

/** Part 2: `POST /v1/events` through 1 API server and through 2; events/s each, rounds alternating. */
async function ingestOneVsTwo(temporalAddress: string, temporalPid: number | undefined, postgresUrl: string, dir: string) {
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query('create database switchyard_bench');
  await admin.end();
  const databaseUrl = postgresUrl.replace(/\/[^/]*$/, '/switchyard_bench');
  const db = openDatabase(databaseUrl);
  cleanup.push(() => db.destroy());
  await migrateToLatest(db);
  const boot = await ensureWorkspace(db, ALL_SCOPES);
  const key = boot.keys!.live;
  await openAccount(db, { workspaceId: boot.workspaceId, plan: 'builder', credits: 1_000_000 });
  const masterKey = generateMasterKeyText();
  const apis: { url: string; proc: Spawned }[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const proc = spawnTs('server/src/main.ts', {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: 'bench-ingest', // no worker: the runs wait in Temporal, ingest alone is measured
      SWITCHYARD_MASTER_KEY: masterKey,
      SWITCHYARD_AUTH_FAILURES_PER_KEY: '1000000',
      DATA_DIR: path.join(dir, `api-${i}`),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    cleanup.push(async () => {
      proc.signalGroup('SIGKILL');
      await proc.exited;
    });
    const url = `http://127.0.0.1:${port}`;
    for (
      let waited = 0;
      !(await fetch(`${url}/api/ready`).then(
        (r) => r.ok,
        () => false,
      ));
      waited += 200
    ) {
      if (waited > 90_000 || proc.proc.exitCode !== null) throw new Error(`API server ${i} did not become ready:\n${proc.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    apis.push({ url, proc });
  }
  const call = async (base: string, method: string, p: string, body: unknown) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const flow = await call(apis[0]!.url, 'POST', '/api/flows', {
    name: 'Ingest bench',
    document: {
      trigger: { type: 'event', event: 'bench.ingest' },
      nodes: [{ id: 'n1', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: 'data' } }],
      edges: [{ from: 'trigger', to: 'n1' }],
    },
  });
  await call(apis[0]!.url, 'POST', `/api/flows/${String(flow.id)}/publish`, {});
  const send = (servers: number) => async (i: number) => {
    await call(apis[i % servers]!.url, 'POST', '/v1/events', { name: 'bench.ingest', id: `evt_${crypto.randomUUID()}`, data: { i } });
  };
  console.log('Warming up both API servers…');
  await throughput(60, CONCURRENCY, send(2));
  const samples: Record<1 | 2, IngestSample[]> = { 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const servers of r % 2 ? ([2, 1] as const) : ([1, 2] as const)) {
      const before = { api: apis.map((a) => cpuSeconds(a.proc.proc.pid)), temporal: cpuSeconds(temporalPid), machine: machineCpuSeconds() };
      const perSecond = await throughput(EVENTS, CONCURRENCY, send(servers));
      const ms = (after: number, was: number) => ((after - was) * 1000) / EVENTS;
      samples[servers].push({
        perSecond,
        apiMs: apis.reduce((sum, a, i) => sum + ms(cpuSeconds(a.proc.proc.pid), before.api[i]!), 0),
        temporalMs: ms(cpuSeconds(temporalPid), before.temporal),
        machineMs: ms(machineCpuSeconds(), before.machine),
      });
    }
    const show = (x: IngestSample) =>
      `${x.perSecond.toFixed(1)}/s (cpu ms/event: API ${x.apiMs.toFixed(1)}, Temporal ${x.temporalMs.toFixed(1)}, machine ${x.machineMs.toFixed(1)})`;
    console.log(`  ingest round ${r + 1}: 1 server ${show(samples[1][r]!)}, 2 servers ${show(samples[2][r]!)}`);
  }
  const row = (servers: 1 | 2) => {
    const m = (k: keyof IngestSample) => median(samples[servers].map((x) => x[k]));
    const ratio = servers === 1 ? 1 : median(samples[2].map((x, r) => x.perSecond / samples[1][r]!.perSecond));
    return [String(servers), m('perSecond').toFixed(1), ratio.toFixed(2), m('apiMs').toFixed(1), m('temporalMs').toFixed(1), m('machineMs').toFixed(1)];
  };
  return [row(1), row(2)];
}

interface IngestSample {
  perSecond: number;
  /** CPU ms per event of the API servers together, of Temporal's server, and of the whole machine (every process). */
  apiMs: number;
  temporalMs: number;
  machineMs: number;
}

/** CPU seconds a process has used (utime + stime from /proc; Linux), 0 when unknown. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds the whole machine has spent busy (every core, everything but idle and iowait), from /proc/stat. */
function machineCpuSeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

async function main(): Promise<void> {
  const started = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-cluster-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL (as `postgres` when we are root) reaches its data folder through it
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  console.log('Starting a Temporal dev server and a Temporal cluster on PostgreSQL, bundling the workflows…');
  const [dev, cluster, bundle] = await Promise.all([
    startDevServer({ port: await freePort() }),
    startTemporalCluster({ dir: path.join(dir, 'temporal'), namespace: 'default' }),
    bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quiet }),
  ]);
  cleanup.push(
    () => dev.stop(),
    () => cluster.stop(),
  );
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  console.log(`\n1. Interpreter shapes, ${RUNS} runs per measurement, ${CONCURRENCY} in flight, ${ROUNDS} rounds:`);
  const shapes = await interpreterOnEach({ dev: dev.address, cluster: cluster.address }, bundlePath);
  console.log(`\n2. App-event ingest, ${EVENTS} events per measurement, ${CONCURRENCY} in flight, ${ROUNDS} rounds:`);
  const ingest = await ingestOneVsTwo(cluster.address, cluster.serverPid, cluster.postgresUrl, dir);

  console.log(`\nRuns/s, medians of ${ROUNDS} rounds; ratio = cluster on PostgreSQL / dev server, median of per-round ratios:\n`);
  console.log(markdownTable(['shape', 'dev server runs/s', 'cluster runs/s', 'ratio'], shapes));
  console.log(`\nApp-event ingest, medians of ${ROUNDS} rounds; ratio = 2 servers / 1 server, median of per-round ratios:\n`);
  console.log(markdownTable(['API servers', 'events/s', 'ratio', 'API cpu ms/event', 'Temporal cpu ms/event', 'machine cpu ms/event'], ingest));
  console.log(`\nTotal time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}

async function stopAll(): Promise<void> {
  while (cleanup.length) await cleanup.pop()!().catch((err: unknown) => console.error('cleanup:', err));
}
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.once('SIGTERM', () => void stopAll().then(() => process.exit(143)));

main().then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (err: unknown) => {
    console.error(err);
    await stopAll();
    process.exit(1);
  },
);
