/**
 * Canvas gestures → flow operations. Pure (no React, no DOM) so every gesture is tested in node: what
 * the canvas does is build a list of operations and hand it to the store as one undo step.
 */
import { TRIGGER_ID, walkNodes, type FlowDocument, type FlowEdge, type FlowNode, type Layout } from '#core/flow';
import { isExpr } from '#core/expressions';
import type { FlowOperation } from '#core/operations';
import { autoLayout } from '../graph/layout';

export type Point = { x: number; y: number };

/** Where each node lives: `undefined` for the top level, else the id of the forEach whose body holds it. */
export function parentsOf(doc: FlowDocument): Map<string, string | undefined> {
  const parents = new Map<string, string | undefined>([[TRIGGER_ID, undefined]]);
  for (const { node, parent } of walkNodes(doc)) parents.set(node.id, parent?.id);
  return parents;
}

/** The handle a forEach uses for the edges that start its body (drawn inside the group). */
export const BODY_HANDLE = 'body';
const OUT_HANDLE = 'out';

export interface ConnectionLike {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
}

/** The `connect` operation for a new canvas connection, or why it cannot be made. */
export function connectOperation(
  parents: Map<string, string | undefined>,
  c: ConnectionLike,
): { op: Extract<FlowOperation, { type: 'connect' }> } | { error: string } {
  const { source, target } = c;
  if (!source || !target) return { error: 'Drop the connection on a step' };
  if (target === TRIGGER_ID) return { error: 'Nothing can lead into the trigger' };
  if (source === target) return { error: 'A step cannot lead to itself' };
  if (!parents.has(source) || !parents.has(target)) return { error: 'That step no longer exists' };
  const targetParent = parents.get(target);
  // From a forEach into its own body: the edge that starts the body (never labelled).
  if (targetParent !== undefined && source === targetParent) {
    return { op: { type: 'connect', edge: { from: source, to: target }, parentId: source } };
  }
  const sourceParent = parents.get(source);
  if (sourceParent !== targetParent) {
    return {
      error:
        targetParent === undefined || sourceParent === undefined
          ? 'Steps inside a For each body connect only to each other (and to the start of their body)'
          : 'These steps are in different For each bodies; connect steps of the same body',
    };
  }
  const handle = c.sourceHandle ?? OUT_HANDLE;
  if (handle === BODY_HANDLE) return { error: 'The body start connects only to steps inside that For each' };
  const edge: FlowEdge = handle === OUT_HANDLE ? { from: source, to: target } : { from: source, to: target, branch: handle };
  return { op: sourceParent === undefined ? { type: 'connect', edge } : { type: 'connect', edge, parentId: sourceParent } };
}

/** An edge as the canvas knows it (the flow edge and the body it belongs to). */
export interface EdgeRef {
  edge: FlowEdge;
  parentId: string | null;
}

/**
 * Deleting a selection: `disconnect` for the selected edges that do not vanish with a removed node, then
 * `removeNode` for the nodes (never the trigger; a body node goes with its forEach).
 */
export function deleteOperations(doc: FlowDocument, nodeIds: string[], edges: EdgeRef[]): FlowOperation[] {
  const parents = parentsOf(doc);
  const wanted = new Set(nodeIds.filter((id) => id !== TRIGGER_ID && parents.has(id)));
  const hasRemovedAncestor = (id: string): boolean => {
    for (let p = parents.get(id); p !== undefined; p = parents.get(p)) if (wanted.has(p)) return true;
    return false;
  };
  const roots = [...wanted].filter((id) => !hasRemovedAncestor(id));
  const gone = (id: string) => wanted.has(id) || hasRemovedAncestor(id);
  const ops: FlowOperation[] = [];
  const seen = new Set<string>();
  for (const { edge, parentId } of edges) {
    if (gone(edge.from) || gone(edge.to) || (parentId !== null && gone(parentId))) continue;
    const key = `${parentId ?? ''}|${edge.from}|${edge.to}|${edge.branch ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ops.push(parentId === null ? { type: 'disconnect', edge: plainEdge(edge) } : { type: 'disconnect', edge: plainEdge(edge), parentId });
  }
  for (const id of roots) ops.push({ type: 'removeNode', nodeId: id });
  return ops;
}

function plainEdge(e: FlowEdge): FlowEdge {
  return e.branch === undefined ? { from: e.from, to: e.to } : { from: e.from, to: e.to, branch: e.branch };
}

/** `moveNode` for every node a drag moved (rounded; unchanged positions are skipped). */
export function moveOperations(doc: FlowDocument, moved: { id: string; position: Point }[]): FlowOperation[] {
  const ops: FlowOperation[] = [];
  for (const { id, position } of moved) {
    const p = { x: Math.round(position.x), y: Math.round(position.y) };
    const old = doc.layout[id];
    if (old && old.x === p.x && old.y === p.y) continue;
    ops.push({ type: 'moveNode', nodeId: id, position: p });
  }
  return ops;
}

/** The auto-layout (the top level, and every forEach body in rows) as `moveNode` operations for the positions that change. */
export function layoutOperations(doc: FlowDocument): FlowOperation[] {
  const top = autoLayout(doc);
  const body = bodyLayout(doc, true);
  const moved: { id: string; position: Point }[] = [];
  for (const id of [TRIGGER_ID, ...doc.nodes.map((n) => n.id)]) {
    const p = top[id];
    if (p) moved.push({ id, position: p });
  }
  for (const { node, parent } of walkNodes(doc)) {
    const p = body[node.id];
    if (parent && p) moved.push({ id: node.id, position: p });
  }
  return moveOperations(doc, moved);
}

/** Where body nodes go inside a forEach group: below its header, one row per step of the body. */
export const BODY_TOP = 64;
const BODY_LEFT = 40;
const BODY_ROW = 100;
const BODY_COLUMN = 250;

/**
 * Positions for body nodes: those the layout lacks get a place in rows by distance from the body's
 * start (a body written by hand or a published snapshot has none). Returns `layout` itself when no
 * position is missing, or when `all` is false and none is missing; with `all`, every body is laid out.
 */
export function bodyLayout(doc: FlowDocument, all = false): Layout {
  let out: Layout | undefined;
  for (const { node } of walkNodes(doc)) {
    if (node.type !== 'forEach' || node.body.nodes.length === 0) continue;
    if (!all && node.body.nodes.every((n) => doc.layout[n.id])) continue;
    const next = new Map<string, string[]>();
    for (const e of node.body.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const rank = new Map<string, number>();
    const queue: string[] = [node.id];
    rank.set(node.id, -1);
    while (queue.length > 0) {
      const id = queue.shift()!;
      for (const to of next.get(id) ?? []) {
        if (rank.has(to)) continue;
        rank.set(to, rank.get(id)! + 1);
        queue.push(to);
      }
    }
    let deepest = Math.max(-1, ...[...rank.values()]);
    const perRow = new Map<number, number>();
    for (const n of node.body.nodes) {
      if (!rank.has(n.id)) rank.set(n.id, ++deepest);
      const r = rank.get(n.id)!;
      const column = perRow.get(r) ?? 0;
      perRow.set(r, column + 1);
      if (!all && doc.layout[n.id]) continue;
      out ??= { ...doc.layout };
      out[n.id] = { x: BODY_LEFT + column * BODY_COLUMN, y: BODY_TOP + r * BODY_ROW };
    }
  }
  return out ?? doc.layout;
}

/** The document with a position for every body node (what the canvas draws). */
export function withBodyPositions(doc: FlowDocument): FlowDocument {
  const layout = bodyLayout(doc);
  return layout === doc.layout ? doc : { ...doc, layout };
}

// ---------------------------------------------------------------------------------------------------
// Clipboard: copy, paste, duplicate.

export interface ClipboardNode {
  /** The node as it was copied (a forEach carries its body). */
  node: FlowNode;
  position?: Point;
  /** The forEach that held it, if any. */
  parentId?: string;
}

export interface Clipboard {
  nodes: ClipboardNode[];
  /** Edges between copied nodes of the same graph. */
  edges: { edge: FlowEdge; parentId?: string }[];
  /** Positions of the nodes inside copied forEach bodies (relative to their group). */
  bodyLayout: Layout;
}

/** Copies the given nodes (the trigger and nodes whose forEach is also copied are skipped) and the edges between them. */
export function copyNodes(doc: FlowDocument, ids: Iterable<string>): Clipboard | null {
  const parents = parentsOf(doc);
  const wanted = new Set([...ids].filter((id) => id !== TRIGGER_ID && parents.has(id)));
  const underCopied = (id: string): boolean => {
    for (let p = parents.get(id); p !== undefined; p = parents.get(p)) if (wanted.has(p)) return true;
    return false;
  };
  const nodes: ClipboardNode[] = [];
  const bodyLayout: Layout = {};
  for (const { node, parent } of walkNodes(doc)) {
    if (!wanted.has(node.id) || underCopied(node.id)) continue;
    const position = doc.layout[node.id];
    nodes.push({ node, ...(position ? { position: { ...position } } : {}), ...(parent ? { parentId: parent.id } : {}) });
    if (node.type === 'forEach') {
      for (const { node: inner } of walkNodes(node.body)) {
        const p = doc.layout[inner.id];
        if (p) bodyLayout[inner.id] = { ...p };
      }
    }
  }
  if (nodes.length === 0) return null;
  const copied = new Map(nodes.map((n) => [n.node.id, n.parentId]));
  const edges: Clipboard['edges'] = [];
  const collect = (graphEdges: FlowEdge[], parentId: string | undefined) => {
    for (const e of graphEdges) {
      if (!copied.has(e.from) || !copied.has(e.to)) continue;
      if (copied.get(e.from) !== parentId || copied.get(e.to) !== parentId) continue;
      edges.push(parentId === undefined ? { edge: plainEdge(e) } : { edge: plainEdge(e), parentId });
    }
  };
  collect(doc.edges, undefined);
  for (const { node } of walkNodes(doc)) if (node.type === 'forEach') collect(node.body.edges, node.id);
  return { nodes, edges, bodyLayout };
}

/**
 * Operations that paste a clipboard: every node (and every node of a copied body) gets a fresh id, the
 * edges and the expressions that name copied nodes follow the new ids, and positions move by `offset`.
 * A node copied from a forEach body goes back into that body if it still exists, else to the top level.
 */
export function pasteOperations(doc: FlowDocument, clip: Clipboard, offset: Point): { ops: FlowOperation[]; ids: string[] } {
  const used = new Set([...walkNodes(doc)].map((w) => w.node.id));
  const rename = new Map<string, string>();
  for (const { node } of clip.nodes) {
    for (const { node: n } of walkNodes({ nodes: [node], edges: [] })) {
      const fresh = freshId(used, n.id);
      used.add(fresh);
      rename.set(n.id, fresh);
    }
  }
  const parents = parentsOf(doc);
  const existingForEach = (id: string | undefined): string | undefined => {
    if (id === undefined || !parents.has(id)) return undefined;
    for (const { node } of walkNodes(doc)) if (node.id === id) return node.type === 'forEach' ? id : undefined;
    return undefined;
  };
  const ops: FlowOperation[] = [];
  const ids: string[] = [];
  for (const { node, position, parentId } of clip.nodes) {
    const renamed = renameNode(node, rename);
    const target = existingForEach(parentId);
    const op: Extract<FlowOperation, { type: 'addNode' }> = { type: 'addNode', node: renamed };
    if (position) op.position = { x: Math.round(position.x + offset.x), y: Math.round(position.y + offset.y) };
    if (target !== undefined) op.parentId = target;
    ops.push(op);
    ids.push(renamed.id);
    if (node.type === 'forEach') {
      for (const { node: inner } of walkNodes(node.body)) {
        const p = clip.bodyLayout[inner.id];
        if (p) ops.push({ type: 'moveNode', nodeId: rename.get(inner.id)!, position: { ...p } });
      }
    }
  }
  for (const { edge, parentId } of clip.edges) {
    const from = rename.get(edge.from);
    const to = rename.get(edge.to);
    if (!from || !to) continue;
    const target = existingForEach(parentId);
    const renamed: FlowEdge = edge.branch === undefined ? { from, to } : { from, to, branch: edge.branch };
    ops.push(target === undefined ? { type: 'connect', edge: renamed } : { type: 'connect', edge: renamed, parentId: target });
  }
  return { ops, ids };
}

/** Ctrl/Cmd+D: copies of the nodes (and the edges between them), 40px down and right. */
export function duplicateOperations(doc: FlowDocument, ids: Iterable<string>, offset = 40): { ops: FlowOperation[]; ids: string[] } {
  const clip = copyNodes(doc, ids);
  return clip ? pasteOperations(doc, clip, { x: offset, y: offset }) : { ops: [], ids: [] };
}

/** `send_email_2` → `send_email_3` (not `send_email_2_2`), with the same cleaning rules as `uniqueId`. */
export function freshId(used: ReadonlySet<string>, id: string): string {
  const base =
    id
      .replace(/_\d+$/, '')
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^[^A-Za-z_]/, '_')
      .slice(0, 50) || 'step';
  if (!used.has(base) && base !== TRIGGER_ID) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

function renameNode(node: FlowNode, rename: Map<string, string>): FlowNode {
  const id = rename.get(node.id) ?? node.id;
  switch (node.type) {
    case 'action':
    case 'code':
      return { ...node, id, inputs: renameInMapping(node.inputs, rename) as Record<string, unknown> };
    case 'condition':
      return { ...node, id, condition: renameReferences(node.condition, rename) };
    case 'switch':
      return { ...node, id, value: renameReferences(node.value, rename) };
    case 'end':
    case 'respond':
      return node.output === undefined ? { ...node, id } : { ...node, id, output: renameInMapping(node.output, rename) };
    case 'delay':
      return { ...node, id };
    case 'waitForWebhook':
      return node.match === undefined ? { ...node, id } : { ...node, id, match: { ...node.match, equals: renameInMapping(node.match.equals, rename) } };
    case 'forEach':
      return {
        ...node,
        id,
        items: renameReferences(node.items, rename),
        body: {
          nodes: node.body.nodes.map((n) => renameNode(n, rename)),
          edges: node.body.edges.map((e) => ({ ...e, from: rename.get(e.from) ?? e.from, to: rename.get(e.to) ?? e.to })),
        },
      };
  }
}

function renameInMapping(mapping: unknown, rename: Map<string, string>): unknown {
  if (isExpr(mapping)) return { $expr: renameReferences(mapping.$expr, rename) };
  if (Array.isArray(mapping)) return mapping.map((m) => renameInMapping(m, rename));
  if (typeof mapping === 'object' && mapping !== null) {
    if (Object.keys(mapping).length === 1 && '$literal' in mapping) return mapping;
    return Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, renameInMapping(v, rename)]));
  }
  return mapping;
}

/** `nodes.fetch.body` → `nodes.fetch_2.body` for the renamed ids (bare or back-quoted names). */
export function renameReferences(expr: string, rename: Map<string, string>): string {
  if (rename.size === 0) return expr;
  return expr.replace(/\bnodes\.(?:`([^`]+)`|([A-Za-z_][A-Za-z0-9_]*))/g, (match, quoted: string | undefined, bare: string | undefined) => {
    const next = rename.get(quoted ?? bare ?? '');
    if (!next) return match;
    return quoted !== undefined || /[^A-Za-z0-9_]/.test(next) ? `nodes.\`${next}\`` : `nodes.${next}`;
  });
}
