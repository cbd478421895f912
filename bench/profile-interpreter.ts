/**
 * Diagnostics behind bench/RESULTS.md. Runs K workflows of each shape and side for real, then
 * reports history events, payload bytes and workflow-task completions per run, and the wall time to replay
 * those histories (workflow code only, no server). "hand" here is the hand-written workflow inside
 * runFlow's bundle (bench/workflows.ts), so both sides pay the per-run module evaluation of that bundle.
 * Replay times are wall-clock figures and are noisy on a shared machine.
 *
 *   npx tsx bench/profile-interpreter.ts [--runs 100] [--replays 3] [--shapes single1,linear10,fanout10]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-interpreter.ts --replay-only interp:fanout10
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { ephemeralSecretStore } from '#store/secrets';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type History } from '@temporalio/worker';
import pino from 'pino';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { ActionActivityResult, RunFlowInput } from '#core/run';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { createSwitchyardWorker } from '#worker/worker';

const NOOP_ACTION = 'bench.noop@1';
const WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url));

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    replays: { type: 'string', default: '3' },
    shapes: { type: 'string', default: 'single1,linear10,fanout10' },
    /** Replay just one group (`interp:fanout10`) many times: for --cpu-prof. */
    'replay-only': { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const REPLAYS = Number(args.replays);

const action = (id: string) => ({ id, type: 'action', action: NOOP_ACTION });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const DOCS: Record<string, unknown> = {
  single1: { trigger: { type: 'manual' }, nodes: [action('n1')], edges: [{ from: 'trigger', to: 'n1' }] },
  linear10: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id, i) => ({ from: i === 0 ? 'trigger' : `n${i}`, to: id })) },
  fanout10: { trigger: { type: 'manual' }, nodes: ids(10).map(action), edges: ids(10).map((id) => ({ from: 'trigger', to: id })) },
};
const shapes = args.shapes.split(',').filter((s) => s in DOCS);
const quiet = { trace: () => {}, debug: () => {}, info: () => {}, log: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-prof-'));
  const codePath = path.join(tmp, 'workflow-bundle.js');
  const server = await startDevServer({ port: await freePort() });
  try {
    fs.writeFileSync(codePath, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quiet })).code);
    const histories = new Map<string, { workflowId: string; history: History }[]>();
    const db = openDatabase(':memory:');
    await migrateToLatest(db);
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    const taskQueue = `prof-${crypto.randomUUID()}`;
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
      extraActivities: { [NOOP_ACTION]: async (): Promise<ActionActivityResult> => ({ output: { ok: true }, attempt: 1 }) },
    });
    const running = worker.run();
    try {
      const client = new Client({ connection });
      for (const shape of shapes) {
        const input: RunFlowInput = {
          snapshot: toSnapshot(FlowDocument.parse(DOCS[shape])),
          trigger: { type: 'manual', data: {} },
          options: { runId: 'run_prof', workspaceId: 'ws_bench', flowId: 'flw_bench', version: 1, mode: 'live', actionDefaults: {}, record: false },
        };
        for (const side of ['hand', 'interp'] as const) {
          const group: { workflowId: string; history: History }[] = [];
          let next = 0;
          const lane = async () => {
            while (next < RUNS) {
              next++;
              const workflowId = `prof-${side}-${shape}-${crypto.randomUUID()}`;
              const handle =
                side === 'interp'
                  ? await client.workflow.start('runFlow', { taskQueue, workflowId, args: [input] })
                  : await client.workflow.start(shape, { taskQueue, workflowId, args: [] });
              await handle.result();
              group.push({ workflowId, history: await handle.fetchHistory() });
            }
          };
          await Promise.all(Array.from({ length: 10 }, lane));
          histories.set(`${side}:${shape}`, group);
        }
      }
    } finally {
      worker.shutdown();
      await running;
      await worker.closeHttp();
      await workerConnection.close();
      await connection.close();
      await db.destroy();
    }

    console.log('| group | events/run | payload bytes/run | WFT completions/run | replay ms/run (best of ' + REPLAYS + ') |');
    console.log('|:--|--:|--:|--:|--:|');
    const only = args['replay-only'];
    for (const [name, group] of histories) {
      if (only && name !== only) continue;
      const events = group.reduce((n, h) => n + (h.history.events?.length ?? 0), 0) / group.length;
      const bytes = group.reduce((n, h) => n + binaryBytes(h.history), 0) / group.length;
      const wfts = group.reduce((n, h) => n + (h.history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length, 0) / group.length;
      let best = Infinity;
      for (let r = 0; r < (only ? REPLAYS * 5 : REPLAYS); r++) {
        const t0 = performance.now();
        for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, group)) {
          if (result.error) throw result.error;
        }
        best = Math.min(best, (performance.now() - t0) / group.length);
      }
      console.log(`| ${name} | ${events.toFixed(1)} | ${bytes.toFixed(0)} | ${wfts.toFixed(1)} | ${best.toFixed(2)} |`);
    }
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Bytes held in binary fields (payload data, mostly) anywhere in a history. */
function binaryBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + binaryBytes(v), 0);
  if (typeof value === 'object' && value !== null) return Object.values(value).reduce((n: number, v) => n + binaryBytes(v), 0);
  return 0;
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
