/**
 * The interpreter's pure rules: which nodes of a graph are ready, which are skipped, which edges a finished node
 * takes, and what status a live run shows. No Temporal import: unit-tested directly (scheduler.test.ts).
 */
import type { FlowEdge, FlowGraph, FlowNode } from '#core/flow';
import type { NodeRunState, RunState } from '#core/run';

/** Where a node sends the run next: the edges of `branch` (or the plain edges), or `end`, which stops its graph. */
export type Next = { branch?: string } | { end: true; output: unknown };

/** A walk's progress as data: the nodes started (all finished) and the decided edges by index in `graph.edges`. */
export interface WalkSnapshot {
  started: string[];
  decided: [number, boolean][];
}

/** A node whose incoming edges are all decided: run it (at least one was taken) or skip it (all are dead). */
export interface Step {
  node: FlowNode;
  run: boolean;
}

/**
 * One walk of a graph from its start. A node is ready when every incoming edge is decided; it runs when at least
 * one was taken, and is skipped when all are dead, its own edges dying with it (so a join after branches waits for
 * exactly the branches that run). Ready nodes come in document order, which keeps the order of commands, and so
 * replay, deterministic.
 */
export class GraphWalk {
  private readonly incoming = new Map<string, FlowEdge[]>();
  private readonly decided = new Map<FlowEdge, boolean>();
  private readonly started = new Set<string>();

  constructor(
    private readonly graph: FlowGraph,
    startId: string,
    restore?: WalkSnapshot,
  ) {
    for (const edge of graph.edges) this.incoming.set(edge.to, [...(this.incoming.get(edge.to) ?? []), edge]);
    if (restore) {
      for (const id of restore.started) this.started.add(id);
      for (const [index, taken] of restore.decided) this.decided.set(graph.edges[index]!, taken);
    } else for (const edge of graph.edges) if (edge.from === startId) this.decided.set(edge, true);
  }

  /** Whether every node was started (run or skipped). */
  allStarted(): boolean {
    return this.graph.nodes.every((n) => this.started.has(n.id));
  }

  /** Where the walk is, as plain data (a run that continues as new carries it; nothing may be running then). */
  snapshot(): WalkSnapshot {
    return {
      started: [...this.started],
      decided: this.graph.edges.flatMap((e, i) => (this.decided.has(e) ? [[i, this.decided.get(e)!] as [number, boolean]] : [])),
    };
  }

  /** Every node that became ready, in the order to start them; a skip decides its edges at once, which may ready more. */
  nextSteps(): Step[] {
    const steps: Step[] = [];
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const node of this.graph.nodes) {
        if (this.started.has(node.id)) continue;
        const ins = this.incoming.get(node.id) ?? [];
        if (ins.some((e) => !this.decided.has(e))) continue;
        this.started.add(node.id);
        progressed = true;
        const run = ins.some((e) => this.decided.get(e));
        steps.push({ node, run });
        if (!run) this.decideOutgoing(node.id, undefined);
      }
    }
    return steps;
  }

  /** A started node finished: the edges of the branch it took are taken, the others die. */
  finished(id: string, next: Next): void {
    this.decideOutgoing(id, next);
  }

  private decideOutgoing(id: string, next: Next | undefined): void {
    for (const edge of this.graph.edges) {
      if (edge.from !== id) continue;
      this.decided.set(edge, next !== undefined && !('end' in next) && edge.branch === next.branch);
    }
  }
}

/** The status a live run shows: parked while any node is parked, else waiting for credits, else for a reconnect, else running. */
export function liveRunStatus(nodes: Iterable<Pick<NodeRunState, 'status'>>): 'parked' | 'waitingForCredits' | 'waitingForReconnect' | 'running' {
  const statuses = [...nodes].map((n) => n.status);
  if (statuses.includes('parked')) return 'parked';
  if (statuses.includes('waitingForCredits')) return 'waitingForCredits';
  if (statuses.includes('waitingForReconnect')) return 'waitingForReconnect';
  return 'running';
}

/** An invoked run's output without an end node: the output of the last top-level node (by start) that succeeded. */
export function lastNodeOutput(state: Pick<RunState, 'nodes'>): unknown {
  const done = Object.values(state.nodes).filter((n) => n.status === 'succeeded' && n.key === n.nodeId && n.type !== 'respond');
  return done.at(-1)?.output;
}

/** A run's output when no end node gave one: the output of every top-level node that succeeded. */
export function defaultRunOutput(state: Pick<RunState, 'nodes'>): Record<string, unknown> {
  return Object.fromEntries(
    Object.values(state.nodes)
      .filter((n) => n.status === 'succeeded' && n.key === n.nodeId)
      .map((n) => [n.nodeId, n.output]),
  );
}
