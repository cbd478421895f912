/**
 * Hand-written baselines for bench/interpreter.bench.ts: the same no-op action activity the interpreter
 * calls, with the same name, input shape (ActionActivityInput), start-to-close timeout, retry policy
 * (DEFAULT_TIMEOUT / DEFAULT_RETRY in run-flow.workflow.ts) and activity ids (the node key). What they
 * leave out is exactly the interpreter's own work: graph walking, mapping resolution, per-node run
 * state, the query handler, the larger result, and the modules the interpreter imports (zod, jsonata).
 *
 * This file imports nothing but @temporalio/workflow and types, so bundled alone it is what a
 * hand-written workflow costs; bench/workflows.ts bundles it together with runFlow.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { ActionActivityInput, ActionActivityResult } from '#core/run';

const NOOP_ACTION = 'bench.noop@1';

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
