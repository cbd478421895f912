/** One bundle with the interpreter (runFlow and its loop batches) and the hand-written big-run baselines (one worker, one sandbox). */
export { handBatch, handLoop, handLinear } from './big-hand-workflows';
export { runFlow } from '#worker/workflows/run-flow.workflow';
export { runFlowItems } from '#worker/workflows/run-items.workflow';
