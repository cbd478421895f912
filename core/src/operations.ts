import { TRIGGER_ID, walkNodes, type FlowDocument, type FlowEdge, type FlowGraph, type FlowNode, type FlowTrigger } from './flow';

/**
 * Edits are typed operations applied by one pure function, shared by the editor (undo/redo) and the
 * server (audit). Operations never mutate their input; an impossible one throws an OperationError.
 * `parentId` places a node or edge inside a forEach body.
 */
export type FlowOperation =
  | { type: 'addNode'; node: FlowNode; position?: { x: number; y: number }; parentId?: string }
  | { type: 'removeNode'; nodeId: string }
  | { type: 'updateNode'; nodeId: string; patch: NodePatch }
  | { type: 'updateInput'; nodeId: string; input: string; value: unknown }
  | { type: 'removeInput'; nodeId: string; input: string }
  | { type: 'connect'; edge: FlowEdge; parentId?: string }
  | { type: 'disconnect'; edge: FlowEdge; parentId?: string }
  | { type: 'moveNode'; nodeId: string; position: { x: number; y: number } }
  | { type: 'setTrigger'; trigger: FlowTrigger }
  /** Pins sample data for a node (`trigger`: the trigger's data) for Test this step and previews; without `data`, unpins it. */
  | { type: 'pinData'; nodeId: string; data?: unknown };

/** Any node fields but `id` and `type`; the result is checked when the document is parsed. */
export type NodePatch = Record<string, unknown>;

export class OperationError extends Error {
  override readonly name = 'OperationError';
}

export function applyOperation(doc: FlowDocument, op: FlowOperation): FlowDocument {
  switch (op.type) {
    case 'addNode': {
      if (findNode(doc, op.node.id)) throw new OperationError(`A node with id "${op.node.id}" already exists`);
      const withNode = mapGraph(doc, op.parentId, (g) => ({ ...g, nodes: [...g.nodes, op.node] }));
      return op.position ? { ...withNode, layout: { ...doc.layout, [op.node.id]: op.position } } : withNode;
    }
    case 'removeNode': {
      const removed = requireNode(doc, op.nodeId);
      // The node's own position and, for a forEach, those of every node in its body.
      const gone = new Set([removed.id, ...(removed.type === 'forEach' ? [...walkNodes(removed.body)].map((w) => w.node.id) : [])]);
      const layout = Object.fromEntries(Object.entries(doc.layout).filter(([id]) => !gone.has(id)));
      const strip = (g: FlowGraph): FlowGraph => ({
        nodes: g.nodes.filter((n) => n.id !== op.nodeId).map((n) => (n.type === 'forEach' ? { ...n, body: strip(n.body) } : n)),
        edges: g.edges.filter((e) => e.from !== op.nodeId && e.to !== op.nodeId),
      });
      const pinned = doc.pinned && Object.fromEntries(Object.entries(doc.pinned).filter(([id]) => !gone.has(id)));
      return { ...doc, ...strip(doc), layout, ...(pinned ? { pinned } : {}) };
    }
    case 'updateNode':
      requireNode(doc, op.nodeId);
      return mapNode(doc, op.nodeId, (n) => ({ ...n, ...op.patch, id: n.id, type: n.type }) as FlowNode);
    case 'updateInput':
    case 'removeInput': {
      const node = requireNode(doc, op.nodeId);
      if (node.type !== 'action') throw new OperationError(`Node "${op.nodeId}" is a ${node.type} node and has no inputs`);
      return mapNode(doc, op.nodeId, (n) => {
        const inputs = { ...(n as typeof node).inputs };
        if (op.type === 'updateInput') inputs[op.input] = op.value;
        else delete inputs[op.input];
        return { ...n, inputs } as FlowNode;
      });
    }
    case 'connect':
      if (edgeIndex(graphOf(doc, op.parentId), op.edge) >= 0) throw new OperationError(`The edge ${op.edge.from} → ${op.edge.to} already exists`);
      return mapGraph(doc, op.parentId, (g) => ({ ...g, edges: [...g.edges, op.edge] }));
    case 'disconnect': {
      const index = edgeIndex(graphOf(doc, op.parentId), op.edge);
      if (index < 0) throw new OperationError(`There is no edge ${op.edge.from} → ${op.edge.to}`);
      return mapGraph(doc, op.parentId, (g) => ({ ...g, edges: g.edges.filter((_, i) => i !== index) }));
    }
    case 'moveNode':
      // The trigger is drawn as a node too: it has a position but no FlowNode.
      if (op.nodeId !== TRIGGER_ID) requireNode(doc, op.nodeId);
      return { ...doc, layout: { ...doc.layout, [op.nodeId]: op.position } };
    case 'setTrigger':
      return { ...doc, trigger: op.trigger };
    case 'pinData': {
      if (op.nodeId !== TRIGGER_ID) requireNode(doc, op.nodeId);
      const { [op.nodeId]: _old, ...rest } = doc.pinned ?? {};
      const pinned = op.data === undefined ? rest : { ...rest, [op.nodeId]: op.data };
      if (Object.keys(pinned).length === 0) {
        const { pinned: _gone, ...withoutPins } = doc;
        return withoutPins;
      }
      return { ...doc, pinned };
    }
    default:
      throw new OperationError(`Unknown operation "${(op as { type?: unknown }).type}"; see FlowOperation for the operations there are`);
  }
}

/** Applies operations in order; the first impossible one throws and nothing is applied. */
export function applyOperations(doc: FlowDocument, ops: FlowOperation[]): FlowDocument {
  return ops.reduce(applyOperation, doc);
}

export function findNode(graph: FlowGraph, id: string): FlowNode | undefined {
  for (const node of graph.nodes) {
    if (node.id === id) return node;
    if (node.type === 'forEach') {
      const inner = findNode(node.body, id);
      if (inner) return inner;
    }
  }
  return undefined;
}

function requireNode(doc: FlowDocument, id: string): FlowNode {
  const node = findNode(doc, id);
  if (!node) throw new OperationError(`There is no node "${id}"`);
  return node;
}

function edgeIndex(graph: FlowGraph, edge: FlowEdge): number {
  return graph.edges.findIndex((e) => e.from === edge.from && e.to === edge.to && e.branch === edge.branch);
}

function graphOf(doc: FlowDocument, parentId: string | undefined): FlowGraph {
  if (parentId === undefined) return doc;
  const parent = requireNode(doc, parentId);
  if (parent.type !== 'forEach') throw new OperationError(`Node "${parentId}" is not a forEach node and has no body`);
  return parent.body;
}

function mapGraph(doc: FlowDocument, parentId: string | undefined, fn: (g: FlowGraph) => FlowGraph): FlowDocument {
  if (parentId === undefined) return { ...doc, ...fn(doc) };
  graphOf(doc, parentId);
  return mapNode(doc, parentId, (n) => (n.type === 'forEach' ? { ...n, body: fn(n.body) } : n));
}

function mapNode(doc: FlowDocument, id: string, fn: (n: FlowNode) => FlowNode): FlowDocument {
  const map = (g: FlowGraph): FlowGraph => ({
    ...g,
    nodes: g.nodes.map((n) => (n.id === id ? fn(n) : n.type === 'forEach' ? { ...n, body: map(n.body) } : n)),
  });
  return { ...doc, ...map(doc) };
}
