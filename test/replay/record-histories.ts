/**
 * Records the golden histories replayed by test/replay/replay.test.ts:
 *
 *   npx tsx test/replay/record-histories.ts [name…]
 *
 * Starts its own in-memory Temporal dev server, a worker with the current interpreter and a local HTTP
 * peer, runs every golden flow (or only the named ones) and writes test/replay/histories/<name>.json.
 * Existing files are overwritten: re-record only flows that are new; keep old histories (see README.md).
 */
import fs from 'node:fs';
import { ephemeralSecretStore } from '#store/secrets';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { trace } from '@opentelemetry/api';
import { NO_TRACING } from '#core/tracing';
import { integrations } from '#catalog';
import { RunQueries, RunSignals, RunUpdates, type RunState } from '#core/run';
import { addCredits, openAccount } from '#store/credits.repository';
import { startDevServer } from '../../scripts/lib/temporal-dev-server';
import { openDatabase } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { createSwitchyardWorker } from '#worker/worker';
import { startHttpPeer } from '../helpers/http-peer';
import { freePort } from '../helpers/ports';
import { goldenFlows, goldenInput, historyToJSONText, PEER_PATHS } from './golden-flows';

// RECORD_INTO=histories-untraced writes there instead, recorded without the tracing interceptors (README.md); histories/
// is recorded with them, as a worker with tracing on runs.
const INTO = process.env.RECORD_INTO ?? 'histories';
const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), INTO);
const TRACING = INTO === 'histories' ? { ...NO_TRACING, tracer: trace.getTracer('golden-histories') } : undefined;
const TASK_QUEUE = 'golden-histories';

async function main(only: string[]): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  let flakyCalls = 0;
  let lockedOpen = false;
  const peer = await startHttpPeer((hit) => {
    const p = hit.path.split('?')[0]!;
    if (p === PEER_PATHS.user) return { body: { id: 42, name: 'Ada', plan: 'pro' } };
    if (p === PEER_PATHS.echo) return { body: { got: JSON.parse(hit.body || 'null') } };
    if (p === PEER_PATHS.missing) return { status: 404, body: { error: 'no such thing' } };
    if (p === PEER_PATHS.bad) return { status: 400, body: { error: 'bad request' } };
    if (p === PEER_PATHS.flaky) return ++flakyCalls <= 2 ? { status: 503, body: 'down' } : { body: { ok: true, calls: flakyCalls } };
    if (p === PEER_PATHS.locked) return lockedOpen ? { body: { ok: true } } : { status: 401, body: { error: 'bad token' } };
    return { status: 500, body: 'unexpected' };
  });
  const flows = goldenFlows(peer.url).filter((f) => only.length === 0 || only.includes(f.name));
  const unknown = only.filter((n) => !flows.some((f) => f.name === n));
  if (unknown.length > 0) throw new Error(`No golden flow named ${unknown.join(', ')}`);

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
      httpAllow: ['127.0.0.1/32'],
      ...(TRACING ? { tracing: TRACING } : {}),
    });
    const running = worker.run();
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      fs.mkdirSync(HISTORIES_DIR, { recursive: true });
      for (const flow of flows) {
        if (flow.name === 'retry') flakyCalls = 0;
        lockedOpen = false;
        const input = goldenInput(flow);
        if (flow.credits) await openAccount(db, { workspaceId: input.options.workspaceId, plan: 'builder', credits: flow.credits.start });
        const handle = await client.workflow.start('runFlow', { args: [input], taskQueue: TASK_QUEUE, workflowId: flow.name });
        if (flow.credits) {
          const { waitForNode, add } = flow.credits;
          const deadline = Date.now() + 30_000;
          while ((await handle.query<RunState>(RunQueries.state)).nodes[waitForNode]?.status !== 'waitingForCredits') {
            if (Date.now() > deadline) throw new Error(`Golden flow "${flow.name}": node "${waitForNode}" did not wait for credits within 30 s`);
            await new Promise((r) => setTimeout(r, 100));
          }
          if (add > 0) {
            await addCredits(db, { workspaceId: input.options.workspaceId, amount: add, kind: 'topup' });
            await handle.signal(RunSignals.creditsAdded);
          }
        }
        if (flow.decide) {
          // Wait for the park, open the peer, then decide through the Update, as the API does.
          const { nodeKey } = flow.decide;
          const deadline = Date.now() + 30_000;
          while ((await handle.query<RunState>(RunQueries.state)).nodes[nodeKey]?.status !== 'parked') {
            if (Date.now() > deadline) throw new Error(`Golden flow "${flow.name}": node "${nodeKey}" did not park within 30 s`);
            await new Promise((r) => setTimeout(r, 100));
          }
          lockedOpen = true;
          await handle.executeUpdate(RunUpdates.decideNode, { args: [flow.decide] });
        }
        const outcome = await handle.result().then(
          (state: RunState) => state.status,
          (err: unknown) => {
            if (err instanceof WorkflowFailedError) return 'failed' as const;
            throw err;
          },
        );
        if (outcome !== flow.expected) throw new Error(`Golden flow "${flow.name}" ended ${outcome}, expected ${flow.expected}: not recording it`);
        const history = await handle.fetchHistory();
        const write = (name: string, h: typeof history) => {
          const file = path.join(HISTORIES_DIR, `${name}.json`);
          fs.writeFileSync(file, historyToJSONText(h) + '\n');
          console.log(`${name}: ${outcome}, ${h.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}`);
        };
        write(flow.name, history);
        // A run that continued as new: its first Temporal run too (it ends in ContinuedAsNew; the file above is the last).
        if (flow.historyEventLimit !== undefined)
          write(`${flow.name}-first`, await client.workflow.getHandle(flow.name, handle.firstExecutionRunId).fetchHistory());
        // A big loop: the first batch's own history (runFlowItems).
        if (flow.forEachBatchItems !== undefined) {
          const started = history.events?.find(
            (e) => e.startChildWorkflowExecutionInitiatedEventAttributes,
          )?.startChildWorkflowExecutionInitiatedEventAttributes;
          if (!started?.workflowId) throw new Error(`Golden flow "${flow.name}" started no batch`);
          write(`${flow.name}-batch`, await client.workflow.getHandle(started.workflowId).fetchHistory());
        }
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
    await peer.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
