/**
 * The cost of credits metering: throughput of a 10-action linear flow whose every action sends one real
 * HTTP request (to a local server) through the guarded client, on a worker with metering on and on one
 * with metering off, measured in the same run. Target: metering costs under 5 %.
 *
 *   npx tsx bench/metering.bench.ts [--runs 60] [--concurrency 20] [--rounds 3] [--warmup 20]
 *
 * Both workers are built by createSwitchyardWorker with the same options (only `metering` differs), share
 * one SQLite file in WAL mode (as in production; the attempt log writes to it on both sides) and run for
 * the whole benchmark. Rounds alternate which side goes first; the table shows medians of runs/s and of
 * the per-round ratio metered / unmetered.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { z } from 'zod';
import { defineAction, defineIntegration } from '#core/catalog-sdk';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { RunFlowInput } from '#core/run';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { openAccount } from '#store/credits.repository';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { ephemeralSecretStore } from '#store/secrets';
import { createSwitchyardWorker, WORKFLOWS_PATH } from '#worker/worker';
import { SendJournal } from '#worker/credits/send-journal';
import { median } from './lib/report';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '20' },
  },
});
const RUNS = Number(args.runs);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const NODES = 10;
const WORKSPACE = 'ws_bench';

// One request per action, through ctx.http (the guarded client, where metering charges each request).
const ping = defineAction({
  key: 'ping',
  title: 'Ping',
  description: 'One GET to the local server.',
  input: z.object({ url: z.string() }),
  output: z.object({ status: z.number() }),
  async run(input, ctx) {
    return { status: (await ctx.http.request({ url: input.url })).status };
  },
});
const benchIntegration = defineIntegration({ key: 'bench', version: 1, title: 'Bench', description: 'Benchmark', auth: { type: 'none' }, actions: [ping] });

const quiet = { trace: () => {}, debug: () => {}, info: () => {}, log: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-metering-'));
  const target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(target.address() as net.AddressInfo).port}/`;
  console.log('Starting a Temporal dev server (in memory) and bundling the workflows…');
  const [server, code] = await Promise.all([startDevServer({ port: await freePort() }), bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })]);
  const bundlePath = path.join(tmp, 'bundle.js');
  fs.writeFileSync(bundlePath, code.code);
  const db = openDatabase(path.join(tmp, 'switchyard.db'));
  await migrateToLatest(db);
  await openAccount(db, { workspaceId: WORKSPACE, plan: 'pro', credits: 100_000_000 });
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  const sides = ['off', 'on'] as const;
  const workers = await Promise.all(
    sides.map(async (side) => {
      const taskQueue = `metering-${side}-${crypto.randomUUID()}`;
      const worker = await createSwitchyardWorker({
        connection,
        namespace: 'default',
        taskQueue,
        db,
        integrations: [benchIntegration],
        logger: pino({ level: 'silent' }),
        secrets: ephemeralSecretStore(db),
        httpAllow: ['127.0.0.1/32'],
        workflowBundle: { codePath: bundlePath },
        metering: side === 'on',
        // Metering as the worker runs it: each charged request is followed in a send journal too.
        ...(side === 'on' ? { sendJournal: SendJournal.start(path.join(tmp, 'credits-journal')) } : {}),
      });
      return { side, taskQueue, worker, running: worker.run() };
    }),
  );
  const ids = Array.from({ length: NODES }, (_, i) => `n${i + 1}`);
  const snapshot = toSnapshot(
    FlowDocument.parse({
      trigger: { type: 'manual' },
      nodes: ids.map((id) => ({ id, type: 'action', action: 'bench.ping@1', inputs: { url } })),
      edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })),
    }),
  );
  const input = (): RunFlowInput => ({
    snapshot,
    trigger: { type: 'manual', data: {} },
    options: { runId: `run_${crypto.randomUUID()}`, workspaceId: WORKSPACE, flowId: 'flw_bench', version: 1, mode: 'live', actionDefaults: {}, record: false },
  });
  const measure = async (taskQueue: string, n: number): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          next++;
          await client.workflow.execute('runFlow', { args: [input()], taskQueue, workflowId: `bench-${crypto.randomUUID()}` });
        }
      }),
    );
    return n / ((performance.now() - t0) / 1000);
  };
  try {
    for (const w of workers) await measure(w.taskQueue, WARMUP);
    const samples: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? workers : [...workers].reverse();
      for (const w of order) samples[w.side].push(await measure(w.taskQueue, RUNS));
      console.log(`round ${round + 1}: off ${samples.off.at(-1)!.toFixed(2)} runs/s, on ${samples.on.at(-1)!.toFixed(2)} runs/s`);
    }
    const charges = await db
      .selectFrom('credit_ledger')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'charge')
      .executeTakeFirst();
    const ratios = samples.on.map((on, i) => on / samples.off[i]!);
    console.log(
      `\nThroughput of a ${NODES}-action flow (one HTTP request per action), medians of ${ROUNDS} rounds (runs=${RUNS}, concurrency=${CONCURRENCY}):\n`,
    );
    console.log('| metering off runs/s | metering on runs/s | ratio on/off | cost of metering |');
    console.log('| ------------------: | -----------------: | -----------: | ---------------: |');
    const ratio = median(ratios);
    console.log(`| ${median(samples.off).toFixed(2)} | ${median(samples.on).toFixed(2)} | ${ratio.toFixed(3)} | ${((1 - ratio) * 100).toFixed(1)} % |`);
    console.log(`\nper-round ratios: ${ratios.map((r) => r.toFixed(3)).join(', ')}; ledger rows written by the metered side: ${Number(charges?.n ?? 0)}`);
  } finally {
    for (const w of workers) w.worker.shutdown();
    await Promise.all(workers.map((w) => w.running));
    await Promise.all(workers.map((w) => w.worker.closeHttp()));
    await connection.close();
    await clientConnection.close();
    await db.destroy();
    await server.stop();
    target.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
