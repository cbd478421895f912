/**
 * Switchyard's own data on PostgreSQL vs SQLite, on the API's hot paths, in the same run:
 *
 *   npm run bench:store -- [--ops 2000] [--concurrency 20] [--rounds 3] [--pool 10]
 *
 * - `claim`: an app event's run claim (store/src/runs.repository.ts claimRun, `insert … on conflict do nothing` on
 *   the workflow id); every other claim repeats the previous id, as a resent event does (dedupe).
 * - `webhook`: a webhook delivery with a dedupe key (insertDelivery); every other one is a copy of the previous event.
 * - `charge`: a live credit charge of one request (charge: ledger row + debit in one transaction; PostgreSQL locks
 *   the account row).
 *
 * SQLite is a file in WAL mode, as in production; PostgreSQL a throwaway cluster on 127.0.0.1 (scripts/pg-cluster.sh,
 * fsync off as in the tests: commits are not waited for on disk, which favours PostgreSQL) with a pool of `--pool`
 * connections. `--concurrency` callers at a time in this one process. Rounds alternate which side goes first; the
 * table shows medians of operations/s and of the per-round ratio postgres / sqlite (above 1: PostgreSQL faster).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { charge, openAccount } from '#store/credits.repository';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { claimRun } from '#store/runs.repository';
import { insertDelivery, upsertEndpoint } from '#store/webhooks.repository';
import { createWorkspace } from '#store/workspaces.repository';
import { startTestPostgres } from '../test/helpers/postgres-cluster';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    pool: { type: 'string', default: '10' },
  },
});
const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const POOL = Number(args.pool);
const PATHS = ['claim', 'webhook', 'charge'] as const;
type PathName = (typeof PATHS)[number];

interface Side {
  name: 'sqlite' | 'postgres';
  db: Db;
  workspaceId: string;
  endpointId: string;
}

async function prepare(name: Side['name'], db: Db): Promise<Side> {
  await migrateToLatest(db);
  const ws = await createWorkspace(db, 'bench');
  await openAccount(db, { workspaceId: ws.id, plan: 'builder', credits: 1_000_000_000 });
  const { row } = await upsertEndpoint(db, ws.id, { kind: 'inbox', source: 'stripe', secretNames: ['S'] });
  return { name, db, workspaceId: ws.id, endpointId: row.id };
}

/** One operation of a hot path; `i` numbers it within the round (`round` keeps keys unique across rounds). */
function operation(side: Side, p: PathName, round: number, i: number): Promise<unknown> {
  const key = `${round}:${Math.floor(i / 2)}`; // every other operation repeats the previous key (claim, webhook)
  const now = new Date().toISOString();
  switch (p) {
    case 'claim':
      return claimRun(side.db, {
        workspaceId: side.workspaceId,
        flowId: 'flw_bench',
        version: 1,
        workflowId: `event:flw_bench:live:${key}`,
        mode: 'live',
        trigger: {},
      });
    case 'webhook':
      return insertDelivery(
        side.db,
        {
          workspace_id: side.workspaceId,
          endpoint_id: side.endpointId,
          mode: 'live',
          received_at: now,
          claimed_at: now,
          headers: '{}',
          body: '{"id":"evt"}',
          payload: '{}',
          verified: 1,
          status: 'received',
          error: null,
          event_id: `evt_${key}`,
          event_type: 'payment_intent.succeeded',
        },
        `evt_${key}`,
      );
    case 'charge':
      return charge(side.db, {
        id: `charge:${round}:${i}`,
        workspaceId: side.workspaceId,
        mode: 'live',
        credits: 1,
        integration: 'http',
        action: 'request',
        workflowId: `wf_${round}_${i}`,
        temporalRunId: 'r',
        activityId: 'a',
        attempt: 1,
        requestIndex: 0,
        nodeKey: 'n',
      });
  }
}

/** Runs OPS operations, CONCURRENCY at a time; operations/s and p99 latency (ms). */
async function measure(side: Side, p: PathName, round: number): Promise<{ opsPerSec: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) {
        const i = next++;
        const t = performance.now();
        await operation(side, p, round, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { opsPerSec: OPS / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-store-bench-'));
  const cluster = await startTestPostgres();
  try {
    const pgUrl = new URL(cluster.url);
    pgUrl.pathname = '/switchyard_template'; // migrated by startTestPostgres; the bench's own database
    const sides = [
      await prepare('sqlite', openDatabase(path.join(dir, 'switchyard.db'))),
      await prepare('postgres', openDatabase(pgUrl.toString(), { poolSize: POOL })),
    ];
    console.log(`ops ${OPS} per path and side, concurrency ${CONCURRENCY}, rounds ${ROUNDS}, PostgreSQL pool ${POOL}; ${os.cpus().length} CPUs`);
    // Warm-up: a round's worth each, not counted.
    for (const side of sides) for (const p of PATHS) await measure(side, p, -1);
    const results = new Map<string, { ops: number[]; p99: number[]; ratio: number[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of PATHS) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        const got: Record<string, { opsPerSec: number; p99: number }> = {};
        for (const side of order) got[side.name] = await measure(side, p, round);
        for (const side of sides) {
          const r = results.get(`${p}:${side.name}`) ?? { ops: [], p99: [], ratio: [] };
          r.ops.push(got[side.name]!.opsPerSec);
          r.p99.push(got[side.name]!.p99);
          results.set(`${p}:${side.name}`, r);
        }
        const ratio = results.get(`${p}:ratio`) ?? { ops: [], p99: [], ratio: [] };
        ratio.ratio.push(got.postgres!.opsPerSec / got.sqlite!.opsPerSec);
        results.set(`${p}:ratio`, ratio);
        console.log(`round ${round + 1} ${p}: sqlite ${got.sqlite!.opsPerSec.toFixed(0)}/s, postgres ${got.postgres!.opsPerSec.toFixed(0)}/s`);
      }
    }
    console.log('\n| path | sqlite ops/s | postgres ops/s | postgres / sqlite | sqlite p99 ms | postgres p99 ms |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const p of PATHS) {
      const s = results.get(`${p}:sqlite`)!;
      const g = results.get(`${p}:postgres`)!;
      const ratio = results.get(`${p}:ratio`)!;
      console.log(
        `| ${p} | ${median(s.ops).toFixed(0)} | ${median(g.ops).toFixed(0)} | **${median(ratio.ratio).toFixed(2)}×** | ${median(s.p99).toFixed(1)} | ${median(g.p99).toFixed(1)} |`,
      );
    }
    for (const side of sides) await side.db.destroy();
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
