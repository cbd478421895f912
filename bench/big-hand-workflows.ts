/**
 * Hand-written baselines for bench/big-runs.bench.ts: what a Temporal developer would write by hand for a big loop
 * (a parent starting child workflows over batches of items, each calling the activity per item) and for a long
 * sequence (one activity per step). The same no-op activity, options and activity ids as the interpreter's.
 * Imports only @temporalio/workflow and types.
 */
import { executeChild, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { ActionActivityInput, ActionActivityResult } from '#core/run';

const NOOP_ACTION = 'bench.noop@1';
const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};
type Noop = (input: ActionActivityInput) => Promise<ActionActivityResult>;

function noop(nodeKey: string, input: unknown = {}): Promise<ActionActivityResult> {
  const activity = proxyActivities<Record<string, Noop>>({ ...ACTIVITY_OPTIONS, activityId: nodeKey })[NOOP_ACTION]!;
  return activity({ input, mode: 'live', workspaceId: 'ws_bench', nodeKey });
}

/** One batch: `count` items from `from`, `concurrency` at a time; their outputs in order. */
export async function handBatch(from: number, count: number, concurrency: number): Promise<unknown[]> {
  const out: unknown[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      out[i] = { n1: (await noop(`each[${from + i}].n1`, { item: from + i + 1 })).output };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return out;
}

/** A loop over `items` in child-workflow batches of `batch`, two batches at a time, as the interpreter runs one. */
export async function handLoop(items: number, batch: number, concurrency: number): Promise<number> {
  const batches = Math.ceil(items / batch);
  const parts: unknown[][] = new Array(batches);
  let next = 0;
  const id = workflowInfo().workflowId;
  const lane = async () => {
    while (next < batches) {
      const b = next++;
      const from = b * batch;
      parts[b] = await executeChild(handBatch, { workflowId: `${id}/${b}`, args: [from, Math.min(batch, items - from), Math.ceil(concurrency / 2)] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(2, batches) }, lane));
  return parts.flat().length;
}

/** `n` activities in a row. */
export async function handLinear(n: number): Promise<unknown> {
  let last: unknown;
  for (let i = 1; i <= n; i++) last = (await noop(`n${i}`)).output;
  return last;
}
