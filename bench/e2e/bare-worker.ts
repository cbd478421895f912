/**
 * The bare baseline's worker (a process of its own, spawned by bench/e2e.bench.ts): bench/e2e/bare-workflows.ts bundled
 * alone and the two bare activities, on the SDK's default worker options.
 *
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 BARE_TASK_QUEUE=bare node --import tsx bench/e2e/bare-worker.ts
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker, type InjectedSinks } from '@temporalio/worker';
import type { BareSinks } from './bare-workflows';
import { bareActivities } from './bare-activities';

/** `done <workflowId> <ms since the epoch>`: a run's end, as runs.ended_at is a Switchyard run's (bench/e2e.bench.ts reads it). */
const sinks: InjectedSinks<BareSinks> = {
  bench: { done: { fn: (info) => console.log(`done ${info.workflowId} ${Date.now()}`), callDuringReplay: false } },
};

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: process.env.BARE_TASK_QUEUE!,
    workflowsPath: fileURLToPath(new URL('./bare-workflows.ts', import.meta.url)),
    activities: bareActivities,
    sinks,
  });
  console.log('bare worker running');
  // The SDK's Runtime drains on SIGINT/SIGTERM; then run() resolves.
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
