/**
 * Records the histories of one scheduled run, replayed by test/replay/replay.test.ts with the others:
 *
 *   npx tsx test/replay/record-scheduled-history.ts
 *
 * Starts its own in-memory Temporal dev server and a worker, publishes a flow with an every-second schedule, lets
 * one fire run and writes `histories/scheduled-run.json` (the schedule's `scheduledFlowRun`: admission activity,
 * child run, start marked) and `histories/scheduled-run-flow.json` (the child `runFlow` with its schedule trigger).
 * Existing files are overwritten: re-record only when they are new (see README.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { integrations } from '#catalog';
import { FlowDocument, toSnapshot } from '#core/flow';
import { scheduleDefinition } from '#core/schedule';
import { openDatabase } from '#store/database';
import { insertFlow, publishVersion } from '#store/flows.repository';
import { migrateToLatest } from '#store/migrate';
import { ephemeralSecretStore } from '#store/secrets';
import { createWorkspace } from '#store/workspaces.repository';
import { createSwitchyardWorker } from '#worker/worker';
import { startDevServer } from '../../scripts/lib/temporal-dev-server';
import { freePort } from '../helpers/ports';
import { historyToJSONText } from './golden-flows';

const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');
const TASK_QUEUE = 'scheduled-history';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ port: await freePort() });
  const db = openDatabase(':memory:');
  try {
    await migrateToLatest(db);
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const worker = await createSwitchyardWorker({
      secrets: ephemeralSecretStore(db),
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      db,
      integrations,
      logger: pino({ level: 'silent' }),
      httpAllow: [],
    });
    const running = worker.run();
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const workspace = await createWorkspace(db, 'Replay');
      const document = FlowDocument.parse({
        trigger: { type: 'schedule', interval: { every: '1s' } },
        nodes: [
          { id: 'stamp', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: 'scheduledTime' } },
          { id: 'done', type: 'end', output: { $expr: 'nodes.stamp' } },
        ],
        edges: [
          { from: 'trigger', to: 'stamp' },
          { from: 'stamp', to: 'done' },
        ],
      });
      const snapshot = toSnapshot(document);
      const flow = await insertFlow(db, { workspaceId: workspace.id, name: 'Replay', draft: document });
      await publishVersion(db, { workspaceId: workspace.id, flowId: flow.id, snapshot, triggerType: 'schedule', triggerEvent: null });
      if (snapshot.trigger.type !== 'schedule') throw new Error('unreachable');
      const definition = scheduleDefinition(snapshot.trigger, { workspaceId: workspace.id, flowId: flow.id, mode: 'live', taskQueue: TASK_QUEUE });
      const schedule = await client.schedule.create({ ...definition, memo: { taskQueue: TASK_QUEUE } });
      let fire: string | undefined;
      const deadline = Date.now() + 30_000;
      while (!fire) {
        if (Date.now() > deadline) throw new Error('The schedule did not fire within 30 s');
        await new Promise((r) => setTimeout(r, 200));
        fire = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
      }
      await schedule.delete();
      const parent = client.workflow.getHandle(fire);
      const outcome = await parent.result();
      if (outcome.outcome !== 'ran') throw new Error(`The fire ended ${JSON.stringify(outcome)}: not recording it`);
      const child = client.workflow.getHandle(outcome.workflowId);
      await child.result();
      for (const [name, handle] of [
        ['scheduled-run', parent],
        ['scheduled-run-flow', child],
      ] as const) {
        const history = await handle.fetchHistory();
        const file = path.join(HISTORIES_DIR, `${name}.json`);
        fs.writeFileSync(file, historyToJSONText(history) + '\n');
        console.log(`${name}: ${history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}`);
      }
    } finally {
      await connection.close();
      worker.shutdown();
      await running;
      await worker.closeHttp();
      await nativeConnection.close();
    }
  } finally {
    await db.destroy();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
