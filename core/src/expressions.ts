import jsonata from 'jsonata';

/**
 * Data-only expressions for input mappings, conditions and switches: JSONata, evaluated over
 * `{ trigger, nodes, item, index }`. Never `eval`, `new Function` or `vm`. Evaluation is bounded by a step
 * count and a depth (not by wall time: in workflow code the clock does not move during a task, and a
 * step count keeps replays deterministic).
 */

export const EXPRESSION_LIMITS = { maxSteps: 1_000_000, maxDepth: 500, maxSequence: 1_000_000 } as const;

const STEP_HOOK = Symbol.for('jsonata.__evaluate_entry');

/** What expressions see. `item` and `index` exist inside forEach bodies. */
export interface ExpressionScope {
  trigger?: unknown;
  nodes?: Record<string, unknown>;
  item?: unknown;
  index?: number;
  /** Other roots, e.g. `data` in the data.transform action. */
  [root: string]: unknown;
}

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    readonly expression: string,
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

const compiled = new Map<string, jsonata.Expression>();

function compile(source: string): jsonata.Expression {
  let expr = compiled.get(source);
  if (!expr) {
    try {
      expr = jsonata(source, { stack: EXPRESSION_LIMITS.maxDepth, sequence: EXPRESSION_LIMITS.maxSequence } as jsonata.JsonataOptions);
      // Count evaluation steps per evaluation (the counter lives on the evaluation's own base frame).
      expr.assign(STEP_HOOK as unknown as string, (_e: unknown, _i: unknown, env: { base: { steps?: number } }) => {
        env.base.steps = (env.base.steps ?? 0) + 1;
        if (env.base.steps > EXPRESSION_LIMITS.maxSteps) {
          throw { code: 'STEPS', message: `took more than ${EXPRESSION_LIMITS.maxSteps} steps; simplify it or move the work to a data.transform action` };
        }
      });
    } catch (err) {
      throw toExpressionError(source, err);
    }
    if (compiled.size > 5000) compiled.clear();
    compiled.set(source, expr);
  }
  return expr;
}

function toExpressionError(source: string, err: unknown): ExpressionError {
  if (err instanceof ExpressionError) return err;
  // JSONata parses and evaluates recursively: an expression nested thousands deep overflows the stack.
  // By name: in workflow code the RangeError comes from the sandbox's own realm.
  if ((err as Error | undefined)?.name === 'RangeError')
    return new ExpressionError(source, `Expression "${source.slice(0, 200)}" is nested too deeply to read; split it into smaller expressions`);
  const e = err as { message?: string; position?: number; code?: string };
  const where = typeof e.position === 'number' ? ` at position ${e.position}` : '';
  return new ExpressionError(source, `Expression "${source}"${where}: ${e.message ?? String(err)}`, e.position);
}

/** Throws an ExpressionError when the expression does not parse. */
export function checkExpressionSyntax(source: string): void {
  compile(source);
}

export async function evaluateExpression(source: string, scope: ExpressionScope): Promise<unknown> {
  const expr = compile(source);
  try {
    const value = await expr.evaluate(scope);
    return normalise(value);
  } catch (err) {
    throw toExpressionError(source, err);
  }
}

/** JSONata returns arrays with extra flags (`sequence`); hand back plain JSON values. */
function normalise(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export function isExpr(value: unknown): value is { $expr: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { $expr?: unknown }).$expr === 'string'
  );
}

function isLiteral(value: unknown): value is { $literal: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && '$literal' in value;
}

/** Whether a mapping holds any expression (when not, it is its own value). */
export function hasExpressions(mapping: unknown): boolean {
  return !mappingExpressions(mapping).next().done;
}

/** A mapping without expressions as the run will see it: `{ $literal }` unwrapped at any depth. */
export function literalValue(mapping: unknown): unknown {
  if (isLiteral(mapping)) return mapping.$literal;
  if (Array.isArray(mapping)) return mapping.map(literalValue);
  if (mapping && typeof mapping === 'object') return Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, literalValue(v)]));
  return mapping;
}

/** Resolves a mapping: literals stay, `{ $expr }` is evaluated, `{ $literal }` is unwrapped, at any depth. */
export async function resolveMapping(mapping: unknown, scope: ExpressionScope): Promise<unknown> {
  if (isExpr(mapping)) return evaluateExpression(mapping.$expr, scope);
  if (isLiteral(mapping)) return mapping.$literal;
  if (Array.isArray(mapping)) return Promise.all(mapping.map((m) => resolveMapping(m, scope)));
  if (typeof mapping === 'object' && mapping !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(mapping)) {
      const resolved = await resolveMapping(value, scope);
      if (resolved !== undefined) out[key] = resolved;
    }
    return out;
  }
  return mapping;
}

/** What resolvePaths and readPath answer for a mapping or an expression they leave to JSONata. */
export const NOT_PLAIN = Symbol('not a plain path');

const PLAIN_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Words JSONata reads as operators or literals, never as field names. */
const JSONATA_WORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);
const plainPaths = new Map<string, string[] | null>();

/**
 * The value of an expression that is a plain path of field names (`trigger.data.id`), read without JSONata, or
 * NOT_PLAIN when JSONata must decide: another expression, or a step that meets anything but a plain object's own field
 * (arrays, whose sequence rules JSONata applies; a missing field; a string). Where it answers, it answers as
 * evaluateExpression would (plain-paths.test.ts compares them).
 */
export function readPath(source: string, scope: ExpressionScope): unknown {
  let path = plainPaths.get(source);
  if (path === undefined) {
    const steps = PLAIN_PATH.test(source) ? source.split('.') : null;
    path = steps && !steps.some((s) => JSONATA_WORDS.has(s)) ? steps : null;
    if (plainPaths.size > 5000) plainPaths.clear();
    plainPaths.set(source, path);
  }
  if (!path) return NOT_PLAIN;
  let value: unknown = scope;
  for (const step of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, step)) return NOT_PLAIN;
    value = (value as Record<string, unknown>)[step];
  }
  if (value === undefined || Array.isArray(value)) return NOT_PLAIN;
  return normalise(value);
}

/**
 * resolveMapping without JSONata, synchronously, when every expression in the mapping is a plain path readPath can
 * answer; else NOT_PLAIN (nothing is half-resolved: the caller resolves the whole mapping with resolveMapping).
 */
export function resolvePaths(mapping: unknown, scope: ExpressionScope): unknown {
  if (isExpr(mapping)) return readPath(mapping.$expr, scope);
  if (isLiteral(mapping)) return mapping.$literal;
  if (Array.isArray(mapping)) {
    const out: unknown[] = [];
    for (const m of mapping) {
      const value = resolvePaths(m, scope);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out.push(value);
    }
    return out;
  }
  if (typeof mapping === 'object' && mapping !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, m] of Object.entries(mapping)) {
      const value = resolvePaths(m, scope);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  return mapping;
}

/** Every expression string inside a mapping, with its JSON path, for design-time checks. */
export function* mappingExpressions(mapping: unknown, path: (string | number)[] = []): Generator<{ expr: string; path: (string | number)[] }> {
  if (isExpr(mapping)) {
    yield { expr: mapping.$expr, path };
    return;
  }
  if (isLiteral(mapping)) return;
  if (Array.isArray(mapping)) {
    for (let i = 0; i < mapping.length; i++) yield* mappingExpressions(mapping[i], [...path, i]);
  } else if (typeof mapping === 'object' && mapping !== null) {
    for (const [key, value] of Object.entries(mapping)) yield* mappingExpressions(value, [...path, key]);
  }
}

/**
 * The data an expression reads from the scope roots: `nodes.fetch.body.id` → `['nodes','fetch','body','id']`.
 * Only leading plain name steps are kept (a predicate or function ends the path).
 */
export function expressionReferences(source: string): string[][] {
  const ast = compile(source).ast() as unknown;
  const refs: string[][] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      n.forEach(visit);
      return;
    }
    if (typeof n !== 'object' || n === null) return;
    const node = n as { type?: string; steps?: unknown[]; value?: unknown };
    if (node.type === 'path' && Array.isArray(node.steps)) {
      const names: string[] = [];
      for (const step of node.steps as { type?: string; value?: unknown; stages?: unknown; predicate?: unknown }[]) {
        if (step.type !== 'name' || typeof step.value !== 'string') break;
        names.push(step.value);
        if (step.stages || step.predicate) break;
      }
      if (names[0] === 'nodes' || names[0] === 'trigger') refs.push(names);
    } else if (node.type === 'name' && (node.value === 'nodes' || node.value === 'trigger')) {
      refs.push([node.value]);
    }
    for (const value of Object.values(node)) if (typeof value === 'object') visit(value);
  };
  visit(ast);
  return refs;
}
