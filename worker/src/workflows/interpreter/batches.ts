/**
 * A big forEach (over FOR_EACH_INLINE_ITEMS items) runs its items in batches, each a child workflow (`runFlowItems`)
 * sized so that its history stays under BATCH_HISTORY_EVENT_BUDGET events. The run's own history only holds one
 * child start and end per batch. The batches act for the run: their activities carry the run's workflow id (attempt
 * log, idempotency keys, blobs), an item node that parks or waits shows in the run's state and is decided there
 * (run-context.ts mirrors it and hands the decision on), credits and reconnect signals are passed on, and
 * cancelling the run cancels them. Workflow code: deterministic, no I/O.
 */
import { ApplicationFailure, ChildWorkflowFailure, executeChild, isCancellation, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { BlobActivities, LIMIT_EXCEEDED, type BlobJoinInput, type BlobRef, type WorkspaceLimits } from '#core/blobs';
import type { ForEachNode, FlowGraph } from '#core/flow';
import { batchSize, RUN_ITEMS_WORKFLOW, SETTLE_ITEMS_PATCH, type NodeError, type NodeRunState, type RunOptions } from '#core/run';
import { NodeFailed } from './errors';
import type { NodeContext, NodeOutcome } from './nodes/node-handler';
import { LOCAL } from './run-context';

/** What one batch gets: the loop, its slice (inline, or read from the stored list) and what the body's expressions read. */
export interface RunItemsInput {
  forEach: ForEachNode;
  /** The forEach node's key in the run (`each`, or `outer[3].each` when nested). */
  key: string;
  /** Index of the batch's first item in the whole list. */
  from: number;
  count: number;
  items?: unknown[];
  itemsRef?: BlobRef;
  /** Items of this batch in flight at once. */
  concurrency: number;
  scope: { trigger: unknown; nodes: Record<string, unknown> };
  options: RunOptions;
  /** The run's workflow id (attempts, idempotency keys and blobs are the run's). */
  runWorkflowId: string;
  /** The workflow that started the batch: told about item nodes that park or wait. */
  parentWorkflowId: string;
  blobsSeen: boolean;
}

export interface RunItemsResult {
  /** The batch's item outputs, in order: a list, or a blob reference to one. */
  output: unknown;
  /**
   * The item nodes the batch told the run about (they waited), as they ended. The batch's signals are not ordered
   * with its result: the last one ("succeeded") can reach the run after the batch has returned, or never.
   */
  settled?: NodeRunState[];
}

/** The failure type of a batch whose item failed the run: its details name the item node and its error. */
export const ITEM_FAILED = 'ItemFailed';

const local = proxyLocalActivities<{
  [BlobActivities.joinLists]: (i: BlobJoinInput) => Promise<unknown>;
  [BlobActivities.limits]: (i: { workspaceId: string }) => Promise<WorkspaceLimits>;
}>(LOCAL);

/** Joins lists of item outputs (inline or stored) into one; large, it is stored and a reference comes back. */
export function joinLists(workspaceId: string, workflowId: string, parts: unknown[]): Promise<unknown> {
  return local[BlobActivities.joinLists]({ workspaceId, workflowId, parts });
}

function bodyNodeCount(graph: FlowGraph): number {
  return graph.nodes.reduce((n, node) => n + 1 + (node.type === 'forEach' ? bodyNodeCount(node.body) : 0), 0);
}

export async function forEachInBatches(node: ForEachNode, ctx: NodeContext, items: unknown[] | BlobRef, count: number): Promise<NodeOutcome> {
  const { run, key, entry, scope } = ctx;
  const { workspaceId } = run.options;
  const limits = await local[BlobActivities.limits]({ workspaceId });
  if (count > limits.maxLoopItems) {
    throw new NodeFailed(key, {
      type: LIMIT_EXCEEDED,
      message: `forEach "${node.id}" got ${count} items, over this workspace's limit of ${limits.maxLoopItems} items per loop (maxLoopItems); split the list, or ask an admin to raise the limit`,
    });
  }
  const size = batchSize(bodyNodeCount(node.body), run.options.forEachBatchItems);
  const batches = Math.ceil(count / size);
  // Two batches at a time when the loop allows it, so one's start and end overlap the other's items.
  const parallel = Math.min(batches, node.concurrency >= 4 ? 2 : 1);
  const concurrency = Math.max(1, Math.ceil(node.concurrency / parallel));
  const progress = (entry.progress = { done: 0, total: count, batches });
  const parts: unknown[] = new Array(batches);
  const { workflowId } = workflowInfo();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches) {
      const b = next++;
      const from = b * size;
      const n = Math.min(size, count - from);
      const input: RunItemsInput = {
        forEach: node,
        key,
        from,
        count: n,
        ...(Array.isArray(items) ? { items: items.slice(from, from + n) } : { itemsRef: items }),
        concurrency,
        scope: { trigger: scope.trigger, nodes: { ...(scope.nodes as Record<string, unknown>) } },
        options: run.options,
        runWorkflowId: run.runWorkflowId,
        parentWorkflowId: workflowId,
        blobsSeen: run.blobsSeen,
      };
      // The same id for the same batch of the same run: after a worker crash or a reset its items keep their keys.
      const batchId = `${run.runWorkflowId}/${key}/${b}`;
      run.activeBatches.add(batchId);
      try {
        const result = await executeChild<(i: RunItemsInput) => Promise<RunItemsResult>>(RUN_ITEMS_WORKFLOW, { workflowId: batchId, args: [input] });
        parts[b] = result.output;
        progress.done += n;
        if (result.settled?.length && patched(SETTLE_ITEMS_PATCH)) for (const entry of result.settled) run.settleItem(entry);
      } catch (err) {
        throw itemFailure(err);
      } finally {
        run.activeBatches.delete(batchId);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return { output: await joinLists(workspaceId, run.runWorkflowId, parts), next: {} };
}

/** A batch that failed because an item failed the run: the item's node failure, as if it had run here. */
function itemFailure(err: unknown): unknown {
  if (isCancellation(err)) return err;
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === ITEM_FAILED) {
    const details = cause.details?.[0] as { nodeKey: string; error: NodeError } | undefined;
    if (details) return new NodeFailed(details.nodeKey, details.error);
  }
  return err;
}
