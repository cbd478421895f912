import type { SwitchNode } from '#core/flow';
import type { NodeHandler } from './node-handler';

/** The edges of the case equal to the value are taken, else the `default` ones. */
export const switchNode: NodeHandler<SwitchNode> = async (node, { scope, run }) => {
  const value = await run.resolve({ $expr: node.value }, scope);
  const branch = node.cases.includes(String(value)) ? String(value) : 'default';
  return { output: { value, branch }, next: { branch } };
};
