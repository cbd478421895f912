import type { CatalogIndex, JsonSchema } from './catalog-sdk';
import { z } from 'zod';
import { checkExpressionSyntax, ExpressionError, expressionReferences, hasExpressions, isExpr, literalValue, mappingExpressions } from './expressions';
import { allowedBranches, TRIGGER_ID, walkNodes, type FlowDocument, type FlowGraph, type FlowNode } from './flow';

/** One problem in a flow, named by node and field so the editor can point at it. */
export interface FlowProblem {
  code: ProblemCode;
  message: string;
  nodeId?: string;
  /** The input or property the problem is in, e.g. `inputs.url`. */
  field?: string;
}

export const ProblemCodes = {
  DUPLICATE_NODE_ID: 'DUPLICATE_NODE_ID',
  UNKNOWN_ACTION: 'UNKNOWN_ACTION',
  MISSING_INPUT: 'MISSING_INPUT',
  UNKNOWN_INPUT: 'UNKNOWN_INPUT',
  INVALID_EXPRESSION: 'INVALID_EXPRESSION',
  DANGLING_EDGE: 'DANGLING_EDGE',
  INVALID_BRANCH: 'INVALID_BRANCH',
  DUPLICATE_EDGE: 'DUPLICATE_EDGE',
  UNREACHABLE_NODE: 'UNREACHABLE_NODE',
  CYCLE: 'CYCLE',
  UNKNOWN_REFERENCE: 'UNKNOWN_REFERENCE',
  NOT_UPSTREAM: 'NOT_UPSTREAM',
  UNKNOWN_OUTPUT_FIELD: 'UNKNOWN_OUTPUT_FIELD',
  EMPTY_FLOW: 'EMPTY_FLOW',
  MISSING_SETUP_VARIABLE: 'MISSING_SETUP_VARIABLE',
  /** A required setup variable with a test value and no live one: test runs work, live runs would stop, so publishing is refused. */
  SETUP_TEST_ONLY: 'SETUP_TEST_ONLY',
  /** A schedule trigger Temporal could not run as asked: bad cron, unknown zone, end before start, too short an interval. */
  INVALID_SCHEDULE: 'INVALID_SCHEDULE',
  /** The workspace's plan does not include integrations (Free): "Builder plan required". */
  PLAN_REQUIRED: 'PLAN_REQUIRED',
  /** An instant integration (the generic HTTP action) while App Settings' Backend functions switch is off. */
  BACKEND_FUNCTIONS_OFF: 'BACKEND_FUNCTIONS_OFF',
  /** A code step that does not compile: a syntax error (with line and column), no default export, an import outside the allowed set. */
  CODE_INVALID: 'CODE_INVALID',
  /** A respond node in a flow that is not invoked (its trigger is not `invoke`): nobody waits for its answer. */
  RESPOND_WITHOUT_INVOKE: 'RESPOND_WITHOUT_INVOKE',
  /** A code step reads `ctx.secrets.NAME` without declaring NAME. */
  UNDECLARED_SECRET: 'UNDECLARED_SECRET',
  /** A literal input the action's input schema refuses (an empty Slack channel, a URL that is not one): the run would refuse it too. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** An expression that reads a field whose type (from the upstream step's output schema) the input does not take: an object where text is needed. */
  EXPRESSION_TYPE: 'EXPRESSION_TYPE',
  /** An OAuth action with no connection chosen, or one that does not exist in the workspace. */
  MISSING_CONNECTION: 'MISSING_CONNECTION',
  /** An OAuth action whose connection belongs to another provider. */
  WRONG_CONNECTION: 'WRONG_CONNECTION',
} as const;
export type ProblemCode = keyof typeof ProblemCodes;

/**
 * Checks a parsed flow document against the catalog. Returns every problem found (empty when valid);
 * run it before anything is saved as a version or started.
 */
export function validateFlow(doc: FlowDocument, catalog: CatalogIndex): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const all = new Map<string, { node: FlowNode; graph: FlowGraph; parentId?: string }>();
  for (const { node, graph, parent } of walkNodes(doc)) {
    if (all.has(node.id)) {
      problems.push({ code: 'DUPLICATE_NODE_ID', nodeId: node.id, message: `Two nodes have the id "${node.id}"; give each node its own id` });
      continue;
    }
    all.set(node.id, parent ? { node, graph, parentId: parent.id } : { node, graph });
  }
  if (doc.nodes.length === 0) problems.push({ code: 'EMPTY_FLOW', message: 'The flow has no nodes; add at least one step after the trigger' });

  const upstream = new Map<string, Set<string>>();
  checkGraph(doc, TRIGGER_ID, problems, upstream, new Set());
  for (const { node } of walkNodes(doc)) checkNode(node, catalog, all, upstream, problems);
  // Expressions whose type is known (a path into an upstream output schema) against the input's type.
  if (problems.length === 0) for (const { node } of walkNodes(doc)) if (node.type === 'action') checkExpressionTypes(node, catalog, all, problems);
  if (doc.trigger.type !== 'invoke') {
    for (const { node } of walkNodes(doc)) {
      if (node.type !== 'respond') continue;
      problems.push({
        code: 'RESPOND_WITHOUT_INVOKE',
        nodeId: node.id,
        message: `Node "${node.id}" answers an app's invoke call, but this flow starts on its ${doc.trigger.type} trigger, where nobody waits for an answer; set the trigger to "invoke" (POST /v1/flows/<flow id>/invoke) or delete the node`,
      });
    }
  }
  return problems;
}

/** Edges, reachability and cycles of one graph (the top level, or a forEach body). */
function checkGraph(graph: FlowGraph, startId: string, problems: FlowProblem[], upstream: Map<string, Set<string>>, outer: Set<string>): void {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const next = new Map<string, string[]>();
  const seenEdges = new Set<string>();
  for (const edge of graph.edges) {
    const source = byId.get(edge.from);
    if (!source && edge.from !== startId) {
      problems.push({
        code: 'DANGLING_EDGE',
        nodeId: edge.to,
        message: `An edge into "${edge.to}" comes from "${edge.from}", which is not a node here; reconnect or delete it`,
      });
      continue;
    }
    if (!byId.has(edge.to)) {
      problems.push({
        code: 'DANGLING_EDGE',
        nodeId: edge.from === startId ? undefined : edge.from,
        message: `An edge from "${edge.from}" goes to "${edge.to}", which is not a node here; reconnect or delete it`,
      } as FlowProblem);
      continue;
    }
    if (source) {
      const allowed = allowedBranches(source);
      if (!allowed.includes(edge.branch)) {
        const expected = allowed.length === 0 ? 'no outgoing edges' : allowed.map((b) => (b === undefined ? 'an unlabelled edge' : `"${b}"`)).join(' or ');
        problems.push({
          code: 'INVALID_BRANCH',
          nodeId: source.id,
          field: 'edges',
          message: `Node "${source.id}" (${source.type}) has an edge${edge.branch ? ` labelled "${edge.branch}"` : ''} to "${edge.to}"; it takes ${expected}`,
        });
      }
    } else if (edge.branch !== undefined) {
      problems.push({
        code: 'INVALID_BRANCH',
        nodeId: edge.to,
        field: 'edges',
        message: `The edge from the start into "${edge.to}" cannot carry the branch "${edge.branch}"`,
      });
    }
    const key = `${edge.from}->${edge.to}:${edge.branch ?? ''}`;
    if (seenEdges.has(key)) problems.push({ code: 'DUPLICATE_EDGE', nodeId: edge.to, message: `The edge ${edge.from} → ${edge.to} appears twice` });
    seenEdges.add(key);
    next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  }

  // Reachability from the start.
  const reached = new Set<string>();
  const stack = [...(next.get(startId) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  for (const node of graph.nodes) {
    if (!reached.has(node.id)) {
      const from = startId === TRIGGER_ID ? 'the trigger' : `the start of forEach "${startId}"`;
      problems.push({ code: 'UNREACHABLE_NODE', nodeId: node.id, message: `Node "${node.id}" cannot be reached from ${from}; connect it or delete it` });
    }
  }

  // Cycles (loops are expressed with forEach, never with back edges).
  const colour = new Map<string, 'grey' | 'black'>();
  const path: string[] = [];
  let cycleReported = false;
  const dfs = (id: string): void => {
    colour.set(id, 'grey');
    path.push(id);
    for (const to of next.get(id) ?? []) {
      if (colour.get(to) === 'grey' && !cycleReported) {
        const cycle = [...path.slice(path.indexOf(to)), to];
        problems.push({ code: 'CYCLE', nodeId: to, message: `The edges ${cycle.join(' → ')} form a cycle; use a forEach node to repeat steps` });
        cycleReported = true;
      } else if (!colour.has(to)) dfs(to);
    }
    path.pop();
    colour.set(id, 'black');
  };
  for (const node of graph.nodes) if (!colour.has(node.id)) dfs(node.id);

  // Upstream sets (what each node may reference): ancestors here, plus what the enclosing forEach sees.
  if (!cycleReported) {
    const prev = new Map<string, string[]>();
    for (const [from, tos] of next) for (const to of tos) prev.set(to, [...(prev.get(to) ?? []), from]);
    const memo = new Map<string, Set<string>>();
    const ancestors = (id: string): Set<string> => {
      const known = memo.get(id);
      if (known) return known;
      const set = new Set<string>(outer);
      memo.set(id, set);
      for (const p of prev.get(id) ?? []) {
        if (p === startId) continue;
        set.add(p);
        for (const a of ancestors(p)) set.add(a);
      }
      return set;
    };
    for (const node of graph.nodes) upstream.set(node.id, ancestors(node.id));
  }

  for (const node of graph.nodes) {
    // After a cycle here the upstream sets are unknown: still check the body's edges, but leave its nodes
    // without upstream sets (as this graph's nodes are), so their references are not wrongly reported.
    if (node.type === 'forEach') checkGraph(node.body, node.id, problems, cycleReported ? new Map() : upstream, upstream.get(node.id) ?? new Set(outer));
  }
}

function checkNode(
  node: FlowNode,
  catalog: CatalogIndex,
  all: Map<string, { node: FlowNode }>,
  upstream: Map<string, Set<string>>,
  problems: FlowProblem[],
): void {
  const expressions: { expr: string; field: string }[] = [];
  switch (node.type) {
    case 'action': {
      checkActionInputs(node, catalog, problems);
      for (const { expr, path } of mappingExpressions(node.inputs)) expressions.push({ expr, field: `inputs.${path.join('.')}` });
      break;
    }
    case 'code':
      for (const { expr, path } of mappingExpressions(node.inputs)) expressions.push({ expr, field: `inputs.${path.join('.')}` });
      break;
    case 'condition':
      expressions.push({ expr: node.condition, field: 'condition' });
      break;
    case 'switch':
      expressions.push({ expr: node.value, field: 'value' });
      break;
    case 'forEach':
      expressions.push({ expr: node.items, field: 'items' });
      break;
    case 'end':
    case 'respond':
      for (const { expr, path } of mappingExpressions(node.output)) expressions.push({ expr, field: ['output', ...path].join('.') });
      break;
    case 'delay':
      break;
    case 'waitForWebhook':
      for (const { expr, path } of mappingExpressions(node.match?.equals)) expressions.push({ expr, field: ['match', 'equals', ...path].join('.') });
      break;
  }

  for (const { expr, field } of expressions) {
    let refs: string[][];
    try {
      checkExpressionSyntax(expr);
      refs = expressionReferences(expr);
    } catch (err) {
      const message = err instanceof ExpressionError ? err.message : String(err);
      problems.push({ code: 'INVALID_EXPRESSION', nodeId: node.id, field, message: `Node "${node.id}", ${field}: ${message}` });
      continue;
    }
    for (const ref of refs) {
      if (ref[0] !== 'nodes' || ref.length < 2) continue;
      const targetId = ref[1]!;
      const target = all.get(targetId);
      if (!target) {
        problems.push({
          code: 'UNKNOWN_REFERENCE',
          nodeId: node.id,
          field,
          message: `Node "${node.id}", ${field}: reads nodes.${targetId}, but there is no node "${targetId}"`,
        });
        continue;
      }
      const ups = upstream.get(node.id);
      if (ups && !ups.has(targetId)) {
        problems.push({
          code: 'NOT_UPSTREAM',
          nodeId: node.id,
          field,
          message: `Node "${node.id}", ${field}: reads nodes.${targetId}, which does not run before "${node.id}"; connect "${targetId}" upstream or read another node`,
        });
        continue;
      }
      const missing = missingOutputField(outputSchemaOf(target.node, catalog), ref.slice(2));
      if (missing) {
        problems.push({
          code: 'UNKNOWN_OUTPUT_FIELD',
          nodeId: node.id,
          field,
          message: `Node "${node.id}", ${field}: nodes.${[targetId, ...missing.path].join('.')} does not exist; "${targetId}" outputs ${missing.available.length ? missing.available.join(', ') : 'no fields'} there`,
        });
      }
    }
  }
}

/** The JSON Schema of a node's output, as later nodes see it. */
export function outputSchemaOf(node: FlowNode, catalog: CatalogIndex): JsonSchema | undefined {
  switch (node.type) {
    case 'action': {
      const schema = catalog.getAction(node.action)?.outputSchema;
      // After a failure the `error` branch runs and the node's output is `{ error }` (a NodeError).
      if (!schema || node.onError !== 'branch' || typeof schema.properties !== 'object') return schema;
      return { ...schema, properties: { ...schema.properties, error: NODE_ERROR_SCHEMA } };
    }
    case 'code': {
      // What the code returns is the user's: only a declared output schema can be checked against.
      const schema = node.outputSchema as JsonSchema | undefined;
      if (!schema || node.onError !== 'branch' || typeof schema.properties !== 'object') return schema;
      return { ...schema, properties: { ...(schema.properties as Record<string, JsonSchema>), error: NODE_ERROR_SCHEMA } };
    }
    case 'condition':
      return { type: 'object', properties: { result: { type: 'boolean' } }, additionalProperties: false };
    case 'switch':
      return { type: 'object', properties: { value: {}, branch: { type: 'string' } }, additionalProperties: false };
    case 'delay':
      return { type: 'object', properties: { delayedMs: { type: 'number' } }, additionalProperties: false };
    case 'waitForWebhook':
      // `event` is the provider's payload: its shape is the provider's, so it is not checked further.
      return {
        type: 'object',
        properties: { received: { type: 'boolean' }, eventId: { type: 'string' }, eventType: { type: 'string' }, deliveryId: { type: 'string' }, event: {} },
        additionalProperties: false,
      };
    case 'forEach':
      return { type: 'array', items: { type: 'object' } };
    case 'end':
      return undefined;
    case 'respond':
      return { type: 'object', properties: { responded: { type: 'boolean' } }, additionalProperties: false };
  }
}

/** What later nodes see as `nodes.<id>.error` on the `error` branch of an action (see NodeError in run.ts). */
const NODE_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { message: { type: 'string' }, type: { type: 'string' }, status: { type: 'integer' } },
  additionalProperties: false,
};

/** Walks a reference path through a JSON Schema; returns where it stops matching, if it does. */
function missingOutputField(schema: JsonSchema | undefined, path: string[]): { path: string[]; available: string[] } | undefined {
  let current = schema;
  for (let i = 0; i < path.length; i++) {
    if (!current) return undefined;
    const props = current.properties as Record<string, JsonSchema> | undefined;
    if (current.type === 'array') {
      current = current.items as JsonSchema | undefined;
      // `nodes.loop.field` maps over the array in JSONata: check the field on the items.
      i--;
      continue;
    }
    if (!props || current.additionalProperties !== false) return undefined;
    const next = props[path[i]!];
    if (!next) return { path: path.slice(0, i + 1), available: Object.keys(props) };
    current = next;
  }
  return undefined;
}

/** An action node against its catalog entry: the action exists, required inputs are there, no unknown ones, literals valid. */
function checkActionInputs(node: Extract<FlowNode, { type: 'action' }>, catalog: CatalogIndex, problems: FlowProblem[]): void {
  const info = catalog.getAction(node.action);
  if (!info) {
    problems.push({
      code: 'UNKNOWN_ACTION',
      nodeId: node.id,
      field: 'action',
      message: `Node "${node.id}" uses "${node.action}", which is not in the catalog; pick an action from the palette`,
    });
  } else {
    const props = (info.inputSchema.properties ?? {}) as Record<string, JsonSchema>;
    for (const name of (info.inputSchema.required ?? []) as string[]) {
      if (!(name in node.inputs))
        problems.push({
          code: 'MISSING_INPUT',
          nodeId: node.id,
          field: `inputs.${name}`,
          message: `Node "${node.id}" (${info.title}) needs the input "${name}"`,
        });
    }
    // zod's input-side JSON Schema of a plain z.object() omits `additionalProperties` (extra keys are
    // stripped before the action sees them), so only an explicit schema or `true` admits other inputs.
    const extra = info.inputSchema.additionalProperties;
    if (info.inputSchema.type === 'object' && (extra === undefined || extra === false)) {
      for (const name of Object.keys(node.inputs)) {
        if (!(name in props))
          problems.push({
            code: 'UNKNOWN_INPUT',
            nodeId: node.id,
            field: `inputs.${name}`,
            message: `Node "${node.id}" (${info.title}) has no input "${name}"; it takes ${Object.keys(props).join(', ') || 'none'}`,
          });
      }
    }
    // Literal values are checked now against the schema the run checks them with (expressions when they run).
    for (const [name, value] of Object.entries(node.inputs)) {
      const schema = props[name];
      if (!schema || hasExpressions(value)) continue;
      const issue = literalIssue(schema, literalValue(value));
      if (issue)
        problems.push({
          code: 'INVALID_INPUT',
          nodeId: node.id,
          field: `inputs.${[name, ...issue.path].join('.')}`,
          message: `Node "${node.id}" (${info.title}): "${[name, ...issue.path].join('.')}" ${issue.message}`,
        });
    }
  }
}

/**
 * An input given as a bare path into an upstream step's output (`nodes.fetch.body.total`, no operators) has the type
 * that output's schema gives it; when both that and the input's type are known and one can never be the other (an
 * object where text is needed), it is a problem now rather than an InvalidInput at run time. Anything else (an
 * expression that computes, a field the schema leaves open, a union) is left to the run.
 */
function checkExpressionTypes(
  node: Extract<FlowNode, { type: 'action' }>,
  catalog: CatalogIndex,
  all: Map<string, { node: FlowNode }>,
  problems: FlowProblem[],
): void {
  const info = catalog.getAction(node.action);
  const props = (info?.inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, value] of Object.entries(node.inputs)) {
    if (!isExpr(value) || !props[name]) continue;
    const path = /^\s*nodes\.([A-Za-z_$][\w$]*)((?:\.[A-Za-z_$][\w$]*)*)\s*$/.exec(value.$expr);
    if (!path) continue;
    const source = all.get(path[1]!)?.node;
    if (!source) continue;
    let schema = outputSchemaOf(source, catalog);
    for (const step of path[2]!.split('.').filter(Boolean)) schema = (schema?.properties as Record<string, JsonSchema> | undefined)?.[step];
    const given = jsonTypes(schema);
    const wanted = jsonTypes(props[name]);
    if (
      !given ||
      !wanted ||
      given.some((t) => wanted.includes(t) || (t === 'integer' && wanted.includes('number')) || (t === 'number' && wanted.includes('integer')))
    )
      continue;
    problems.push({
      code: 'EXPRESSION_TYPE',
      nodeId: node.id,
      field: `inputs.${name}`,
      message: `Node "${node.id}" (${info!.title}): "${name}" reads ${value.$expr.trim()}, which is ${given.join(' or ')}, but "${name}" takes ${wanted.join(' or ')}; read a field of it, or convert it in the expression (e.g. $string(…))`,
    });
  }
}

/** The JSON types a schema allows, when it says (`type`, or every branch of an `anyOf` saying); undefined when open. */
function jsonTypes(schema: JsonSchema | undefined): string[] | undefined {
  if (!schema) return undefined;
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type as string[];
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!branches) return undefined;
  const types = branches.map(jsonTypes);
  return types.every((t) => t !== undefined) ? [...new Set(types.flat() as string[])] : undefined;
}

const literalSchemas = new WeakMap<JsonSchema, z.ZodType | null>();

/** Why a literal input value is refused by its JSON Schema (as the action's zod schema would refuse it), or undefined. */
function literalIssue(schema: JsonSchema, value: unknown): { path: string[]; message: string } | undefined {
  let check = literalSchemas.get(schema);
  if (check === undefined) {
    try {
      check = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      check = null; // a schema zod cannot read: left to the run
    }
    literalSchemas.set(schema, check);
  }
  if (!check) return undefined;
  const result = check.safeParse(value);
  if (result.success) return undefined;
  const first = result.error.issues[0]!;
  const path = first.path.map(String);
  const at = path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
  if (first.code === 'too_small' && (at === '' || (Array.isArray(at) && at.length === 0))) return { path, message: 'is empty; give it a value' };
  return { path, message: `is not valid: ${first.message}` };
}
