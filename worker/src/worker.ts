import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { metricsInterceptor, type WorkerMetrics } from './metrics';
import type { Tracer } from '@opentelemetry/api';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NO_TRACING, type Tracing } from '#core/tracing';
import type { Logger } from 'pino';
import type { IntegrationDefinition } from '#core/catalog-sdk';
import { heavyTaskQueue, RECORD_RUN_ACTIVITY, REGISTER_WEBHOOK_WAIT_ACTIVITY, TEST_CONNECTION_ACTIVITY } from '#core/run';
import { ScheduleActivities } from '#core/names';
import { DEFAULT_NOTIFICATION_RETRY, NotificationActivities, type NotificationRetry } from '#core/notifications';
import type { SecretStore } from '#store/secrets';
import type { Db } from '#store/database';
import { createActionActivities } from './activities/actions';
import { createRecordRunActivity } from './activities/record-run';
import { createFinishNotificationActivity, createSendNotificationActivity } from './notifications/send-notification';
import { createTestConnectionActivity } from './activities/test-connection';
import { createRegisterWebhookWaitActivity } from './activities/webhook-waits';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { instantIntegration } from './instant/instant.integration';
import { CREDITS_BALANCE_ACTIVITY, GRANT_ALLOWANCES_ACTIVITY } from '#core/credits';
import { createCreditsBalanceActivity, createGrantAllowancesActivity } from './credits/reset';
import { meteringInterceptor, meterRequest } from './credits/metering';
import type { ChargeJournal } from './credits/db-send-journal';
import { createAdmitScheduledRunActivity, createMarkScheduledRunStartedActivity } from './schedules/admission';
import { codeIntegration } from './code/code.integration';
import { SandboxPool } from './code/sandbox-pool';
import { Connections } from '#store/connections';
import { CONNECTION_STATUS_ACTIVITY } from '#core/run';
import { createConnectionStatusActivity } from './activities/connection-status';
import { providersOf } from '#catalog/oauth-providers';
import os from 'node:os';
import path from 'node:path';
import { BlobStore, FileBlobBackend } from '#store/blobs';
import { createBlobActivities } from './activities/blobs';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
/**
 * The OpenTelemetry workflow interceptors (spans from the API request through the workflow to its activities,
 * docs/deploy.md), in the bundle only when tracing is on: with tracing off they still cost about a quarter of the
 * workflow thread's CPU per run (their modules evaluated for every run, a span per step exported to a sink that drops
 * it; issue 18). Neither way changes a run's commands: since SDK 1.13.2 they add no yield points (SDK flags 3–5, on
 * for every history our SDK wrote, and flag 6, off for a run started without them), so a run started with tracing on
 * replays without it and the other way round; test/replay replays histories recorded each way with both bundles.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
/**
 * Modules evaluated once per worker thread's V8 context and shared by every workflow run in it, instead of once per
 * run (the SDK's `preloadModules`; issue 18 measured module evaluation, zod's schemas above all, as the largest share
 * of the worker's CPU per run). Only modules without per-run state and without `@temporalio/workflow`: the flow
 * document's and the catalog's schemas (zod), the expression engine (JSONata; its compiled-expression cache is keyed
 * by the source text, so sharing it changes no result), and what they import.
 */
const core = (file: string) => fileURLToPath(new URL(`../../core/src/${file}`, import.meta.url));
export const WORKFLOW_PRELOAD_MODULES = ['zod', 'jsonata', ...['flow.ts', 'catalog-sdk.ts', 'instant.ts', 'expressions.ts', 'run.ts'].map(core)];
/** How a workflow bundle is built (by the worker at start, scripts/build-workflows.ts, the tests and benchmarks). */
export function workflowBundleOptions(o: { tracing: boolean }) {
  return {
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: o.tracing ? WORKFLOW_INTERCEPTOR_MODULES : [],
    preloadModules: WORKFLOW_PRELOAD_MODULES,
  };
}
/** The bundle of a worker without tracing (the default). */
export const WORKFLOW_BUNDLE_OPTIONS = workflowBundleOptions({ tracing: false });

export interface SwitchyardWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  integrations: IntegrationDefinition[];
  logger: Logger;
  secrets: SecretStore;
  /** Base URL overrides by integration key (`{ "stripe": "http://127.0.0.1:12111" }`). */
  endpoints?: Record<string, string>;
  /** Private addresses the HTTP client may reach (tests allow 127.0.0.1). */
  httpAllow: string[];
  /** Most connections to one origin (SWITCHYARD_HTTP_MAX_CONNECTIONS); default no limit. */
  httpMaxConnections?: number;
  /** A prebuilt workflow bundle (tests build it once); else the workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  /** Extra activities registered beside the catalog's (benchmarks' no-op actions). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** How far back a waitForWebhook node looks for an event that arrived before it waited (default 10 minutes). */
  webhookBufferMs?: number;
  /** Credits metering of every catalog action (default on; benchmarks turn it off to measure its cost). */
  metering?: boolean;
  /** Where each charged request is followed until it leaves (see credits/send-journal.ts); none in most tests. */
  sendJournal?: ChargeJournal;
  /** How notification deliveries are retried (default DEFAULT_NOTIFICATION_RETRY: 25 hours); tests shorten it. */
  notificationRetry?: NotificationRetry;
  /** Where large values go (references in history); default: files under a temporary folder of this process (tests). */
  blobs?: BlobStore;
  tuning?: Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'shutdownGraceTime'>;
  /**
   * `default` (the default): the flows' workflows and every activity, on `taskQueue`. `heavy`: only the heavy actions
   * (catalog `queue: 'heavy'`: AI, files), on `<taskQueue>-heavy` (WORKER_QUEUES).
   */
  queue?: 'default' | 'heavy';
  /** Payload codecs (encryption, store/src/payload-codec.ts); the client, the API and every worker must agree. */
  dataConverter?: DataConverter;
  /** Prometheus metrics of activities and slots (WORKER_METRICS_PORT); none in most tests. */
  metrics?: WorkerMetrics;
  /** OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT): workflow and activity spans, continuing the API request's trace. */
  tracing?: Pick<Tracing, 'processor' | 'resource' | 'tracer'>;
}

/** Only the heavy actions of the catalog: what a `heavy` worker registers (none: there is nothing for it to serve). */
export function heavyOnly(integrations: IntegrationDefinition[]): IntegrationDefinition[] {
  return integrations.map((i) => ({ ...i, actions: i.actions.filter((a) => (a.queue ?? i.queue) === 'heavy') })).filter((i) => i.actions.length > 0);
}

/** The worker: the runFlow interpreter, scheduled starts (scheduledFlowRun), plus every catalog action as an activity. */
export async function createSwitchyardWorker(o: SwitchyardWorkerOptions): Promise<Worker & { closeHttp(): Promise<void> }> {
  if (o.queue === 'heavy') return createHeavyWorker(o);
  const metering = o.metering ?? true;
  // Every request an action sends is charged right before it leaves (see credits/metering.ts).
  const http = createGuardedHttpClient({
    allow: o.httpAllow,
    ...(o.httpMaxConnections ? { maxConnectionsPerOrigin: o.httpMaxConnections } : {}),
    ...(metering ? { onRequest: meterRequest } : {}),
  });
  // Token requests (refresh, client credentials) go through the address guard too, unmetered: they are not API requests.
  const tokenHttp = createGuardedHttpClient({ allow: o.httpAllow });
  const connections = new Connections(o.db, o.secrets, providersOf(o.integrations), { fetch: tokenHttp.fetch });
  const blobs = o.blobs ?? new BlobStore(o.db, o.secrets, new FileBlobBackend(path.join(os.tmpdir(), `switchyard-blobs-${process.pid}`)));
  const actionDeps = { http, logger: o.logger, secrets: o.secrets, endpoints: o.endpoints ?? {}, db: o.db, connections, blobs };
  // Code steps (code.run@1) are adapted and metered like catalog actions; their sandbox threads live with the worker.
  const sandboxes = new SandboxPool();
  sandboxes.warm();
  // Imported integrations' operations all run as instant.call@1, which reads the stored operation.
  const integrations = [...o.integrations, codeIntegration(sandboxes), instantIntegration(o.db)];
  // Notifications go out through their own guarded client: the same address guard, no credits metering.
  const notificationHttp = createGuardedHttpClient({ allow: o.httpAllow });
  const notifier = {
    db: o.db,
    client: new Client({ connection: o.connection, namespace: o.namespace, ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}) }),
    taskQueue: o.taskQueue,
    retry: o.notificationRetry ?? DEFAULT_NOTIFICATION_RETRY,
  };
  const worker = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}),
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES } }),
    // The workflow interceptors' spans leave the sandbox through this sink (dropped when tracing is off).
    sinks: { exporter: makeWorkflowExporter((o.tracing ?? NO_TRACING).processor, (o.tracing ?? NO_TRACING).resource) },
    activities: {
      ...createActionActivities(integrations, actionDeps),
      [TEST_CONNECTION_ACTIVITY]: createTestConnectionActivity(o.integrations, actionDeps),
      [RECORD_RUN_ACTIVITY]: createRecordRunActivity(o.db, notifier),
      [NotificationActivities.send]: createSendNotificationActivity({ db: o.db, secrets: o.secrets, http: notificationHttp }),
      [NotificationActivities.finish]: createFinishNotificationActivity(o.db),
      [REGISTER_WEBHOOK_WAIT_ACTIVITY]: createRegisterWebhookWaitActivity(o.db, o.webhookBufferMs ?? 10 * 60_000),
      [GRANT_ALLOWANCES_ACTIVITY]: createGrantAllowancesActivity(o.db),
      [CREDITS_BALANCE_ACTIVITY]: createCreditsBalanceActivity(o.db),
      [CONNECTION_STATUS_ACTIVITY]: createConnectionStatusActivity(o.db),
      ...createBlobActivities(blobs, o.db),
      [ScheduleActivities.admit]: createAdmitScheduledRunActivity({ db: o.db, integrations: o.integrations, logger: o.logger }),
      [ScheduleActivities.started]: createMarkScheduledRunStartedActivity(o.db),
      ...o.extraActivities,
    },
    interceptors: {
      // With workflowsPath (bundled at start) and tracing on; a prebuilt bundle has them built in or not
      // (workflowBundleOptions), and the SDK warns at every start if they are named again.
      ...(o.workflowBundle || !o.tracing ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
      activity: [
        ...(o.tracing ? [tracingActivityInterceptor(o.tracing.tracer)] : []),
        ...(o.metrics ? [metricsInterceptor(o.metrics, o.logger)] : []),
        ...(metering ? [meteringInterceptor({ db: o.db, integrations, logger: o.logger, ...(o.sendJournal ? { journal: o.sendJournal } : {}) })] : []),
      ],
    },
    ...o.tuning,
  });
  o.metrics?.watch(worker);
  return Object.assign(worker, {
    closeHttp: () => Promise.all([http.close(), tokenHttp.close(), notificationHttp.close(), sandboxes.close()]).then(() => undefined),
  });
}

/** A worker of the heavy queue: no workflows, the heavy actions only, metered like every action. */
async function createHeavyWorker(o: SwitchyardWorkerOptions): Promise<Worker & { closeHttp(): Promise<void> }> {
  const metering = o.metering ?? true;
  const integrations = heavyOnly(o.integrations);
  const http = createGuardedHttpClient({
    allow: o.httpAllow,
    ...(o.httpMaxConnections ? { maxConnectionsPerOrigin: o.httpMaxConnections } : {}),
    ...(metering ? { onRequest: meterRequest } : {}),
  });
  const tokenHttp = createGuardedHttpClient({ allow: o.httpAllow });
  const connections = new Connections(o.db, o.secrets, providersOf(o.integrations), { fetch: tokenHttp.fetch });
  const blobs = o.blobs ?? new BlobStore(o.db, o.secrets, new FileBlobBackend(path.join(os.tmpdir(), `switchyard-blobs-${process.pid}`)));
  const actionDeps = { http, logger: o.logger, secrets: o.secrets, endpoints: o.endpoints ?? {}, db: o.db, connections, blobs };
  const worker = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: heavyTaskQueue(o.taskQueue),
    ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}),
    activities: createActionActivities(integrations, actionDeps),
    interceptors: {
      activity: [
        ...(o.tracing ? [tracingActivityInterceptor(o.tracing.tracer)] : []),
        ...(o.metrics ? [metricsInterceptor(o.metrics, o.logger)] : []),
        ...(metering ? [meteringInterceptor({ db: o.db, integrations, logger: o.logger, ...(o.sendJournal ? { journal: o.sendJournal } : {}) })] : []),
      ],
    },
    ...o.tuning,
  });
  o.metrics?.watch(worker);
  return Object.assign(worker, { closeHttp: () => Promise.all([http.close(), tokenHttp.close()]).then(() => undefined) });
}

/** Each activity attempt's span, a child of the workflow's (its context travels in the activity's headers). */
function tracingActivityInterceptor(tracer: Tracer): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) });
}
