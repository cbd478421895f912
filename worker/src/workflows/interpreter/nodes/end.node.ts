import type { EndNode } from '#core/flow';
import type { NodeHandler } from './node-handler';

/** Finishes its graph (the run, or one forEach item) with an output; other branches still running are left. */
export const endNode: NodeHandler<EndNode> = async (node, { scope, run }) => {
  const output = node.output === undefined ? undefined : await run.resolve(node.output, scope);
  return { output, next: { end: true, output } };
};
