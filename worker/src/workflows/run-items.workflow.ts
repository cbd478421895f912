/**
 * One batch of a big forEach (see interpreter/batches.ts): runs its items through the loop's body like the run would,
 * on behalf of the run. Deterministic sandbox, like runFlow: gate changes to its command order with `patched()`.
 */
import { ApplicationFailure, proxyLocalActivities } from '@temporalio/workflow';
import { BlobActivities, type BlobSliceInput } from '#core/blobs';
import { ITEM_FAILED, joinLists, type RunItemsInput, type RunItemsResult } from './interpreter/batches';
import { NodeFailed } from './interpreter/errors';
import { runItemsInline } from './interpreter/nodes/for-each.node';
import { LOCAL, RunContext } from './interpreter/run-context';
import { walkGraph } from './interpreter/walk';

const slice = proxyLocalActivities<{ [BlobActivities.slice]: (i: BlobSliceInput) => Promise<unknown[]> }>(LOCAL)[BlobActivities.slice];

export async function runFlowItems(input: RunItemsInput): Promise<RunItemsResult> {
  // The batch records nothing itself: the run's state shows the loop's progress, and any item that waits (tellParent).
  const run = new RunContext(
    { ...input.options, record: false },
    { runWorkflowId: input.runWorkflowId, blobsSeen: input.blobsSeen, parentWorkflowId: input.parentWorkflowId },
  );
  const { workspaceId } = input.options;
  const items = input.items ?? (await slice({ workspaceId, ref: input.itemsRef!, from: input.from, count: input.count }));
  const entry = { key: input.key, nodeId: input.forEach.id, type: 'forEach', status: 'running' as const, attempts: 0 };
  try {
    const results = await runItemsInline(
      { ...input.forEach, concurrency: input.concurrency },
      { key: input.key, entry, scope: input.scope, graph: input.forEach.body, run, walk: (g, start, s, p) => walkGraph(run, g, start, s, p) },
      items,
      input.from,
    );
    run.state.status = 'completed';
    const settled = run.reportedItems();
    return { output: await joinLists(workspaceId, input.runWorkflowId, [results]), ...(settled.length ? { settled } : {}) };
  } catch (err) {
    if (err instanceof NodeFailed)
      throw ApplicationFailure.create({ type: ITEM_FAILED, nonRetryable: true, message: err.message, details: [{ nodeKey: err.nodeKey, error: err.error }] });
    throw err;
  }
}
