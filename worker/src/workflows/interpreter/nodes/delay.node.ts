import { sleep } from '@temporalio/workflow';
import type { DelayNode } from '#core/flow';
import { durationMs } from '#core/graph';
import type { NodeHandler } from './node-handler';

/** A durable timer: the worker holds nothing while it waits. */
export const delayNode: NodeHandler<DelayNode> = async (node) => {
  const ms = durationMs(node.duration);
  await sleep(ms);
  return { output: { delayedMs: ms }, next: {} };
};
