import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { catalog, integrations } from '#catalog';
import { ConfigError, parseConfig } from '#core/config';
import { setDefaultPlan } from '#store/credits.repository';
import { openDatabase } from '#store/database';
import { loadMasterKey } from '#store/crypto';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { BlobStore } from '#store/blobs';
import { blobBackendFromConfig } from '#store/blobs-s3';
import { startBlobRetention } from './services/blobs.service';
import { createApp } from './app';
import { firstStart } from './bootstrap';
import { DEFAULT_PEOPLE_CONFIG } from './services/people.service';
import { startAuditRetention } from './services/audit.service';
import { startStoppedRunSweep } from './services/runs.service';
import { startStuckStartSweep } from './services/stuck-starts.service';
import { startWebhookRetention } from './services/webhooks.service';
import { connectTemporalFromConfig } from './temporal';
import { durationMs } from '#core/graph';
import { serveMetrics } from '#core/metrics-server';
import { ApiMetrics } from './http/metrics';
import { gracefulStop } from './http/shutdown';
import { startTracing } from '#core/tracing';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, name: 'server' });
  const db = openDatabase(config.databaseUrl, { poolSize: config.DATABASE_POOL_SIZE });
  await migrateToLatest(db);
  await setDefaultPlan(db, config.SWITCHYARD_DEFAULT_PLAN);
  const masterKey = loadMasterKey(config, config.DATA_DIR);
  const secrets = new SecretStore(db, masterKey);
  // Fails at start, naming the secret, if the master key is wrong or a stored value was altered.
  await secrets.verifyAll();
  const publicUrl = config.SWITCHYARD_PUBLIC_URL?.replace(/\/$/, '');
  const baseUrl = publicUrl ?? `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  const start = await firstStart(db);
  if (start.appKeys) {
    // Shown once: only hashes are stored. These are app keys (events:write + runs:read), not owner keys.
    console.log(
      `\n  Workspace created. Keys for your app's backend (events:write + runs:read; shown once, store them now):\n    live: ${start.appKeys.live}\n    test: ${start.appKeys.test}\n`,
    );
  }
  if (start.ownerInvitation) {
    console.log(
      `  Nobody has an account yet. Create the owner's account (one-time link, valid 7 days):\n    ${baseUrl}/signup?invite=${start.ownerInvitation}\n` +
        `  Then sign in at ${baseUrl}/ to draw flows, invite people and create API keys with other scopes.\n`,
    );
  }
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'switchyard-api' })
    : undefined;
  const temporal = connectTemporalFromConfig(config, process.env, masterKey, {
    ...(tracing ? { interceptors: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : {}),
  });
  const blobs = new BlobStore(db, secrets, blobBackendFromConfig(config));
  const metrics = { api: new ApiMetrics(db), ownPort: config.METRICS_PORT !== undefined };
  const editorDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../editor/dist');
  const app = createApp({
    db,
    temporal,
    catalog,
    integrations,
    secrets,
    logger,
    bodyLimit: config.BODY_LIMIT,
    authFailureLimits: { perAddress: config.SWITCHYARD_AUTH_FAILURES_PER_ADDRESS, perKey: config.SWITCHYARD_AUTH_FAILURES_PER_KEY },
    webhookBodyLimit: config.WEBHOOK_BODY_LIMIT,
    checkResponses: config.SWITCHYARD_CHECK_RESPONSES === '1',
    ...(config.SWITCHYARD_LLM_BASE_URL
      ? { llm: { baseUrl: config.SWITCHYARD_LLM_BASE_URL, apiKey: config.SWITCHYARD_LLM_API_KEY ?? '', model: config.SWITCHYARD_LLM_MODEL } }
      : {}),
    scheduleMinIntervalMs: durationMs(config.SWITCHYARD_SCHEDULE_MIN_INTERVAL as `${number}m`),
    ...(publicUrl ? { publicUrl } : {}),
    editorDir,
    metrics,
    ...(tracing ? { tracer: tracing.tracer } : {}),
    ...(config.SWITCHYARD_OIDC_ISSUER && config.SWITCHYARD_OIDC_CLIENT_ID
      ? {
          oidc: {
            issuer: config.SWITCHYARD_OIDC_ISSUER,
            clientId: config.SWITCHYARD_OIDC_CLIENT_ID,
            clientSecret: config.SWITCHYARD_OIDC_CLIENT_SECRET ?? '',
            allowHttp: config.SWITCHYARD_OIDC_ISSUER.startsWith('http:'),
          },
        }
      : {}),
    people: {
      ...DEFAULT_PEOPLE_CONFIG,
      session: { ttlMs: durationMs(config.SWITCHYARD_SESSION_TTL as `${number}d`) },
      signup: config.SWITCHYARD_SIGNUP,
      signinFailuresPerAddress: config.SWITCHYARD_SIGNIN_FAILURES_PER_ADDRESS,
      lockAfter: config.SWITCHYARD_SIGNIN_LOCK_AFTER,
      lockMs: durationMs(config.SWITCHYARD_SIGNIN_LOCK_FOR as `${number}m`),
    },
    blobs,
    fileUploadLimit: config.FILE_UPLOAD_LIMIT,
    httpAllow: config.SWITCHYARD_HTTP_ALLOW.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(config.SWITCHYARD_ADMIN_TOKEN ? { adminToken: config.SWITCHYARD_ADMIN_TOKEN } : {}),
    codecCorsOrigins: config.SWITCHYARD_CODEC_CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  });
  const stopRetention = startWebhookRetention({ db, logger, retentionMs: durationMs(config.WEBHOOK_RETENTION as `${number}d`) });
  const stopSweep = startStoppedRunSweep({ db, temporal, logger });
  const stopStartSweep = startStuckStartSweep({ db, temporal, catalog, logger });
  const stopAudit = startAuditRetention({ db, logger, retentionMs: durationMs(config.SWITCHYARD_AUDIT_RETENTION as `${number}d`) });
  const stopBlobRetention = startBlobRetention({ blobs, logger, retentionMs: durationMs(config.RUN_DATA_RETENTION as `${number}d`) });
  const server = app.listen(config.PORT, config.HOST, () => {
    logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'API server listening');
  });
  const metricsServer = metrics.ownPort ? await serveMetrics({ port: config.METRICS_PORT!, host: config.HOST, render: () => metrics.api.render() }) : undefined;
  const stop = gracefulStop(server, {
    graceMs: durationMs(config.SHUTDOWN_GRACE as `${number}s`),
    logger,
    async cleanup() {
      stopRetention();
      stopSweep();
      stopStartSweep();
      stopAudit();
      stopBlobRetention();
      await metricsServer?.close();
      await temporal.close();
      await db.destroy();
      await tracing?.shutdown();
    },
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `npm start`: exit with it, even if it was killed without a chance to stop us.
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
