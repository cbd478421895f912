import dagre from '@dagrejs/dagre';
import { TRIGGER_ID, type FlowDocument, type Layout } from '#core/flow';

const NODE_W = 220;
const NODE_H = 70;

/** Top-to-bottom layered layout of the top-level graph (dagre). forEach bodies keep their own layout. */
export function autoLayout(doc: FlowDocument): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 50, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  g.setNode(TRIGGER_ID, { width: NODE_W, height: NODE_H });
  for (const node of doc.nodes) {
    const big = node.type === 'forEach' ? { width: 320, height: Math.max(160, 80 + node.body.nodes.length * 100) } : { width: NODE_W, height: NODE_H };
    g.setNode(node.id, big);
  }
  for (const e of doc.edges) if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const layout: Layout = { ...doc.layout };
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    layout[id] = { x: Math.round(n.x - n.width / 2), y: Math.round(n.y - n.height / 2) };
  }
  return layout;
}
