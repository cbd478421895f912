import type { ExpressionScope } from '#core/expressions';
import type { FlowGraph, FlowNode } from '#core/flow';
import type { NodeError, NodeRunState } from '#core/run';
import type { RunContext } from '../run-context';
import type { Next } from '../scheduler';

/** What a node handler gets: the node's key and state entry, the expression scope, its graph and the run. */
export interface NodeContext {
  /** Unique in the run: the node id, prefixed inside a forEach body (`each[3].call`). */
  key: string;
  /** The node's entry in the run state (status, attempts, error…): the handler may update it while it runs. */
  entry: NodeRunState;
  scope: ExpressionScope;
  graph: FlowGraph;
  run: RunContext;
  /** Walks a body graph (forEach) to its end; `undefined` unless an end node stopped it. */
  walk(graph: FlowGraph, startId: string, scope: ExpressionScope, prefix: string): Promise<{ output: unknown } | undefined>;
}

/** How a node ended: its output and where the run goes next. With `error`, the node failed and its error branch is taken. */
export interface NodeOutcome {
  output: unknown;
  next: Next;
  error?: NodeError;
}

/**
 * Runs one node kind. Throws NodeFailed when the run must fail; any other error is the node's failure, named by node.
 * Adding a node kind: its schema in core/src/flow.ts, a handler file here, its entry in nodes/index.ts, its editor form.
 */
export type NodeHandler<N extends FlowNode> = (node: N, ctx: NodeContext) => Promise<NodeOutcome>;
