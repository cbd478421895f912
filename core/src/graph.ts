/**
 * Graph helpers over the flow document with no dependency on zod: workflow code imports these (every
 * module a workflow imports is evaluated again at the start of each run, so the sandbox stays lean).
 */
import type { Duration, FlowGraph, FlowNode, ForEachNode } from './flow';

/** The reserved source id of edges leaving the trigger. */
export const TRIGGER_ID = 'trigger';

/** Parses a duration (`'5s'`, `'250ms'`, 1000) to milliseconds. */
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`Not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

/** Every node of the document, including those inside forEach bodies, with the graph that holds it. */
export function* walkNodes(graph: FlowGraph, parent?: ForEachNode): Generator<{ node: FlowNode; graph: FlowGraph; parent?: ForEachNode }> {
  for (const node of graph.nodes) {
    yield parent ? { node, graph, parent } : { node, graph };
    if (node.type === 'forEach') yield* walkNodes(node.body, node);
  }
}

/** The branches a node's outgoing edges may carry. `undefined` means an unlabelled edge. */
export function allowedBranches(node: FlowNode): (string | undefined)[] {
  switch (node.type) {
    case 'condition':
      return ['true', 'false'];
    case 'switch':
      return [...node.cases, 'default'];
    case 'action':
    case 'code':
      return node.onError === 'branch' ? [undefined, 'error'] : [undefined];
    case 'waitForWebhook':
      return [undefined, 'timeout'];
    case 'end':
      return [];
    default:
      return [undefined];
  }
}

/** How people name each node kind (and the trigger): the editor's panel, palette and run view. */
export const NodeKindLabels = {
  trigger: 'Trigger',
  action: 'Action',
  code: 'Code',
  condition: 'Condition',
  switch: 'Switch',
  delay: 'Delay',
  waitForWebhook: 'Wait for webhook',
  forEach: 'For each',
  end: 'End',
  respond: 'Respond',
} as const satisfies Record<FlowNode['type'] | 'trigger', string>;
