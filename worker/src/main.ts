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
import { recoverSendJournals } from './credits/send-journal';
import { defaultWorkerId, startLeaseAndJournal } from './leases';
import { createQueueWorkers } from './queue-workers';
import { temporalConnectionSettings } from '#core/temporal-connection';
import { dataConverterOf, payloadCodecFor } from '#store/payload-codec';
import { durationMs } from '#core/graph';
import { serveMetrics } from '#core/metrics-server';
import { freeLoopbackPort, WorkerMetrics } from './metrics';
import { bundleHasTracing, prebuiltBundle } from './bundle';
import { startTracing } from '#core/tracing';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, name: 'worker' });
  // With WORKER_METRICS_PORT, the SDK's core exports its metrics on a loopback port that /metrics merges (metrics.ts).
  const sdkMetricsPort = config.WORKER_METRICS_PORT !== undefined ? await freeLoopbackPort() : undefined;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => logger.warn({ sdk: entry.meta }, entry.message)),
    ...(sdkMetricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } } : {}),
  });
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'switchyard-worker' })
    : undefined;
  const metrics = sdkMetricsPort ? new WorkerMetrics({ sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics` }) : undefined;
  const db = openDatabase(config.databaseUrl, { poolSize: config.DATABASE_POOL_SIZE });
  const masterKey = loadMasterKey(config, config.DATA_DIR);
  const secrets = new SecretStore(db, masterKey);
  await migrateToLatest(db);
  await setDefaultPlan(db, config.SWITCHYARD_DEFAULT_PLAN);
  // Journals a worker of a previous version left in DATA_DIR (files), then the database's: settled before charging anew.
  await recoverSendJournals({ dir: path.join(config.DATA_DIR, 'credits-journal'), db, logger });
  const workerId = config.WORKER_ID ?? defaultWorkerId();
  const ttlMs = durationMs(config.WORKER_LEASE_TTL as `${number}s`);
  const { sendJournal, stop: stopLease } = await startLeaseAndJournal({ db, databaseUrl: config.databaseUrl, workerId, ttlMs, logger });
  // SWITCHYARD_WORKFLOW_BUNDLE, else the bundle `npm run build:workflows` prebuilt (the image has one), else bundled now.
  // The tracing interceptors are in the bundle only when tracing is on (worker.ts, workflowBundleOptions).
  const prebuilt = config.SWITCHYARD_WORKFLOW_BUNDLE ? { codePath: config.SWITCHYARD_WORKFLOW_BUNDLE } : prebuiltBundle({ tracing: !!tracing });
  if (prebuilt && 'stale' in prebuilt) logger.warn(`not using ${prebuilt.stale}; bundling the workflows now`);
  const workflowBundle = prebuilt && 'codePath' in prebuilt ? prebuilt : undefined;
  if (workflowBundle) logger.info({ workflowBundle: workflowBundle.codePath }, 'using a prebuilt workflow bundle');
  if (workflowBundle && tracing && !bundleHasTracing(workflowBundle.codePath))
    logger.warn({ workflowBundle: workflowBundle.codePath }, 'tracing is on but this workflow bundle has no tracing interceptors: runs will have no workflow spans');
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
      ...(workflowBundle ? { workflowBundle } : {}),
      webhookBufferMs: durationMs(config.WEBHOOK_BUFFER_WINDOW as `${number}m`),
      sendJournal,
      blobs: new BlobStore(db, secrets, blobBackendFromConfig(config)),
      // On SIGTERM, in-flight activities get this long to finish before they are cancelled.
      tuning: { shutdownGraceTime: durationMs(config.SHUTDOWN_GRACE as `${number}s`) },
      ...(metrics ? { metrics } : {}),
      ...(tracing ? { tracing } : {}),
    },
    config.WORKER_QUEUES,
  );
  const metricsServer = metrics ? await serveMetrics({ port: config.WORKER_METRICS_PORT!, host: config.HOST, render: () => metrics.render() }) : undefined;
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
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, queues: config.WORKER_QUEUES, temporal: temporal.describe, workerId }, 'worker running');
  process.send?.({ type: 'ready' }); // tells `npm start` we are up, whatever the log level
  // Runtime handles SIGINT/SIGTERM: it drains in-flight tasks, then run() resolves.
  await worker.run();
  await worker.closeHttp();
  await stopLease();
  await metricsServer?.close();
  await tracing?.shutdown();
  await connection.close();
  await db.destroy();
  process.exit(0); // the IPC channel from `npm start` would otherwise keep the process alive
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
