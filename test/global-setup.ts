import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { WORKFLOW_BUNDLE_OPTIONS } from '#worker/worker';
import { freePort } from './helpers/ports';
import { startTestPostgres } from './helpers/postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    /** TEST_DATABASE=postgres: the test cluster's admin URL (test/helpers/database.ts makes databases there); else ''. */
    postgresUrl: string;
  }
}

/**
 * Starts one real Temporal dev server (in memory) and bundles the workflows once for every test file; with
 * TEST_DATABASE=postgres, also one throwaway PostgreSQL cluster with a migrated template database.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [server, bundle, postgres] = await Promise.all([
    startDevServer({ port: await freePort() }),
    bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quietLogger }),
    process.env.TEST_DATABASE === 'postgres' ? startTestPostgres() : undefined,
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-test-'));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('postgresUrl', postgres?.url ?? '');
  return async () => {
    await server.stop();
    await postgres?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m), log: noop };
