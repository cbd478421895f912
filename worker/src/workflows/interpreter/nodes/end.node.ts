import { resolveMapping } from '#core/expressions';
import type { EndNode } from '#core/flow';
import type { NodeHandler } from './node-handler';

/** Finishes its graph (the run, or one forEach item) with an output; other branches still running are left. */
export const endNode: NodeHandler<EndNode> = async (node, { scope }) => {
  const output = node.output === undefined ? undefined : await resolveMapping(node.output, scope);
  return { output, next: { end: true, output } };
};
