/**
 * Workflows for bench/interpreter.bench.ts, bundled together so ONE worker (same options, same
 * sandbox) serves both the interpreter and the hand-written baselines.
 *
 * The hand-written workflows call the no-op action activity the way the interpreter does by default:
 * the same activity name, the same input shape (ActionActivityInput), the same start-to-close timeout
 * and retry policy (DEFAULT_TIMEOUT / DEFAULT_RETRY in run-flow.workflow.ts), and the same activity ids
 * (the node key). What they leave out is exactly the interpreter's own work: graph walking, mapping
 * resolution, per-node run state, the query handler and the larger result.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { ActionActivityInput, ActionActivityResult } from '../core/src/run';

export { runFlow } from '../worker/src/workflows/run-flow.workflow';

export const NOOP_ACTION = 'bench.noop@1';

/** The interpreter's defaults for an action with no catalog defaults and no per-node overrides. */
const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

type Noop = (input: ActionActivityInput) => Promise<ActionActivityResult>;

/** One proxy per activity id, as the interpreter sets `activityId` to the node key. */
function noop(nodeKey: string): Promise<ActionActivityResult> {
  const activity = proxyActivities<Record<string, Noop>>({ ...ACTIVITY_OPTIONS, activityId: nodeKey })[NOOP_ACTION]!;
  return activity({ input: {}, mode: 'live', workspaceId: 'ws_bench', nodeKey });
}

export async function single1(): Promise<unknown> {
  return (await noop('n1')).output;
}

export async function linear10(): Promise<unknown> {
  let last: unknown;
  for (let i = 1; i <= 10; i++) last = (await noop(`n${i}`)).output;
  return last;
}

export async function fanout10(): Promise<unknown[]> {
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => noop(`n${i + 1}`)));
  return results.map((r) => r.output);
}
