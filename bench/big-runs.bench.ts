/**
 * Big runs (docs/big-runs.md): history events and worker CPU per item of the interpreter's batched forEach against a
 * hand-written child-workflow batch loop, and history events of a 200-node graph against a hand-written workflow of
 * 200 activities, measured in the same run, on one worker serving both (bench/big-workflows.ts).
 *
 *   npx tsx bench/big-runs.bench.ts [--sizes 1000,10000] [--concurrency 50] [--graph 200]
 *
 * Every loop item is one no-op activity (the interpreter's body: one action node), so the figures are the
 * interpreter's own cost. History events are summed over the run and all its child workflows. CPU is this process's
 * (client, worker, workflow sandbox threads) per item, from process.cpuUsage(); the dev server is a separate process
 * and not counted. Results go in bench/RESULTS.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { ActionActivityInput, ActionActivityResult, RunFlowInput } from '#core/run';
import { BlobStore, FileBlobBackend } from '#store/blobs';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { ephemeralSecretStore } from '#store/secrets';
import { createWorkspace } from '#store/workspaces.repository';
import { createSwitchyardWorker, WORKFLOW_PRELOAD_MODULES } from '#worker/worker';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { freePort } from '../test/helpers/ports';

const NOOP_ACTION = 'bench.noop@1';
const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '1000,10000' }, concurrency: { type: 'string', default: '50' }, graph: { type: 'string', default: '200' } },
});
const SIZES = args.sizes.split(',').map(Number);
const CONCURRENCY = Number(args.concurrency);
const GRAPH = Number(args.graph);
const BATCH = 200;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-big-bench-'));
  const server = await startDevServer({ port: await freePort() });
  const db = openDatabase(':memory:');
  await migrateToLatest(db);
  const workspaceId = (await createWorkspace(db, 'bench')).id;
  const secrets = ephemeralSecretStore(db);
  const codePath = path.join(dir, 'bundle.js');
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m), log() {} };
  // The production worker's module preloading (worker.ts) for both sides; no tracing interceptors, as a worker without tracing.
  const workflowsPath = fileURLToPath(new URL('./big-workflows.ts', import.meta.url));
  fs.writeFileSync(codePath, (await bundleWorkflowCode({ workflowsPath, preloadModules: WORKFLOW_PRELOAD_MODULES, logger: quiet })).code);
  const taskQueue = `big-bench-${crypto.randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const noop = async (input: ActionActivityInput): Promise<ActionActivityResult> => ({ output: { ok: true, key: input.nodeKey }, attempt: 1 });
  const worker = await createSwitchyardWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    db,
    secrets,
    integrations: [],
    logger: pino({ level: 'silent' }),
    httpAllow: [],
    workflowBundle: { codePath },
    extraActivities: { [NOOP_ACTION]: noop },
    metering: false,
    blobs: new BlobStore(db, secrets, new FileBlobBackend(path.join(dir, 'blobs'))),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  /** Events of a workflow and every child it started, recursively, and how many workflows. */
  const treeEvents = async (workflowId: string): Promise<{ total: number; max: number; workflows: number; top: number }> => {
    let total = 0;
    let max = 0;
    let workflows = 0;
    let top = 0;
    const queue = [workflowId];
    while (queue.length) {
      const id = queue.shift()!;
      const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
      if (id === workflowId) top = events.length;
      workflows++;
      total += events.length;
      max = Math.max(max, events.length);
      for (const e of events)
        if (e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId) queue.push(e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId);
    }
    return { total, max, workflows, top };
  };

  const measure = async (label: string, start: (workflowId: string) => Promise<unknown>) => {
    const workflowId = `${label}-${crypto.randomUUID()}`;
    const cpu = process.cpuUsage();
    const t = Date.now();
    await start(workflowId);
    const wallMs = Date.now() - t;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000, ...(await treeEvents(workflowId)) };
  };

  const runInput = (doc: unknown): RunFlowInput => ({
    snapshot: toSnapshot(FlowDocument.parse(doc)),
    trigger: { type: 'manual', data: {} },
    options: {
      runId: `run_${crypto.randomUUID()}`,
      workspaceId,
      flowId: 'flw_bench',
      version: 1,
      mode: 'live',
      actionDefaults: {},
      record: false,
      forEachBatchItems: BATCH,
    },
  });
  const loopDoc = (n: number) => ({
    trigger: { type: 'manual' },
    nodes: [
      {
        id: 'each',
        type: 'forEach',
        items: `[1..${n}]`,
        concurrency: CONCURRENCY,
        body: { nodes: [{ id: 'n1', type: 'action', action: NOOP_ACTION, inputs: { item: { $expr: 'item' } } }], edges: [{ from: 'each', to: 'n1' }] },
      },
    ],
    edges: [{ from: 'trigger', to: 'each' }],
  });
  const ids = Array.from({ length: GRAPH }, (_, i) => `n${i + 1}`);
  const graphDoc = {
    trigger: { type: 'manual' },
    nodes: ids.map((id) => ({ id, type: 'action', action: NOOP_ACTION })),
    edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })),
  };

  const rows: string[] = [];
  try {
    // Warm up both sides (bundle evaluation, connections).
    await client.workflow.execute('runFlow', { args: [runInput(loopDoc(150))], taskQueue, workflowId: `warm-${crypto.randomUUID()}` });
    await client.workflow.execute('handLoop', { args: [150, BATCH, CONCURRENCY], taskQueue, workflowId: `warm-${crypto.randomUUID()}` });
    for (const n of SIZES) {
      const hand = await measure(`hand-loop-${n}`, (workflowId) =>
        client.workflow.execute('handLoop', { args: [n, BATCH, CONCURRENCY], taskQueue, workflowId }),
      );
      const interp = await measure(`interp-loop-${n}`, (workflowId) =>
        client.workflow.execute('runFlow', { args: [runInput(loopDoc(n))], taskQueue, workflowId }),
      );
      for (const [side, m] of [
        ['hand-written', hand],
        ['interpreter', interp],
      ] as const)
        rows.push(
          `| loop ${n} | ${side} | ${m.workflows} | ${m.top} | ${m.max} | ${m.total} | ${(m.total / n).toFixed(2)} | ${(m.cpuMs / n).toFixed(2)} | ${(m.wallMs / 1000).toFixed(1)} |`,
        );
      rows.push(
        `| loop ${n} | **ratio** | | | | | **${(interp.total / hand.total).toFixed(3)}×** | **${(interp.cpuMs / hand.cpuMs).toFixed(2)}×** | ${(interp.wallMs / hand.wallMs).toFixed(2)}× |`,
      );
      console.log(rows.slice(-3).join('\n'));
    }
    const handG = await measure(`hand-graph-${GRAPH}`, (workflowId) => client.workflow.execute('handLinear', { args: [GRAPH], taskQueue, workflowId }));
    const interpG = await measure(`interp-graph-${GRAPH}`, (workflowId) =>
      client.workflow.execute('runFlow', { args: [runInput(graphDoc)], taskQueue, workflowId }),
    );
    rows.push(
      `| graph ${GRAPH} | hand-written | 1 | ${handG.top} | ${handG.max} | ${handG.total} | ${(handG.total / GRAPH).toFixed(2)} | ${(handG.cpuMs / GRAPH).toFixed(2)} | ${(handG.wallMs / 1000).toFixed(1)} |`,
    );
    rows.push(
      `| graph ${GRAPH} | interpreter | 1 | ${interpG.top} | ${interpG.max} | ${interpG.total} | ${(interpG.total / GRAPH).toFixed(2)} | ${(interpG.cpuMs / GRAPH).toFixed(2)} | ${(interpG.wallMs / 1000).toFixed(1)} |`,
    );
    rows.push(
      `| graph ${GRAPH} | **ratio** | | | | | **${(interpG.total / handG.total).toFixed(3)}×** | **${(interpG.cpuMs / handG.cpuMs).toFixed(2)}×** | ${(interpG.wallMs / handG.wallMs).toFixed(2)}× |`,
    );
    console.log(
      `\nnproc ${os.cpus().length}; concurrency ${CONCURRENCY}; batch ${BATCH}\n\n| shape | side | workflows | run's events | max events in one history | events (all) | events/item | CPU ms/item | wall s |\n|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}`,
    );
  } finally {
    await connection.close();
    worker.shutdown();
    await running;
    await worker.closeHttp();
    await nativeConnection.close();
    await db.destroy();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
