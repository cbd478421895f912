import { patched } from '@temporalio/workflow';
import { isBlobRef } from '#core/blobs';
import type { ExpressionScope } from '#core/expressions';
import type { ForEachNode } from '#core/flow';
import { FOR_EACH_BATCHES_PATCH, FOR_EACH_INLINE_ITEMS } from '#core/run';
import { forEachInBatches } from '../batches';
import type { NodeContext, NodeHandler } from './node-handler';

/**
 * Runs the body graph once per item, `concurrency` items at a time; the output lists each item's body outputs.
 * Up to FOR_EACH_INLINE_ITEMS items run here, in the run's own history; more run in batches of child workflows
 * (../batches.ts), so a 10,000-item loop never makes one history long.
 */
export const forEachNode: NodeHandler<ForEachNode> = async (node, ctx) => {
  const { scope, run } = ctx;
  const items = await run.resolve({ $expr: node.items }, scope);
  // A list too large to travel inline (a stored blob) can only be run in batches, each loading its own slice.
  const stored = isBlobRef(items) && typeof items.$blob.length === 'number';
  if (!Array.isArray(items) && !stored) {
    throw new Error(
      `forEach "${node.id}": items must be a list, but the expression gave ${items === undefined ? 'nothing' : isBlobRef(items) ? 'a stored value that is not a list' : typeof items}`,
    );
  }
  const count = Array.isArray(items) ? items.length : (items as { $blob: { length: number } }).$blob.length;
  // Runs recorded before batches existed ran every item inline: patched() keeps them replaying down that path.
  if ((stored || count > FOR_EACH_INLINE_ITEMS) && patched(FOR_EACH_BATCHES_PATCH)) return forEachInBatches(node, ctx, items, count);
  if (!Array.isArray(items)) throw new Error(`forEach "${node.id}": its list is stored as a blob; this run predates batched loops`);
  return { output: await runItemsInline(node, ctx, items, 0), next: {} };
};

/** Runs `items` (the loop's items from `from` on) through the body here, `concurrency` at a time; their outputs in order. */
export async function runItemsInline(node: ForEachNode, { key, scope, walk }: NodeContext, items: unknown[], from: number): Promise<unknown[]> {
  const results: unknown[] = new Array(items.length);
  const bodyIds = new Set(node.body.nodes.map((n) => n.id));
  let nextIndex = 0;
  const lane = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const local = nextIndex++;
      const index = from + local;
      const inner: ExpressionScope = { trigger: scope.trigger, nodes: { ...(scope.nodes as Record<string, unknown>) }, item: items[local], index };
      const ended = await walk(node.body, node.id, inner, `${key}[${index}].`);
      const outputs = Object.fromEntries(Object.entries(inner.nodes as Record<string, unknown>).filter(([id]) => bodyIds.has(id)));
      results[local] = ended ? { ...outputs, end: ended.output } : outputs;
    }
  };
  await Promise.all(Array.from({ length: Math.min(node.concurrency, items.length) }, lane));
  return results;
}
