import { walkNodes } from './graph';
import type { FlowGraph, FlowSnapshot } from './flow';

/** One node's change between two versions of a flow: which of its settings (`inputs.channel`, `condition`, `retry`) differ. */
export interface NodeChange {
  nodeId: string;
  change: 'added' | 'removed' | 'changed';
  /** For `changed`: the settings that differ, inputs one by one (`inputs.url`), the rest by name (`timeout`). */
  fields?: string[];
}

/** What publishing would change: the trigger's settings, nodes (in body order, forEach bodies included) and edges. */
export interface FlowChanges {
  trigger: string[];
  nodes: NodeChange[];
  edges: { added: string[]; removed: string[] };
  /** Nothing differs (positions on the canvas never count). */
  same: boolean;
}

/**
 * The changes from `before` (the published version; none for a first publish) to `after` (the draft on screen). Only
 * what a run reads is compared: canvas positions are not part of a snapshot.
 */
export function diffFlows(before: FlowSnapshot | undefined, after: FlowSnapshot): FlowChanges {
  const old = new Map(before ? [...walkNodes(before)].map(({ node }) => [node.id, node as Record<string, unknown>]) : []);
  const now = new Map([...walkNodes(after)].map(({ node }) => [node.id, node as Record<string, unknown>]));
  const nodes: NodeChange[] = [];
  for (const [id, node] of now) {
    const was = old.get(id);
    if (!was) nodes.push({ nodeId: id, change: 'added' });
    else {
      const fields = changedFields(was, node);
      if (fields.length > 0) nodes.push({ nodeId: id, change: 'changed', fields });
    }
  }
  for (const id of old.keys()) if (!now.has(id)) nodes.push({ nodeId: id, change: 'removed' });
  const trigger = before ? changedFields(before.trigger as Record<string, unknown>, after.trigger as Record<string, unknown>) : [];
  const edgesBefore = before ? edgeKeys(before) : new Set<string>();
  const edgesAfter = edgeKeys(after);
  const edges = { added: [...edgesAfter].filter((e) => !edgesBefore.has(e)), removed: [...edgesBefore].filter((e) => !edgesAfter.has(e)) };
  return { trigger, nodes, edges, same: trigger.length === 0 && nodes.length === 0 && edges.added.length === 0 && edges.removed.length === 0 };
}

/** Settings that differ; `inputs` (and a forEach's body, compared through its own nodes) go one level down. */
function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === 'body') continue;
    const x = a[key];
    const y = b[key];
    if (key === 'inputs' && isRecord(x) && isRecord(y)) {
      for (const input of new Set([...Object.keys(x), ...Object.keys(y)])) if (!same(x[input], y[input])) fields.push(`inputs.${input}`);
    } else if (!same(x, y)) fields.push(key);
  }
  return fields;
}

/** Edges as `from → to` (with the branch in brackets), forEach bodies included. */
function edgeKeys(graph: FlowGraph): Set<string> {
  const keys = new Set<string>();
  const visit = (g: FlowGraph) => {
    for (const e of g.edges) keys.add(`${e.from} → ${e.to}${e.branch !== undefined ? ` [${e.branch}]` : ''}`);
    for (const n of g.nodes) if (n.type === 'forEach') visit(n.body);
  };
  visit(graph);
  return keys;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep equality of JSON values, key order ignored. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k])) return false;
    return true;
  }
  return false;
}
