/** Walking a graph: starting ready nodes (the scheduler decides which), running each through its kind's handler. */
import { isCancellation, patched } from '@temporalio/workflow';
import { LIGHT_STEPS_PATCH } from '#core/run';
import type { ExpressionScope } from '#core/expressions';
import type { FlowGraph, FlowNode } from '#core/flow';
import type { NodeError, NodeRunState } from '#core/run';
import { NodeFailed } from './errors';
import { nodeHandlers } from './nodes';
import type { NodeHandler } from './nodes/node-handler';
import type { RunContext } from './run-context';
import { GraphWalk, type Next, type WalkSnapshot } from './scheduler';

/** Thrown by the run's top-level walk once its history is long and nothing runs: the run continues as new from `walk`. */
export class ContinueRun {
  constructor(readonly walk: WalkSnapshot) {}
}

/**
 * Walks one graph from its start until no node is running: the run's graph, or a forEach body for one item.
 * Resolves with the output of the end node that stopped it, if one did; rejects with the first node failure.
 */
export function walkGraph(
  run: RunContext,
  graph: FlowGraph,
  startId: string,
  scope: ExpressionScope,
  prefix: string,
  /** The run's own graph: may continue as new (`restore`: where the previous run of it stopped). */
  top?: { restore?: WalkSnapshot | undefined },
): Promise<{ output: unknown } | undefined> {
  // A loop body of one step (every item of a big loop comes here): that node, without a walk (LIGHT_STEPS_PATCH).
  const sole = top ? undefined : soleNode(graph, startId);
  if (sole && patched(LIGHT_STEPS_PATCH))
    return executeNode(run, sole, prefix + sole.id, scope, graph).then((next) => ('end' in next ? { output: next.output } : undefined));
  return walkWholeGraph(run, graph, startId, scope, prefix, top);
}

/** The graph's only node when the start's one plain edge leads to it; else undefined. */
function soleNode(graph: FlowGraph, startId: string): FlowNode | undefined {
  const [node] = graph.nodes;
  const [edge] = graph.edges;
  if (graph.nodes.length !== 1 || graph.edges.length !== 1 || !node || !edge) return undefined;
  return edge.from === startId && edge.to === node.id && edge.branch === undefined ? node : undefined;
}

async function walkWholeGraph(
  run: RunContext,
  graph: FlowGraph,
  startId: string,
  scope: ExpressionScope,
  prefix: string,
  top: { restore?: WalkSnapshot | undefined } | undefined,
): Promise<{ output: unknown } | undefined> {
  const walk = new GraphWalk(graph, startId, top?.restore);
  // Draining: the history is long; start nothing new, and continue as new once what runs has finished.
  let draining = false;
  // Finished nodes queue up here; one waiter per turn (cheaper than racing every in-flight promise).
  const finished: { id: string; next: Next }[] = [];
  let inflight = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let ended: { output: unknown } | undefined;
  for (;;) {
    if (!ended && !draining) {
      for (const { node, run: runs } of walk.nextSteps()) {
        const key = prefix + node.id;
        if (!runs) {
          run.state.nodes[key] = { key, nodeId: node.id, type: node.type, status: 'skipped', attempts: 0 };
          run.noteNode(run.state.nodes[key]);
          continue;
        }
        inflight++;
        executeNode(run, node, key, scope, graph).then(
          (next) => {
            finished.push({ id: node.id, next });
            wake?.();
          },
          (error: unknown) => {
            failure ??= { error };
            wake?.();
          },
        );
      }
    }
    if (ended || inflight === 0) {
      if (draining && !ended && !walk.allStarted()) throw new ContinueRun(walk.snapshot());
      return ended;
    }
    while (finished.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure.error;
    const { id, next } = finished.shift()!;
    inflight--;
    if ('end' in next) ended = { output: next.output };
    else walk.finished(id, next);
    if (top && !draining && run.continueAsNewDue()) draining = true;
  }
}

/** Runs one node through its kind's handler and records how it ended in the run state and the expression scope. */
async function executeNode(run: RunContext, node: FlowNode, key: string, scope: ExpressionScope, graph: FlowGraph): Promise<Next> {
  const entry: NodeRunState = { key, nodeId: node.id, type: node.type, status: 'running', attempts: 0, startedAt: run.now() };
  run.state.nodes[key] = entry;
  run.noteNode(entry);
  const handler = nodeHandlers[node.type] as NodeHandler<FlowNode>;
  try {
    const outcome = await handler(node, { key, entry, scope, graph, run, walk: (g, start, s, p) => walkGraph(run, g, start, s, p) });
    if (outcome.error) Object.assign(entry, { status: 'failed', error: outcome.error, branch: 'error', endedAt: run.now() });
    else {
      Object.assign(entry, { status: 'succeeded', output: outcome.output, endedAt: run.now() });
      if ('branch' in outcome.next && outcome.next.branch !== undefined) entry.branch = outcome.next.branch;
    }
    run.noteNode(entry);
    run.noteValue(outcome.output);
    (scope.nodes as Record<string, unknown>)[node.id] = outcome.output;
    return outcome.next;
  } catch (err) {
    if (err instanceof NodeFailed || isCancellation(err)) {
      if (err instanceof NodeFailed && (entry.status === 'running' || entry.status === 'parked'))
        Object.assign(entry, { status: 'failed', error: err.error, endedAt: run.now() });
      run.noteNode(entry);
      throw err;
    }
    // Expression errors and bad data are the node's failure, named by node.
    const error: NodeError = { message: err instanceof Error ? err.message : String(err), type: err instanceof Error ? err.name : 'Error' };
    Object.assign(entry, { status: 'failed', error, endedAt: run.now() });
    run.noteNode(entry);
    throw new NodeFailed(key, error);
  }
}
