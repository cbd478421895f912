/**
 * `npm run build:workflows`: bundles the workflow code once (what the worker would otherwise do at every start, a few
 * seconds of CPU) into dist/workflow-bundle.js and, with the tracing interceptors, dist/workflow-bundle-tracing.js,
 * each with a manifest of the sources it was built from. The image runs it at build time; a worker uses the bundle of
 * its tracing setting when its sources match (worker/src/bundle.ts).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '#worker/worker';
import { prebuiltBundlePath, writePrebuiltBundle } from '#worker/bundle';

for (const tracing of [false, true]) {
  const started = Date.now();
  const { code } = await bundleWorkflowCode(workflowBundleOptions({ tracing }));
  const file = prebuiltBundlePath({ tracing });
  writePrebuiltBundle(code, file);
  console.log(`workflow bundle: ${file} (${(code.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)`);
}
