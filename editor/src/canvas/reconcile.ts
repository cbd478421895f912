/**
 * Canvas model → React Flow nodes and edges, keeping every unchanged object identical to the previous
 * one: React Flow re-renders a node only when its object changes, so after an edit only the nodes the
 * edit touched re-render (and during a drag, only the dragged ones). Pure: tested in node.
 */
import type { Edge, Node } from '@xyflow/react';
import { TRIGGER_ID } from '#core/flow';
import type { CanvasEdge, CanvasKind, CanvasNode, CanvasNodeData } from '../graph/canvas-model';
import { BODY_HANDLE } from './edit-ops';

export type SyNode = Node<CanvasNodeData, CanvasKind>;
export type SyEdge = Edge<CanvasEdge['data']>;

/** The size of a step card (see `.sy-node` in styles.css) and the room around a forEach body. */
export const NODE_W = 220;
export const NODE_H = 72;
export const GROUP_MIN = { width: 320, height: 160 };
export const GROUP_PAD = 48;

/**
 * The React Flow nodes for a canvas model. `prev` is the current node array: nodes that did not change
 * are returned as the very same objects (and their measured size is carried over), and when nothing
 * changed at all, `prev` itself is returned.
 */
export function reconcileNodes(model: CanvasNode[], prev: SyNode[], selected: ReadonlySet<string>): SyNode[] {
  const before = new Map(prev.map((n) => [n.id, n]));
  const sizes = groupSizes(model);
  let changed = model.length !== prev.length;
  const out = model.map((m, i) => {
    const p = before.get(m.id);
    const size = sizes.get(m.id);
    const isSelected = selected.has(m.id);
    if (
      p &&
      p.type === m.type &&
      p.position.x === m.position.x &&
      p.position.y === m.position.y &&
      p.parentId === m.parentId &&
      (p.selected ?? false) === isSelected &&
      sameSize(p.style, size) &&
      jsonEqual(p.data, m.data)
    ) {
      if (prev[i] !== p) changed = true;
      return p;
    }
    changed = true;
    const node: SyNode = {
      id: m.id,
      type: m.type,
      position: m.position,
      data: p && jsonEqual(p.data, m.data) ? p.data : m.data,
      selected: isSelected,
      ariaLabel: ariaLabel(m.data),
      ...(m.parentId ? { parentId: m.parentId, extent: 'parent' as const } : {}),
      ...(size ? { style: size } : {}),
      ...(m.id === TRIGGER_ID ? { deletable: false } : {}),
      ...(p?.measured ? { measured: p.measured } : {}),
    };
    return node;
  });
  return changed ? out : prev;
}

/** Only the selection changed: new objects for the nodes whose `selected` flips, the others kept. */
export function withSelection(nodes: SyNode[], selected: ReadonlySet<string>): SyNode[] {
  let changed = false;
  const out = nodes.map((n) => {
    const s = selected.has(n.id);
    if ((n.selected ?? false) === s) return n;
    changed = true;
    return { ...n, selected: s };
  });
  return changed ? out : nodes;
}

/**
 * forEach groups grow to hold their body: at least GROUP_MIN, and GROUP_PAD beyond the lowest and
 * rightmost child (nested groups first, so a group holds its inner groups at their real size).
 */
export function groupSizes(model: CanvasNode[]): Map<string, { width: number; height: number }> {
  const children = new Map<string, CanvasNode[]>();
  for (const n of model) if (n.parentId) children.set(n.parentId, [...(children.get(n.parentId) ?? []), n]);
  const sizes = new Map<string, { width: number; height: number }>();
  for (let i = model.length - 1; i >= 0; i--) {
    const g = model[i]!;
    if (g.type !== 'forEach') continue;
    let { width, height } = GROUP_MIN;
    for (const c of children.get(g.id) ?? []) {
      const s = sizes.get(c.id) ?? { width: NODE_W, height: NODE_H };
      width = Math.max(width, Math.round(c.position.x + s.width + GROUP_PAD));
      height = Math.max(height, Math.round(c.position.y + s.height + GROUP_PAD));
    }
    sizes.set(g.id, { width, height });
  }
  return sizes;
}

/** React Flow edges: body-start edges leave from the forEach's inner handle; selection is kept. */
export function reconcileEdges(model: CanvasEdge[], prev: SyEdge[]): SyEdge[] {
  const before = new Map(prev.map((e) => [e.id, e]));
  let changed = model.length !== prev.length;
  const out = model.map((m, i) => {
    const p = before.get(m.id);
    const sourceHandle = m.data.parentId !== null && m.data.parentId === m.source ? BODY_HANDLE : m.sourceHandle;
    const className = m.data.branch === 'error' ? 'sy-edge-error' : undefined;
    if (
      p &&
      p.source === m.source &&
      p.target === m.target &&
      p.sourceHandle === sourceHandle &&
      p.label === m.label &&
      (p.animated ?? false) === (m.animated ?? false) &&
      p.data?.branch === m.data.branch &&
      p.data?.parentId === m.data.parentId
    ) {
      if (prev[i] !== p) changed = true;
      return p;
    }
    changed = true;
    const edge: SyEdge = {
      id: m.id,
      source: m.source,
      target: m.target,
      sourceHandle,
      data: m.data,
      ...(m.label ? { label: m.label } : {}),
      ...(m.animated ? { animated: true } : {}),
      ...(className ? { className } : {}),
      ...(p?.selected ? { selected: true } : {}),
    };
    return edge;
  });
  return changed ? out : prev;
}

/** What a screen reader announces for a focused node: its title, what it does, and its problems. */
function ariaLabel(d: CanvasNodeData): string {
  const problems = d.problems.length > 0 ? `, ${d.problems.length} problem${d.problems.length === 1 ? '' : 's'}` : '';
  const status = d.status ? `, ${d.status}` : '';
  return `${d.title}: ${d.subtitle}${status}${problems}`;
}

function sameSize(style: SyNode['style'], size: { width: number; height: number } | undefined): boolean {
  if (!size) return style === undefined;
  return style?.width === size.width && style?.height === size.height;
}

/** Structural equality of plain JSON values (node data is plain JSON). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
