/**
 * Throughput of the runFlow interpreter against hand-written Temporal workflows calling the same no-op
 * activity with the same activity options, served by ONE worker from ONE bundle, measured in the same run.
 *
 *   npx tsx bench/interpreter.bench.ts [--runs 200] [--concurrency 20] [--rounds 3] [--warmup 40] [--shapes single1,linear10,fanout10]
 *
 * For each shape, rounds alternate which side goes first (A B, B A, A B …) to cancel drift; the table
 * shows the median runs/s of each side and the median of the per-round ratios (interpreter / hand-written).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { FlowDocument, toSnapshot } from '../core/src/flow';
import type { ActionActivityInput, ActionActivityResult, RunFlowInput } from '../core/src/run';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { openDatabase } from '../store/src/database';
import { migrateToLatest } from '../store/src/migrate';
import { createSwitchyardWorker } from '../worker/src/worker';

const NOOP_ACTION = 'bench.noop@1';
const WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url));

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '40' },
    shapes: { type: 'string', default: 'single1,linear10,fanout10' },
  },
});
const positiveInt = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
};
const RUNS = positiveInt('runs', args.runs);
const CONCURRENCY = positiveInt('concurrency', args.concurrency);
const ROUNDS = positiveInt('rounds', args.rounds);
const WARMUP = positiveInt('warmup', args.warmup);

interface Shape {
  name: string;
  label: string;
  /** The hand-written workflow's name in bench/workflows.ts. */
  workflow: string;
  doc: unknown;
}

const action = (id: string) => ({ id, type: 'action', action: NOOP_ACTION });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const ALL_SHAPES: Shape[] = [
  {
    name: 'single1',
    label: '1-node',
    workflow: 'single1',
    doc: { trigger: { type: 'manual' }, nodes: [action('n1')], edges: [{ from: 'trigger', to: 'n1' }] },
  },
  {
    name: 'linear10',
    label: 'linear-10',
    workflow: 'linear10',
    doc: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id, i) => ({ from: i === 0 ? 'trigger' : `n${i}`, to: id })) },
  },
  {
    name: 'fanout10',
    label: 'fan-out-10',
    workflow: 'fanout10',
    doc: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id) => ({ from: 'trigger', to: id })) },
  },
];
const wanted = args.shapes.split(',').map((s) => s.trim());
const SHAPES = ALL_SHAPES.filter((s) => wanted.includes(s.name));
if (SHAPES.length === 0) throw new Error(`--shapes: none of ${wanted.join(', ')}; known: ${ALL_SHAPES.map((s) => s.name).join(', ')}`);

// The no-op action: no I/O, no validation, returns what an action activity returns.
const noop = async (_input: ActionActivityInput): Promise<ActionActivityResult> => ({ output: { ok: true }, attempt: 1 });

const quiet = { trace: () => {}, debug: () => {}, info: () => {}, log: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

type Side = 'hand' | 'interp';
interface Sample {
  runsPerSecond: number;
  nodeCpuMsPerRun: number;
  serverCpuMsPerRun: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cleanup: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    while (cleanup.length) {
      try {
        await cleanup.pop()!();
      } catch (err) {
        console.error('cleanup:', err);
      }
    }
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('\ninterrupted: stopping what the benchmark started…');
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    console.log(`Starting a Temporal dev server (in memory) and bundling ${path.relative(process.cwd(), WORKFLOWS)}…`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
    cleanup.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
    const [server, bundle] = await Promise.all([startDevServer({ port: await freePort() }), bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quiet })]);
    cleanup.push(() => server.stop());
    const codePath = path.join(tmp, 'workflow-bundle.js');
    fs.writeFileSync(codePath, bundle.code);

    const db = openDatabase(':memory:');
    cleanup.push(() => db.destroy());
    await migrateToLatest(db);

    const taskQueue = `bench-${crypto.randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => workerConnection.close());
    const worker = await createSwitchyardWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      db,
      integrations: [],
      logger: pino({ level: 'silent' }),
      httpAllow: [],
      workflowBundle: { codePath },
      extraActivities: { [NOOP_ACTION]: noop },
    });
    const running = worker.run();
    cleanup.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await worker.closeHttp();
    });

    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });

    const inputFor = (shape: Shape): RunFlowInput => ({
      snapshot: toSnapshot(FlowDocument.parse(shape.doc)),
      trigger: { type: 'manual', data: {} },
      options: { runId: `run_bench`, workspaceId: 'ws_bench', flowId: 'flw_bench', version: 1, mode: 'live', actionDefaults: {}, record: false },
    });
    const inputs = new Map(SHAPES.map((s) => [s.name, inputFor(s)]));

    /** CPU seconds used so far by the dev server (from /proc, Linux only) or undefined. */
    const serverCpu = (): number | undefined => {
      try {
        const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100/s)
      } catch {
        return undefined;
      }
    };

    /** Runs `n` workflows of one side, `CONCURRENCY` in flight; returns runs/s and CPU ms per run. */
    const measure = async (shape: Shape, side: Side, n: number): Promise<Sample> => {
      const input = inputs.get(shape.name)!;
      let next = 0;
      const cpu0 = process.cpuUsage();
      const server0 = serverCpu();
      const t0 = performance.now();
      const lane = async () => {
        while (next < n) {
          next++;
          const workflowId = `bench-${side}-${shape.name}-${crypto.randomUUID()}`;
          const common = { taskQueue, workflowId, workflowExecutionTimeout: '2m' } as const;
          if (side === 'interp') await client.workflow.execute('runFlow', { ...common, args: [{ ...input, options: { ...input.options, runId: `run_${workflowId}` } }] });
          else await client.workflow.execute(shape.workflow, { ...common, args: [] });
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, lane));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const server1 = serverCpu();
      return {
        runsPerSecond: n / seconds,
        nodeCpuMsPerRun: (cpu.user + cpu.system) / 1000 / n,
        serverCpuMsPerRun: server0 === undefined || server1 === undefined ? NaN : ((server1 - server0) * 1000) / n,
      };
    };

    // Sanity: both sides produce what they should before anything is timed.
    for (const shape of SHAPES) {
      const state = (await client.workflow.execute('runFlow', { taskQueue, workflowId: `bench-check-${crypto.randomUUID()}`, args: [inputs.get(shape.name)!] })) as { status: string; nodes: Record<string, unknown> };
      const nodes = Object.keys(state.nodes).length;
      if (state.status !== 'completed' || nodes !== (shape.name === 'single1' ? 1 : 10)) throw new Error(`runFlow ${shape.name}: ${JSON.stringify(state)}`);
      await client.workflow.execute(shape.workflow, { taskQueue, workflowId: `bench-check-${crypto.randomUUID()}`, args: [] });
    }

    console.log(`Warming up (${WARMUP} runs per shape and side)…`);
    for (const shape of SHAPES) for (const side of ['hand', 'interp'] as const) await measure(shape, side, WARMUP);

    console.log(`Measuring: ${RUNS} runs per measurement, ${CONCURRENCY} in flight, ${ROUNDS} rounds per shape, sides alternating.\n`);
    const rows: { shape: Shape; hand: Sample[]; interp: Sample[]; ratios: number[] }[] = [];
    for (const shape of SHAPES) {
      const row = { shape, hand: [] as Sample[], interp: [] as Sample[], ratios: [] as number[] };
      for (let r = 0; r < ROUNDS; r++) {
        const order: Side[] = r % 2 === 0 ? ['hand', 'interp'] : ['interp', 'hand'];
        for (const side of order) row[side].push(await measure(shape, side, RUNS));
        const [h, i] = [row.hand[r]!, row.interp[r]!];
        row.ratios.push(i.runsPerSecond / h.runsPerSecond);
        console.log(
          `  ${shape.label.padEnd(10)} round ${r + 1}: hand-written ${h.runsPerSecond.toFixed(1)} runs/s, interpreter ${i.runsPerSecond.toFixed(1)} runs/s, ratio ${row.ratios[r]!.toFixed(3)}` +
            `  (CPU ms/run: node ${h.nodeCpuMsPerRun.toFixed(1)} vs ${i.nodeCpuMsPerRun.toFixed(1)}, server ${h.serverCpuMsPerRun.toFixed(1)} vs ${i.serverCpuMsPerRun.toFixed(1)})`,
        );
      }
      rows.push(row);
    }

    const med = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
    console.log(`\nMedians of ${ROUNDS} rounds (runs=${RUNS}, concurrency=${CONCURRENCY}):\n`);
    console.log(
      markdownTable(
        ['shape', 'hand-written runs/s', 'interpreter runs/s', 'ratio (interp/hand)'],
        rows.map((r) => [r.shape.label, med(r.hand, 'runsPerSecond').toFixed(1), med(r.interp, 'runsPerSecond').toFixed(1), median(r.ratios).toFixed(3)]),
      ),
    );
    console.log(`\nCPU per run (medians; "node" is this process: client + worker + workflow sandbox):\n`);
    console.log(
      markdownTable(
        ['shape', 'node ms/run hand', 'node ms/run interp', 'server ms/run hand', 'server ms/run interp'],
        rows.map((r) => [
          r.shape.label,
          med(r.hand, 'nodeCpuMsPerRun').toFixed(2),
          med(r.interp, 'nodeCpuMsPerRun').toFixed(2),
          med(r.hand, 'serverCpuMsPerRun').toFixed(1),
          med(r.interp, 'serverCpuMsPerRun').toFixed(1),
        ]),
      ),
    );
    const below = rows.filter((r) => median(r.ratios) < 0.9);
    console.log(`\nTarget ≥ 0.90×: ${below.length === 0 ? 'met for every shape' : `NOT met for ${below.map((r) => r.shape.label).join(', ')}`}.`);
    console.log(`Total time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  } finally {
    await stopAll();
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
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

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
