import type { ConditionNode } from '#core/flow';
import type { NodeHandler } from './node-handler';

/** if/else: the `true` or the `false` edges are taken. */
export const conditionNode: NodeHandler<ConditionNode> = async (node, { scope, run }) => {
  const result = Boolean(await run.resolve({ $expr: node.condition }, scope));
  return { output: { result }, next: { branch: String(result) } };
};
