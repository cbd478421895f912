/**
 * Throughput of the runFlow interpreter against hand-written Temporal workflows calling the same no-op
 * activity with the same activity options, with the same worker options, measured in the same run.
 *
 *   npx tsx bench/interpreter.bench.ts [--runs 100] [--concurrency 20] [--rounds 3] [--warmup 30]
 *                                      [--shapes single1,linear10,fanout10] [--baseline both|own|shared]
 *
 * Sides:
 *   interp  runFlow on a flow snapshot, from bundle bench/workflows.ts (runFlow + the hand-written ones)
 *   shared  the hand-written workflows from that same bundle, on the same worker
 *   own     the hand-written workflows bundled alone (bench/hand-workflows.ts), on a second worker created
 *           with the same options. The Temporal sandbox evaluates every module of a bundle once per
 *           workflow run, so `shared` also pays for importing the interpreter's modules and `own` does not.
 * Both workers run for the whole benchmark. For each shape, rounds rotate which side goes first to cancel
 * drift; the tables show medians over rounds of runs/s, of the per-round ratio interpreter/hand-written,
 * and of CPU ms per run (this process: client + workers + sandbox; and the dev server, from /proc).
 */
import crypto from 'node:crypto';
import { ephemeralSecretStore } from '#store/secrets';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { ActionActivityInput, ActionActivityResult, RunFlowInput } from '#core/run';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { createSwitchyardWorker } from '#worker/worker';
import { markdownTable, median, positiveInt } from './lib/report';

const NOOP_ACTION = 'bench.noop@1';
const SHARED_WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const HAND_WORKFLOWS = fileURLToPath(new URL('./hand-workflows.ts', import.meta.url));

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '30' },
    shapes: { type: 'string', default: 'single1,linear10,fanout10' },
    baseline: { type: 'string', default: 'both' },
  },
});
const RUNS = positiveInt('runs', args.runs);
const CONCURRENCY = positiveInt('concurrency', args.concurrency);
const ROUNDS = positiveInt('rounds', args.rounds);
const WARMUP = positiveInt('warmup', args.warmup);
if (!['both', 'own', 'shared'].includes(args.baseline)) throw new Error(`--baseline must be both, own or shared, got "${args.baseline}"`);

type Side = 'own' | 'shared' | 'interp';
const BASELINES: Exclude<Side, 'interp'>[] = args.baseline === 'both' ? ['own', 'shared'] : [args.baseline as 'own' | 'shared'];
const SIDES: Side[] = [...BASELINES, 'interp'];
const SIDE_LABEL: Record<Side, string> = { own: 'hand-written', shared: 'hand-written (shared bundle)', interp: 'interpreter' };

interface Shape {
  name: string;
  label: string;
  /** The hand-written workflow's name in bench/hand-workflows.ts. */
  workflow: string;
  nodes: number;
  doc: unknown;
}

const action = (id: string) => ({ id, type: 'action', action: NOOP_ACTION });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const ALL_SHAPES: Shape[] = [
  {
    name: 'single1',
    label: '1-node',
    workflow: 'single1',
    nodes: 1,
    doc: { trigger: { type: 'manual' }, nodes: [action('n1')], edges: [{ from: 'trigger', to: 'n1' }] },
  },
  {
    name: 'linear10',
    label: 'linear-10',
    workflow: 'linear10',
    nodes: 10,
    doc: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id, i) => ({ from: i === 0 ? 'trigger' : `n${i}`, to: id })) },
  },
  {
    name: 'fanout10',
    label: 'fan-out-10',
    workflow: 'fanout10',
    nodes: 10,
    doc: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id) => ({ from: 'trigger', to: id })) },
  },
];
const wanted = args.shapes.split(',').map((s) => s.trim());
const SHAPES = ALL_SHAPES.filter((s) => wanted.includes(s.name));
if (SHAPES.length === 0) throw new Error(`--shapes: none of ${wanted.join(', ')}; known: ${ALL_SHAPES.map((s) => s.name).join(', ')}`);

// The no-op action: no I/O, no validation; returns what an action activity returns.
const noop = async (_input: ActionActivityInput): Promise<ActionActivityResult> => ({ output: { ok: true }, attempt: 1 });

const quiet = { trace: () => {}, debug: () => {}, info: () => {}, log: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

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
    console.log('Starting a Temporal dev server (in memory) and bundling the workflows…');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
    cleanup.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
    const bundle = async (workflowsPath: string, name: string) => {
      const codePath = path.join(tmp, name);
      fs.writeFileSync(codePath, (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code);
      return codePath;
    };
    const [server, sharedBundle, handBundle] = await Promise.all([
      startDevServer({ port: await freePort() }),
      bundle(SHARED_WORKFLOWS, 'shared-bundle.js'),
      SIDES.includes('own') ? bundle(HAND_WORKFLOWS, 'hand-bundle.js') : undefined,
    ]);
    cleanup.push(() => server.stop());

    const db = openDatabase(':memory:');
    cleanup.push(() => db.destroy());
    await migrateToLatest(db);
    const workerConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => workerConnection.close());

    /** A worker with the options every side gets; only the bundle and the task queue differ. */
    const startWorker = async (codePath: string): Promise<string> => {
      const taskQueue = `bench-${crypto.randomUUID()}`;
      const worker = await createSwitchyardWorker({
        secrets: ephemeralSecretStore(db),
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
      return taskQueue;
    };
    const sharedQueue = await startWorker(sharedBundle);
    const handQueue = handBundle ? await startWorker(handBundle) : sharedQueue;
    const queueOf: Record<Side, string> = { own: handQueue, shared: sharedQueue, interp: sharedQueue };

    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });

    const inputs = new Map(
      SHAPES.map((s): [string, RunFlowInput] => [
        s.name,
        {
          snapshot: toSnapshot(FlowDocument.parse(s.doc)),
          trigger: { type: 'manual', data: {} },
          options: { runId: 'run_bench', workspaceId: 'ws_bench', flowId: 'flw_bench', version: 1, mode: 'live', actionDefaults: {}, record: false },
        },
      ]),
    );

    const runOne = (shape: Shape, side: Side): Promise<unknown> => {
      const workflowId = `bench-${side}-${shape.name}-${crypto.randomUUID()}`;
      const common = { taskQueue: queueOf[side], workflowId, workflowExecutionTimeout: '2m' } as const;
      if (side !== 'interp') return client.workflow.execute(shape.workflow, { ...common, args: [] });
      const input = inputs.get(shape.name)!;
      return client.workflow.execute('runFlow', { ...common, args: [{ ...input, options: { ...input.options, runId: `run_${workflowId}` } }] });
    };

    /** CPU seconds used so far by the dev server (from /proc; Linux only), or undefined. */
    const serverCpu = (): number | undefined => {
      try {
        const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100/s)
      } catch {
        return undefined;
      }
    };

    /** Runs `n` workflows of one side, `CONCURRENCY` in flight. */
    const measure = async (shape: Shape, side: Side, n: number): Promise<Sample> => {
      let next = 0;
      const cpu0 = process.cpuUsage();
      const server0 = serverCpu();
      const t0 = performance.now();
      const lane = async () => {
        while (next < n) {
          next++;
          await runOne(shape, side);
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

    // Sanity: every side does what it should before anything is timed.
    for (const shape of SHAPES) {
      for (const side of SIDES) {
        const result = await runOne(shape, side);
        if (side === 'interp') {
          const state = result as { status: string; nodes: Record<string, { status: string }> };
          const ok = Object.values(state.nodes).filter((n) => n.status === 'succeeded').length;
          if (state.status !== 'completed' || ok !== shape.nodes) throw new Error(`runFlow ${shape.name}: ${JSON.stringify(state)}`);
        } else if (JSON.stringify(result) !== JSON.stringify(shape.name === 'fanout10' ? Array(10).fill({ ok: true }) : { ok: true })) {
          throw new Error(`${side} ${shape.workflow}: ${JSON.stringify(result)}`);
        }
      }
    }

    console.log(`Warming up (${WARMUP} runs per shape and side)…`);
    for (const shape of SHAPES) for (const side of SIDES) await measure(shape, side, WARMUP);

    console.log(`Measuring: ${RUNS} runs per measurement, ${CONCURRENCY} in flight, ${ROUNDS} rounds per shape, side order rotating.\n`);
    const rows: { shape: Shape; samples: Record<Side, Sample[]> }[] = [];
    for (const shape of SHAPES) {
      const samples: Record<Side, Sample[]> = { own: [], shared: [], interp: [] };
      for (let r = 0; r < ROUNDS; r++) {
        const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]!);
        for (const side of order) samples[side].push(await measure(shape, side, RUNS));
        const parts = SIDES.map((s) => {
          const x = samples[s][r]!;
          return `${s} ${x.runsPerSecond.toFixed(1)}/s (cpu ${x.nodeCpuMsPerRun.toFixed(1)}+${x.serverCpuMsPerRun.toFixed(1)} ms)`;
        });
        console.log(`  ${shape.label.padEnd(10)} round ${r + 1}: ${parts.join(', ')}`);
      }
      rows.push({ shape, samples });
    }

    const rps = (row: (typeof rows)[number], side: Side) => median(row.samples[side].map((x) => x.runsPerSecond));
    const ratio = (row: (typeof rows)[number], base: Side) => median(row.samples.interp.map((x, r) => x.runsPerSecond / row.samples[base][r]!.runsPerSecond));
    const cpu = (row: (typeof rows)[number], side: Side, k: 'nodeCpuMsPerRun' | 'serverCpuMsPerRun') => median(row.samples[side].map((x) => x[k]));

    console.log(
      `\nThroughput, medians of ${ROUNDS} rounds (runs=${RUNS}, concurrency=${CONCURRENCY}); ratio = interpreter / hand-written, median of per-round ratios:\n`,
    );
    console.log(
      markdownTable(
        ['shape', ...SIDES.map((s) => `${SIDE_LABEL[s]} runs/s`), ...BASELINES.map((b) => (b === 'own' ? 'ratio' : 'ratio vs shared bundle'))],
        rows.map((row) => [row.shape.label, ...SIDES.map((s) => rps(row, s).toFixed(1)), ...BASELINES.map((b) => ratio(row, b).toFixed(3))]),
      ),
    );
    console.log(`\nCPU ms per run, medians (node = this process: client, workers, sandbox; server = the dev server):\n`);
    console.log(
      markdownTable(
        ['shape', ...SIDES.map((s) => `node ${s}`), ...SIDES.map((s) => `server ${s}`)],
        rows.map((row) => [
          row.shape.label,
          ...SIDES.map((s) => cpu(row, s, 'nodeCpuMsPerRun').toFixed(2)),
          ...SIDES.map((s) => cpu(row, s, 'serverCpuMsPerRun').toFixed(1)),
        ]),
      ),
    );
    for (const base of BASELINES) {
      const below = rows.filter((row) => ratio(row, base) < 0.9);
      console.log(
        `\nTarget interpreter ≥ 0.90× ${SIDE_LABEL[base]}: ${below.length === 0 ? 'met for every shape' : `NOT met for ${below.map((row) => row.shape.label).join(', ')}`}.`,
      );
    }
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

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
