import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '#core/flow';
import { applyOperations } from '#core/operations';
import { toCanvas } from '../graph/canvas-model';
import { groupSizes, GROUP_MIN, GROUP_PAD, NODE_H, NODE_W, reconcileEdges, reconcileNodes, withSelection } from './reconcile';

function doc(n: number): FlowDocument {
  const nodes: FlowDocument['nodes'] = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type: 'delay' as const, duration: '1s' }));
  nodes.push({
    id: 'loop',
    type: 'forEach',
    items: 'trigger.data.items',
    concurrency: 1,
    body: { nodes: [{ id: 'inner', type: 'end' }], edges: [{ from: 'loop', to: 'inner' }] },
  });
  return {
    schemaVersion: 1,
    trigger: { type: 'manual' },
    nodes,
    edges: [{ from: 'trigger', to: 's0' }, ...nodes.slice(1, n).map((node, i) => ({ from: `s${i}`, to: node.id }))],
    layout: { trigger: { x: 0, y: 0 }, ...Object.fromEntries(nodes.map((node, i) => [node.id, { x: 0, y: 100 * (i + 1) }])), inner: { x: 300, y: 200 } },
  };
}

const canvas = (d: FlowDocument) => toCanvas(d, { actions: [] });

describe('reconcileNodes', () => {
  it('keeps every unchanged node object when one node moves', () => {
    const d = doc(500);
    const first = reconcileNodes(canvas(d).nodes, [], new Set());
    const moved = applyOperations(d, [{ type: 'moveNode', nodeId: 's7', position: { x: 50, y: 50 } }]);
    const second = reconcileNodes(canvas(moved).nodes, first, new Set());
    const changed = second.filter((n, i) => n !== first[i]);
    expect(changed.map((n) => n.id)).toEqual(['s7']);
    expect(changed[0]!.position).toEqual({ x: 50, y: 50 });
    // Nothing changed at all: the very same array.
    expect(reconcileNodes(canvas(moved).nodes, second, new Set())).toBe(second);
  });

  it('carries over the measured size and replaces only nodes whose data changed', () => {
    const d = doc(3);
    const first = reconcileNodes(canvas(d).nodes, [], new Set()).map((n) => ({ ...n, measured: { width: 220, height: 72 } }));
    const renamed = applyOperations(d, [{ type: 'updateNode', nodeId: 's1', patch: { label: 'Wait a bit' } }]);
    const second = reconcileNodes(canvas(renamed).nodes, first, new Set());
    const s1 = second.find((n) => n.id === 's1')!;
    expect(s1).not.toBe(first.find((n) => n.id === 's1'));
    expect(s1.data.title).toBe('Wait a bit');
    expect(s1.measured).toEqual({ width: 220, height: 72 });
    expect(second.filter((n, i) => n !== first[i]).map((n) => n.id)).toEqual(['s1']);
  });

  it('marks selection, keeps the trigger undeletable and nests body nodes in their group', () => {
    const nodes = reconcileNodes(canvas(doc(2)).nodes, [], new Set(['s1']));
    expect(nodes.find((n) => n.id === 's1')!.selected).toBe(true);
    expect(nodes.find((n) => n.id === 's0')!.selected).toBe(false);
    expect(nodes.find((n) => n.id === 'trigger')!.deletable).toBe(false);
    expect(nodes.find((n) => n.id === 'inner')).toMatchObject({ parentId: 'loop', extent: 'parent' });
    // Parents come before their children (React Flow requires it).
    expect(nodes.findIndex((n) => n.id === 'loop')).toBeLessThan(nodes.findIndex((n) => n.id === 'inner'));
  });

  it('withSelection replaces only the nodes whose selection flips', () => {
    const nodes = reconcileNodes(canvas(doc(4)).nodes, [], new Set(['s1']));
    const next = withSelection(nodes, new Set(['s2']));
    expect(next.filter((n, i) => n !== nodes[i]).map((n) => n.id)).toEqual(['s1', 's2']);
    expect(withSelection(next, new Set(['s2']))).toBe(next);
  });
});

describe('groupSizes', () => {
  it('grows a forEach group to hold its body, never below the minimum', () => {
    const sizes = groupSizes(canvas(doc(1)).nodes);
    expect(sizes.get('loop')).toEqual({ width: 300 + NODE_W + GROUP_PAD, height: Math.max(GROUP_MIN.height, 200 + NODE_H + GROUP_PAD) });
    const empty = applyOperations(doc(1), [{ type: 'removeNode', nodeId: 'inner' }]);
    expect(groupSizes(canvas(empty).nodes).get('loop')).toEqual(GROUP_MIN);
  });
});

describe('reconcileEdges', () => {
  it('sends body-start edges from the inner handle and keeps selected edges selected', () => {
    const d = doc(3);
    const first = reconcileEdges(canvas(d).edges, []);
    expect(first.find((e) => e.source === 'loop')!.sourceHandle).toBe('body');
    expect(first.find((e) => e.source === 's0')!.sourceHandle).toBe('out');
    const selected = first.map((e) => (e.source === 's0' ? { ...e, selected: true } : e));
    const next = applyOperations(d, [{ type: 'moveNode', nodeId: 's1', position: { x: 9, y: 9 } }]);
    expect(reconcileEdges(canvas(next).edges, selected)).toBe(selected);
    const removed = applyOperations(d, [{ type: 'removeNode', nodeId: 's2' }]);
    const after = reconcileEdges(canvas(removed).edges, selected);
    expect(after.find((e) => e.source === 's0')!.selected).toBe(true);
    expect(after.find((e) => e.source === 's0')).toBe(selected.find((e) => e.source === 's0'));
  });
});
