/**
 * Code steps against the data.transform action, and the sandbox's start-up cost:
 *
 *  1. the same one-step flow shape, `data.transform@1` (JSONata) vs a `code` step (TypeScript in the QuickJS
 *     sandbox) returning the same transformed object, on one worker, in the same run: runs/s and CPU per run of this
 *     process (worker, sandbox threads and client; the Temporal dev server is another process, the same for both)
 *     and their ratio (target: code step ≤ 1.5× the action's CPU per run);
 *  2. sandbox cold start, p50 / p99 over --starts executions of a trivial function: a fresh QuickJS WebAssembly
 *     instance in-process, and through the worker's thread pool (what a run uses);
 *  3. throughput of the sandbox alone: executions per second of the transform, in-process.
 *
 *   npx tsx bench/code-step.bench.ts [--runs 100] [--concurrency 10] [--rounds 3] [--warmup 20] [--starts 200]
 *
 * The isolated-vm comparison is bench/isolated-vm.bench.cjs (run outside the repo, where isolated-vm builds).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { integrations } from '#catalog';
import { codeLimits } from '#core/code';
import { compileCode } from '#core/code-compile';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { RunFlowInput } from '#core/run';
import { openAccount } from '#store/credits.repository';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { ephemeralSecretStore } from '#store/secrets';
import { runInSandbox } from '#worker/code/sandbox';
import { SandboxPool } from '#worker/code/sandbox-pool';
import { createSwitchyardWorker, WORKFLOWS_PATH } from '#worker/worker';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { median } from './lib/report';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '20' },
    starts: { type: 'string', default: '200' },
  },
});
const RUNS = Number(args.runs);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const STARTS = Number(args.starts);
const WORKSPACE = 'ws_bench';

/** The data both steps reshape: an order with its lines. */
const ORDER = {
  id: 'ord_1',
  customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
  lines: Array.from({ length: 20 }, (_, i) => ({ sku: `sku_${i}`, qty: (i % 3) + 1, price: 100 + i * 7 })),
};
const JSONATA = '{ "id": data.id, "email": data.customer.email, "items": $count(data.lines), "total": $sum(data.lines.(qty * price)) }';
const SOURCE = `interface Line { sku: string; qty: number; price: number }
interface Input { data: { id: string; customer: { email: string }; lines: Line[] } }
export default async function (input: Input) {
  const { data } = input;
  return { id: data.id, email: data.customer.email, items: data.lines.length, total: data.lines.reduce((sum, l) => sum + l.qty * l.price, 0) };
}`;

const quiet = { trace: () => {}, debug: () => {}, info: () => {}, log: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await sandboxAlone();
  await flows();
}

/** Cold start (in-process and through the pool) and the sandbox's own throughput. */
async function sandboxAlone(): Promise<void> {
  const trivial = await compileCode('export default (input) => input', 'javascript');
  const transform = await compileCode(SOURCE, 'typescript');
  const options = (compiled: typeof trivial, input: unknown) => ({
    compiled,
    input,
    limits: codeLimits({}),
    secrets: {},
    idempotencyKey: 'bench',
    mode: 'live' as const,
    fetch: () => Promise.reject(new Error('no fetch in the benchmark')),
  });
  for (let i = 0; i < 20; i++) await runInSandbox(options(trivial, i)); // the WebAssembly module is compiled once per process
  const inProcess: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t = performance.now();
    await runInSandbox(options(trivial, i));
    inProcess.push(performance.now() - t);
  }
  const pool = new SandboxPool(2);
  for (let i = 0; i < 20; i++) await pool.run(options(trivial, i));
  const pooled: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t = performance.now();
    await pool.run(options(trivial, i));
    pooled.push(performance.now() - t);
  }
  await pool.close();
  const n = Math.max(200, STARTS);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await runInSandbox(options(transform, { data: ORDER }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`\nSandbox cold start (a fresh QuickJS instance per execution, trivial function, ${STARTS} executions each):\n`);
  console.log('| where | p50 ms | p99 ms |');
  console.log('| ----- | -----: | -----: |');
  console.log(`| in-process | ${pct(inProcess, 50).toFixed(2)} | ${pct(inProcess, 99).toFixed(2)} |`);
  console.log(`| worker thread pool (as runs use it) | ${pct(pooled, 50).toFixed(2)} | ${pct(pooled, 99).toFixed(2)} |`);
  console.log(
    `\nSandbox throughput (the order transform, in-process, one at a time): ${(n / seconds).toFixed(0)} executions/s, ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms CPU each`,
  );
}

/** The one-step flow, data.transform vs code, on one worker. */
async function flows(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-code-'));
  console.log('\nStarting a Temporal dev server (in memory) and bundling the workflows…');
  const [server, code] = await Promise.all([startDevServer({ port: await freePort() }), bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })]);
  const bundlePath = path.join(tmp, 'bundle.js');
  fs.writeFileSync(bundlePath, code.code);
  const db = openDatabase(path.join(tmp, 'switchyard.db'));
  await migrateToLatest(db);
  await openAccount(db, { workspaceId: WORKSPACE, plan: 'pro', credits: 100_000_000 });
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  const taskQueue = `code-bench-${crypto.randomUUID()}`;
  const worker = await createSwitchyardWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db,
    integrations,
    logger: pino({ level: 'silent' }),
    secrets: ephemeralSecretStore(db),
    httpAllow: [],
    workflowBundle: { codePath: bundlePath },
  });
  const running = worker.run();
  const shapes = {
    transform: { id: 'step', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: JSONATA } },
    code: { id: 'step', type: 'code', language: 'typescript', source: SOURCE, inputs: { data: { $expr: 'trigger.data' } } },
  } as const;
  const snapshots = Object.fromEntries(
    Object.entries(shapes).map(([k, node]) => [
      k,
      toSnapshot(FlowDocument.parse({ trigger: { type: 'manual' }, nodes: [node], edges: [{ from: 'trigger', to: 'step' }] })),
    ]),
  );
  const input = (side: keyof typeof shapes): RunFlowInput => ({
    snapshot: snapshots[side]!,
    trigger: { type: 'manual', data: ORDER },
    options: { runId: `run_${crypto.randomUUID()}`, workspaceId: WORKSPACE, flowId: 'flw_bench', version: 1, mode: 'live', actionDefaults: {}, record: false },
  });
  const measure = async (side: keyof typeof shapes, n: number) => {
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const outputs: unknown[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          next++;
          const state = await client.workflow.execute('runFlow', { args: [input(side)], taskQueue, workflowId: `bench-${crypto.randomUUID()}` });
          outputs.push((state as { nodes: Record<string, { output?: unknown }> }).nodes.step?.output);
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    return { runsPerS: n / ((performance.now() - t0) / 1000), cpuMsPerRun: (cpu.user + cpu.system) / 1000 / n, output: outputs[0] };
  };
  try {
    const check = { transform: await measure('transform', 1), code: await measure('code', 1) };
    const expected = { id: 'ord_1', email: 'ada@example.com', items: 20, total: ORDER.lines.reduce((s, l) => s + l.qty * l.price, 0) };
    for (const [side, r] of Object.entries(check)) {
      const out = side === 'transform' ? (r.output as { result: unknown }).result : r.output;
      if (JSON.stringify(out) !== JSON.stringify(expected)) throw new Error(`${side} returned ${JSON.stringify(r.output)}`);
    }
    await measure('transform', WARMUP);
    await measure('code', WARMUP);
    const samples = { transform: [] as { runsPerS: number; cpuMsPerRun: number }[], code: [] as { runsPerS: number; cpuMsPerRun: number }[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['transform', 'code'] as const) : (['code', 'transform'] as const);
      for (const side of order) samples[side].push(await measure(side, RUNS));
      console.log(
        `round ${round + 1}: transform ${samples.transform.at(-1)!.runsPerS.toFixed(1)} runs/s ${samples.transform.at(-1)!.cpuMsPerRun.toFixed(2)} ms CPU/run; ` +
          `code ${samples.code.at(-1)!.runsPerS.toFixed(1)} runs/s ${samples.code.at(-1)!.cpuMsPerRun.toFixed(2)} ms CPU/run`,
      );
    }
    const med = (side: 'transform' | 'code', k: 'runsPerS' | 'cpuMsPerRun') => median(samples[side].map((s) => s[k]));
    const ratios = samples.code.map((c, i) => c.cpuMsPerRun / samples.transform[i]!.cpuMsPerRun);
    console.log(`\nOne-step flow, medians of ${ROUNDS} rounds (runs=${RUNS}, concurrency=${CONCURRENCY}, ${os.availableParallelism()} cores):\n`);
    console.log('| step | runs/s | CPU ms per run (this process) |');
    console.log('| ---- | -----: | ----------------------------: |');
    console.log(`| data.transform@1 (JSONata) | ${med('transform', 'runsPerS').toFixed(1)} | ${med('transform', 'cpuMsPerRun').toFixed(2)} |`);
    console.log(`| code (TypeScript, QuickJS) | ${med('code', 'runsPerS').toFixed(1)} | ${med('code', 'cpuMsPerRun').toFixed(2)} |`);
    console.log(
      `\nCPU per run, code / transform: median ${median(ratios).toFixed(2)}× (per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}); target ≤ 1.5×`,
    );
  } finally {
    worker.shutdown();
    await running;
    await worker.closeHttp();
    await connection.close();
    await clientConnection.close();
    await db.destroy();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
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
