/**
 * `npm run build:workflows`: bundles the workflow code once (what the worker would otherwise do at every start, a few
 * seconds of CPU) into dist/workflow-bundle.js, with a manifest of the sources it was built from. The image runs
 * it at build time; a worker uses the bundle when its sources match (worker/src/bundle.ts).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from '#worker/worker';
import { PREBUILT_BUNDLE, writePrebuiltBundle } from '#worker/bundle';

const started = Date.now();
const { code } = await bundleWorkflowCode(WORKFLOW_BUNDLE_OPTIONS);
writePrebuiltBundle(code);
console.log(`workflow bundle: ${PREBUILT_BUNDLE} (${(code.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)`);
