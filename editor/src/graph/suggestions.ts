import type { ActionInfo, JsonSchema } from '#core/catalog-sdk';
import { findNode } from '#core/operations';
import { outputSchemaOf } from '#core/validate';
import { TRIGGER_ID, walkNodes, type FlowDocument } from '#core/flow';

export interface Suggestion {
  /** The expression path, e.g. `nodes.lookup.body.plan`. */
  path: string;
  /** JSON Schema type, when known. */
  type?: string;
  description?: string;
}

/**
 * What an expression in `nodeId` may read: the trigger, the outputs of nodes that run before it (by
 * their output schemas), and `item`/`index` inside a forEach body. Used by the expression autocomplete.
 */
export function expressionSuggestions(
  doc: FlowDocument,
  nodeId: string,
  actions: ActionInfo[],
  maxDepth = 3,
  samples: Readonly<Record<string, unknown>> = {},
): Suggestion[] {
  const catalog = { getAction: (ref: string) => actions.find((a) => a.ref === ref) };
  // Pinned samples win over test outputs, as they do when a step is tested.
  const sampleOf = (id: string): unknown => doc.pinned?.[id] ?? samples[id];
  const out: Suggestion[] = [
    { path: 'trigger.data', type: 'object', description: 'the data the trigger carried' },
    { path: 'trigger.id', type: 'string', description: 'the event id' },
  ];
  // The trigger's fields, from its sample data.
  walkSample(sampleOf(TRIGGER_ID), 'trigger.data', maxDepth, out);
  for (const upstreamId of upstreamOf(doc, nodeId)) {
    const node = findNode(doc, upstreamId);
    if (!node) continue;
    const schema = outputSchemaOf(node, catalog);
    const base = `nodes.${segment(upstreamId)}`;
    out.push({ path: base, type: typeOf(schema), description: `output of ${upstreamId}` });
    walkSchema(schema, base, maxDepth, out);
    // What a schema leaves open (an HTTP response's body), a sample fills in.
    walkSample(sampleOf(upstreamId), base, maxDepth, out);
  }
  const inLoop = [...walkNodes(doc)].find((w) => w.node.id === nodeId)?.parent;
  if (inLoop)
    out.push(
      { path: 'item', description: `the current item of ${inLoop.id}` },
      { path: 'index', type: 'number', description: 'the position of the item, from 0' },
    );
  return out;
}

/** Paths of a sample value (objects' keys; an array's first item stands for all), skipping those already suggested. */
function walkSample(value: unknown, prefix: string, depth: number, out: Suggestion[]): void {
  if (depth === 0 || value === null || typeof value !== 'object') return;
  const item = Array.isArray(value) ? value[0] : value;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
  const known = new Set(out.map((s) => s.path));
  for (const [name, child] of Object.entries(item as Record<string, unknown>).slice(0, 100)) {
    const path = `${prefix}${Array.isArray(value) ? '[0]' : ''}.${segment(name)}`;
    if (!known.has(path))
      out.push({ path, type: child === null ? 'null' : Array.isArray(child) ? 'array' : typeof child, description: 'from the sample data' });
    walkSample(child, path, depth - 1, out);
  }
}

/** A path step as JSONata reads it: names that are not identifiers (`my-node`) are quoted with backticks. */
export function segment(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `\`${name}\``;
}

function typeOf(schema: JsonSchema | undefined): string | undefined {
  const t = schema?.type;
  return typeof t === 'string' ? t : undefined;
}

function walkSchema(schema: JsonSchema | undefined, prefix: string, depth: number, out: Suggestion[]): void {
  if (!schema || depth === 0) return;
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  for (const [name, child] of Object.entries(props ?? {})) {
    out.push({
      path: `${prefix}.${segment(name)}`,
      ...(typeOf(child) ? { type: typeOf(child)! } : {}),
      ...(typeof child.description === 'string' ? { description: child.description } : {}),
    });
    walkSchema(child, `${prefix}.${segment(name)}`, depth - 1, out);
  }
}

/** Ids of the nodes that always or possibly run before `nodeId` (its ancestors, and those of enclosing forEach nodes). */
export function upstreamOf(doc: FlowDocument, nodeId: string): string[] {
  const result = new Set<string>();
  const visit = (graph: FlowDocument | { nodes: FlowDocument['nodes']; edges: FlowDocument['edges'] }, target: string): boolean => {
    if (!graph.nodes.some((n) => n.id === target)) {
      for (const n of graph.nodes) {
        if (n.type === 'forEach' && visit(n.body, target)) {
          // The loop's own output does not exist yet inside its body; what runs before the loop does.
          result.delete(n.id);
          ancestors(graph, n.id).forEach((a) => result.add(a));
          return true;
        }
      }
      return false;
    }
    ancestors(graph, target).forEach((a) => result.add(a));
    return true;
  };
  visit(doc, nodeId);
  result.delete(TRIGGER_ID);
  result.delete(nodeId);
  return [...result];
}

function ancestors(graph: { edges: FlowDocument['edges'] }, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const current = stack.pop()!;
    for (const e of graph.edges) {
      if (e.to !== current || seen.has(e.from)) continue;
      seen.add(e.from);
      stack.push(e.from);
    }
  }
  return seen;
}
