import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { IntegrationDefinition } from '../../core/src/catalog-sdk';
import { RECORD_RUN_ACTIVITY } from '../../core/src/run';
import type { Db } from '../../store/src/database';
import { createActionActivities } from './activities/actions';
import { createRecordRunActivity } from './activities/record-run';
import { createGuardedHttpClient } from './http/guarded-http';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface SwitchyardWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  integrations: IntegrationDefinition[];
  logger: Logger;
  /** Private addresses the HTTP client may reach (tests allow 127.0.0.1). */
  httpAllow: string[];
  /** A prebuilt workflow bundle (tests build it once); else the workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  /** Extra activities registered beside the catalog's (benchmarks' no-op actions). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  tuning?: Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>;
}

/** The worker: the runFlow interpreter plus every catalog action as an activity. */
export async function createSwitchyardWorker(o: SwitchyardWorkerOptions): Promise<Worker & { closeHttp(): Promise<void> }> {
  const http = createGuardedHttpClient({ allow: o.httpAllow });
  const worker = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: {
      ...createActionActivities(o.integrations, { http, logger: o.logger }),
      [RECORD_RUN_ACTIVITY]: createRecordRunActivity(o.db),
      ...o.extraActivities,
    },
    ...o.tuning,
  });
  return Object.assign(worker, { closeHttp: () => http.close() });
}
