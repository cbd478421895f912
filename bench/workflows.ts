/**
 * One bundle holding the runFlow interpreter and the hand-written baselines, so one worker (same
 * options, same sandbox) serves both. Caveat measured by the benchmark: the Temporal sandbox evaluates
 * every module of the bundle once per workflow run, so here the hand-written workflows also pay for
 * importing the interpreter's modules; bench/hand-workflows.ts bundled alone does not.
 */
export { single1, linear10, fanout10 } from './hand-workflows';
export { runFlow } from '#worker/workflows/run-flow.workflow';
