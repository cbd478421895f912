import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type NativeConnectionOptions } from '@temporalio/worker';
import pino from 'pino';
import { inject } from 'vitest';
import { integrations as catalogIntegrations } from '#catalog';
import type { IntegrationDefinition } from '#core/catalog-sdk';
import type { NotificationRetry } from '#core/notifications';
import { masterKeyFrom } from '#store/crypto';
import { dataConverterOf, EncryptionCodec } from '#store/payload-codec';
import type { Db } from '#store/database';
import { SecretStore } from '#store/secrets';
import type { BlobStore } from '#store/blobs';
import { createQueueWorkers } from '#worker/queue-workers';
import { openTestDatabase } from './database';

export const silentLogger = pino({ level: 'silent' });

// Tests fail runs on purpose: keep the SDK's per-failure warnings out of the test output.
let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
}

/** One master key per test process, shared by the test API and the test workers. */
export const testMasterKey = masterKeyFrom(crypto.randomBytes(32), 'the test master key');
/** Payload encryption from the test master key: the test API, the test workers and temporalClient() all use it. */
export const testPayloadCodec = EncryptionCodec.fromMasterKeys(testMasterKey);
export const testDataConverter = dataConverterOf(testPayloadCodec);

/** A new, migrated database: SQLite in memory, or a fresh PostgreSQL database (TEST_DATABASE=postgres; helpers/database.ts). */
export async function testDb(): Promise<Db> {
  return openTestDatabase();
}

export async function temporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return { client: new Client({ connection, dataConverter: testDataConverter }), close: () => connection.close() };
}

/** Runs a real worker on its own task queue, against the shared dev server, inside the test process. */
export async function startTestWorker(o: {
  db: Db;
  taskQueue?: string;
  integrations?: IntegrationDefinition[];
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  endpoints?: Record<string, string>;
  /** A store of the test's own (e.g. one that records what is read); default: one over `db` with the test master key. */
  secrets?: SecretStore;
  /** How notification deliveries are retried (tests shorten the 25-hour default). */
  notificationRetry?: NotificationRetry;
  /** The blob store of the test's own (to read what runs stored); default: files in a temporary folder. */
  blobs?: BlobStore;
  /** Which queues this worker serves (WORKER_QUEUES); default both, as one machine runs them. */
  queues?: ('default' | 'heavy')[];
  /** Another Temporal (a cluster on PostgreSQL) and how to reach it; default the shared dev server. */
  temporal?: { address: string; tls?: NativeConnectionOptions['tls'] };
  /** The workflow bundle's path; default the one the global setup built. */
  workflowBundlePath?: string;
}) {
  quietRuntime();
  const taskQueue = o.taskQueue ?? `test-${crypto.randomUUID()}`;
  const connection = await NativeConnection.connect({
    address: o.temporal?.address ?? inject('temporalAddress'),
    ...(o.temporal?.tls ? { tls: o.temporal.tls } : {}),
  });
  const worker = await createQueueWorkers(
    {
      connection,
      namespace: 'default',
      dataConverter: testDataConverter,
      taskQueue,
      db: o.db,
      secrets: o.secrets ?? new SecretStore(o.db, testMasterKey),
      ...(o.endpoints ? { endpoints: o.endpoints } : {}),
      integrations: o.integrations ?? catalogIntegrations,
      logger: silentLogger,
      httpAllow: ['127.0.0.1/32', '::1/128', 'localhost'],
      workflowBundle: { codePath: o.workflowBundlePath ?? inject('workflowBundlePath') },
      ...(o.extraActivities ? { extraActivities: o.extraActivities } : {}),
      ...(o.notificationRetry ? { notificationRetry: o.notificationRetry } : {}),
      ...(o.blobs ? { blobs: o.blobs } : {}),
    },
    o.queues ?? ['default', 'heavy'],
  );
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await worker.closeHttp();
      await connection.close();
    },
  };
}
