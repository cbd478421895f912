import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '#worker/worker';
import { freePort } from './helpers/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/** Starts one real Temporal dev server (in memory) and bundles the workflows once for every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [server, bundle] = await Promise.all([
    startDevServer({ port: await freePort() }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quietLogger }),
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-test-'));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m), log: noop };
