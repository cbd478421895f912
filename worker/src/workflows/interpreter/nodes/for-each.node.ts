import { evaluateExpression, type ExpressionScope } from '#core/expressions';
import type { ForEachNode } from '#core/flow';
import type { NodeHandler } from './node-handler';

/** Runs the body graph once per item, `concurrency` items at a time; the output lists each item's body outputs. */
export const forEachNode: NodeHandler<ForEachNode> = async (node, { key, scope, walk }) => {
  const items = await evaluateExpression(node.items, scope);
  if (!Array.isArray(items)) {
    throw new Error(`forEach "${node.id}": items must be a list, but the expression gave ${items === undefined ? 'nothing' : typeof items}`);
  }
  const results: unknown[] = new Array(items.length);
  const bodyIds = new Set(node.body.nodes.map((n) => n.id));
  let nextIndex = 0;
  const lane = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      const inner: ExpressionScope = { trigger: scope.trigger, nodes: { ...(scope.nodes as Record<string, unknown>) }, item: items[index], index };
      const ended = await walk(node.body, node.id, inner, `${key}[${index}].`);
      const outputs = Object.fromEntries(Object.entries(inner.nodes as Record<string, unknown>).filter(([id]) => bodyIds.has(id)));
      results[index] = ended ? { ...outputs, end: ended.output } : outputs;
    }
  };
  await Promise.all(Array.from({ length: Math.min(node.concurrency, items.length) }, lane));
  return { output: results, next: {} };
};
