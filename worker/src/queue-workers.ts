import type { Worker } from '@temporalio/worker';
import { createSwitchyardWorker, heavyOnly, type SwitchyardWorkerOptions } from './worker';

/** The workers of one process, one per task queue it serves (WORKER_QUEUES), run and stopped together. */
export interface QueueWorkers {
  workers: Worker[];
  /** Resolves when every worker stopped (after shutdown(), or SIGINT/SIGTERM through the SDK's Runtime). */
  run(): Promise<void>;
  shutdown(): void;
  closeHttp(): Promise<void>;
}

/**
 * `default`: the flows' workflows and every activity on the task queue; `heavy`: the heavy actions (AI, files) on
 * `<task queue>-heavy`. A process may serve both (the default, one machine) or one of them (separate pools).
 */
export async function createQueueWorkers(o: SwitchyardWorkerOptions, queues: readonly ('default' | 'heavy')[]): Promise<QueueWorkers> {
  // A catalog without heavy actions (tests of one integration) leaves the heavy queue nothing to serve.
  const serving = queues.filter((q) => q !== 'heavy' || heavyOnly(o.integrations).length > 0);
  if (serving.length === 0)
    throw new Error(`WORKER_QUEUES=${queues.join(',')}: no action of this catalog runs on the heavy queue, so this worker would serve nothing; add 'default'`);
  const workers: (Worker & { closeHttp(): Promise<void> })[] = [];
  try {
    for (const queue of serving) workers.push(await createSwitchyardWorker({ ...o, queue }));
  } catch (err) {
    await Promise.all(workers.map((w) => w.closeHttp()));
    throw err;
  }
  const shutdown = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  return {
    workers,
    async run() {
      // One worker failing stops the others (the process is then restarted whole, as before); run() settles when all stopped.
      const results = await Promise.allSettled(
        workers.map((w) =>
          w.run().catch((err: unknown) => {
            shutdown();
            throw err;
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown,
    closeHttp: () => Promise.all(workers.map((w) => w.closeHttp())).then(() => undefined),
  };
}
