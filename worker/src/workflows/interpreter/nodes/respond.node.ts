import type { RespondNode } from '#core/flow';
import type { NodeHandler } from './node-handler';

/**
 * Answers the app's invoke now (the awaitAnswer update sees `state.response`); the run goes on. The first respond node
 * to run answers; a later one only records that it did not (`responded: false`).
 */
export const respondNode: NodeHandler<RespondNode> = async (node, { scope, run, key }) => {
  const output = node.output === undefined ? undefined : await run.resolve(node.output, scope);
  const first = run.state.response === undefined;
  if (first) {
    run.state.response = { output, nodeKey: key, at: run.now() };
    run.emitWithOutput({ type: 'run.responded', nodeKey: key, nodeId: node.id, status: run.state.status }, output);
  }
  return { output: { responded: first }, next: {} };
};
