import { describe, expect, it } from 'vitest';
import { evaluateExpression, NOT_PLAIN, readPath, resolveMapping, resolvePaths, type ExpressionScope } from './expressions';

/** A deterministic pseudo-random source, so a failure names the seed that found it. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KEYS = ['a', 'b', 'id', 'data', 'items', 'x_1', 'constructor', 'toString', 'and', 'true', 'null'];

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.35) {
    const leaves = [0, 1, -2.5, 1e21, '', 'text', 'true', true, false, null, 'ünï'];
    return leaves[Math.floor(r() * leaves.length)];
  }
  if (k < 0.55) return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) out[KEYS[Math.floor(r() * KEYS.length)]!] = randomValue(r, depth + 1);
  return out;
}

function randomPath(r: () => number): string {
  const roots = ['trigger', 'nodes', 'item', 'index', 'data'];
  const steps = [roots[Math.floor(r() * roots.length)]!];
  for (let i = Math.floor(r() * 4); i > 0; i--) steps.push(KEYS[Math.floor(r() * KEYS.length)]!);
  return steps.join('.');
}

describe('plain paths read without JSONata', () => {
  it('answers as JSONata does wherever it answers, over thousands of random scopes and paths', async () => {
    const r = rng(20261205);
    let answered = 0;
    for (let i = 0; i < 4000; i++) {
      const scope = {
        trigger: randomValue(r, 0),
        nodes: { a: randomValue(r, 1), b: randomValue(r, 1) },
        item: randomValue(r, 1),
        index: 3,
      } as ExpressionScope;
      const path = randomPath(r);
      const fast = readPath(path, scope);
      if (fast === NOT_PLAIN) continue;
      answered++;
      expect(fast, `${path} over ${JSON.stringify(scope)}`).toEqual(await evaluateExpression(path, scope));
    }
    // The check above means something only if the fast path answered often.
    expect(answered).toBeGreaterThan(500);
  });

  it('answers the common reads and leaves everything else to JSONata', () => {
    const scope = { trigger: { data: { id: 'in_1', lines: [{ amount: 2 }], meta: null, n: 0 } }, nodes: { fetch: { body: { ok: true } } }, item: 'x', index: 2 };
    expect(readPath('trigger.data.id', scope)).toBe('in_1');
    expect(readPath('trigger.data.meta', scope)).toBeNull();
    expect(readPath('trigger.data.n', scope)).toBe(0);
    expect(readPath('nodes.fetch.body', scope)).toEqual({ ok: true });
    expect(readPath('item', scope)).toBe('x');
    expect(readPath('index', scope)).toBe(2);
    // An object comes back as a copy, as JSONata's result is normalised.
    expect(readPath('nodes.fetch', scope)).not.toBe(scope.nodes.fetch);
    for (const other of [
      'trigger.data.lines', // an array: JSONata's sequence rules
      'trigger.data.lines.amount', // through an array
      'trigger.data.missing', // a missing field
      'trigger.data.id.length', // into a string
      'trigger.constructor', // not an own field
      '$sum(trigger.data.lines.amount)',
      'trigger.data.id & "x"',
      ' item',
      'item ',
      'true',
      'null',
      'trigger.data.`id`',
      '$',
      'nodes["fetch"]',
    ])
      expect(readPath(other, scope), other).toBe(NOT_PLAIN);
  });

  it('resolves whole mappings as resolveMapping does, or not at all', async () => {
    const scope = { trigger: { id: 'e1', data: { total: 5, tags: ['a'] } }, nodes: { n1: { ok: true } } };
    const mappings: unknown[] = [
      { id: { $expr: 'trigger.id' }, total: { $expr: 'trigger.data.total' }, fixed: 3, nested: { ok: { $expr: 'nodes.n1.ok' }, list: [{ $expr: 'trigger.id' }, 'lit'] } },
      { literal: { $literal: { $expr: 'not evaluated' } }, plain: 'text' },
      [{ $expr: 'trigger.data' }, null, 1],
      { $expr: 'trigger' },
      'just text',
    ];
    for (const mapping of mappings) expect(resolvePaths(mapping, scope), JSON.stringify(mapping)).toEqual(await resolveMapping(mapping, scope));
    // One expression JSONata must read: the whole mapping is left to resolveMapping.
    expect(resolvePaths({ id: { $expr: 'trigger.id' }, tags: { $expr: 'trigger.data.tags' } }, scope)).toBe(NOT_PLAIN);
    expect(resolvePaths([{ $expr: 'trigger.id' }, { $expr: '$count(trigger.data.tags)' }], scope)).toBe(NOT_PLAIN);
  });
});
