import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { integrations } from '#catalog';
import { ConfigError, parseConfig } from '#core/config';
import { setDefaultPlan } from '#store/credits.repository';
import { openDatabase } from '#store/database';
import { loadMasterKey } from '#store/crypto';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { BlobStore } from '#store/blobs';
import { blobBackendFromConfig } from '#store/blobs-s3';
import { parseAllowList } from '#core/net/guarded-http';
import { ensureCreditsSchedule } from './credits/schedule';
import { reconcileFlowSchedules } from './schedules/reconcile';
import { recoverSendJournals, SendJournal } from './credits/send-journal';
import { createQueueWorkers } from './queue-workers';
import { temporalConnectionSettings } from '#core/temporal-connection';
import { dataConverterOf, payloadCodecFor } from '#store/payload-codec';
import { durationMs } from '#core/graph';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, name: 'worker' });
  Runtime.install({ logger: new DefaultLogger('WARN', (entry) => logger.warn({ sdk: entry.meta }, entry.message)) });
  const db = openDatabase(config.databaseUrl, { poolSize: config.DATABASE_POOL_SIZE });
  const masterKey = loadMasterKey(config, config.DATA_DIR);
  const secrets = new SecretStore(db, masterKey);
  await migrateToLatest(db);
  await setDefaultPlan(db, config.SWITCHYARD_DEFAULT_PLAN);
  // Settle the charges a killed worker left behind (refund those whose request never left) before charging anew.
  const journalDir = path.join(config.DATA_DIR, 'credits-journal');
  await recoverSendJournals({ dir: journalDir, db, logger });
  const sendJournal = SendJournal.start(journalDir);
  const settleSiblings = setInterval(
    () =>
      void recoverSendJournals({ dir: journalDir, db, logger, own: sendJournal.fileName }).catch((err: unknown) =>
        logger.warn({ err }, 'could not settle a send journal'),
      ),
    5 * 60_000,
  );
  settleSiblings.unref();
  // Address, namespace, TLS and API key as Temporal's environment configuration says; payloads encrypted (store/src/payload-codec.ts).
  const temporal = temporalConnectionSettings(process.env, { devPort: config.TEMPORAL_DEV_PORT });
  const { namespace } = temporal;
  const dataConverter = dataConverterOf(payloadCodecFor(config, masterKey));
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  const worker = await createQueueWorkers(
    {
      connection,
      namespace,
      dataConverter,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db,
      secrets,
      endpoints: config.SWITCHYARD_PROVIDER_ENDPOINTS,
      integrations,
      logger,
      httpAllow: parseAllowList(config.SWITCHYARD_HTTP_ALLOW),
      ...(config.SWITCHYARD_HTTP_MAX_CONNECTIONS ? { httpMaxConnections: config.SWITCHYARD_HTTP_MAX_CONNECTIONS } : {}),
      ...(config.SWITCHYARD_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.SWITCHYARD_WORKFLOW_BUNDLE } } : {}),
      webhookBufferMs: durationMs(config.WEBHOOK_BUFFER_WINDOW as `${number}m`),
      sendJournal,
      blobs: new BlobStore(db, secrets, blobBackendFromConfig(config)),
    },
    config.WORKER_QUEUES,
  );
  // The monthly credits reset and the flows' schedules; a failure here must not keep the worker from running flows.
  const scheduleConnection = await Connection.connect(temporal.connectionOptions);
  const scheduleClient = new Client({ connection: scheduleConnection, namespace, dataConverter });
  await ensureCreditsSchedule(scheduleClient, config.TEMPORAL_TASK_QUEUE).catch((err: unknown) =>
    logger.warn({ err }, 'could not create or update the monthly credits reset schedule'),
  );
  await reconcileFlowSchedules({ client: scheduleClient, db, taskQueue: config.TEMPORAL_TASK_QUEUE, logger })
    .then((report) => logger.info(report, 'flow schedules reconciled'))
    .catch((err: unknown) => logger.warn({ err }, 'could not reconcile the flow schedules'))
    .finally(() => scheduleConnection.close());
  // Started by `npm start`: exit with it, even if it was killed without a chance to stop us.
  process.once('disconnect', () => worker.shutdown());
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, queues: config.WORKER_QUEUES, temporal: temporal.describe }, 'worker running');
  process.send?.({ type: 'ready' }); // tells `npm start` we are up, whatever the log level
  // Runtime handles SIGINT/SIGTERM: it drains in-flight tasks, then run() resolves.
  await worker.run();
  await worker.closeHttp();
  clearInterval(settleSiblings);
  sendJournal.close();
  await connection.close();
  await db.destroy();
  process.exit(0); // the IPC channel from `npm start` would otherwise keep the process alive
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
