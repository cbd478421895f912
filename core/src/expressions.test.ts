import { describe, expect, it } from 'vitest';
import { checkExpressionSyntax, evaluateExpression, ExpressionError, expressionReferences, resolveMapping } from './expressions';

const scope = { trigger: { data: { email: 'a@b.c', n: [1, 2, 3] } }, nodes: { fetch: { status: 200, body: { id: 7 } } } };

describe('expressions', () => {
  it('evaluates JSONata over the scope', async () => {
    expect(await evaluateExpression('nodes.fetch.status = 200', scope)).toBe(true);
    expect(await evaluateExpression('$sum(trigger.data.n)', scope)).toBe(6);
    expect(await evaluateExpression('trigger.data.n[$ > 1]', scope)).toEqual([2, 3]);
  });

  it('resolves nested mappings, escapes literals and drops undefined', async () => {
    const mapping = {
      a: { $expr: 'trigger.data.email' },
      b: [1, { $expr: 'nodes.fetch.body.id + 1' }],
      c: { $literal: { $expr: 'x' } },
      d: { $expr: 'nodes.nope' },
    };
    expect(await resolveMapping(mapping, scope)).toEqual({ a: 'a@b.c', b: [1, 8], c: { $expr: 'x' } });
  });

  it('lists the references an expression reads', () => {
    const refs = expressionReferences('nodes.fetch.body.id + $count(trigger.data.n[$ > 1])');
    expect(refs).toContainEqual(['nodes', 'fetch', 'body', 'id']);
    expect(refs).toContainEqual(['trigger', 'data', 'n']);
  });

  it('stops runaway recursion with a clear error', async () => {
    await expect(evaluateExpression('($f := function($n){ $n < 0 ? 0 : 1 + $f($n + 1) }; $f(0))', scope)).rejects.toThrow(/Expression/);
  });

  it('stops long loops by step count, deterministically', async () => {
    await expect(evaluateExpression('($f := function($n){ $n > 10000000 ? $n : $f($n + 1) }; $f(0))', scope)).rejects.toThrow(/steps/);
  }, 30_000);

  it('refuses an expression nested too deep to parse with an ExpressionError that says so', async () => {
    for (const source of ['('.repeat(20_000) + '1' + ')'.repeat(20_000), '-'.repeat(20_000) + '1', Array(20_000).fill('trigger').join('.')]) {
      expect(() => checkExpressionSyntax(source)).toThrow(ExpressionError);
      await expect(evaluateExpression(source, scope)).rejects.toThrow(/nested too deeply/);
    }
  });

  it('reports syntax errors with the position', async () => {
    await expect(evaluateExpression('nodes.(', scope)).rejects.toThrow(/position/);
  });

  it('never reaches Node globals', async () => {
    expect(await evaluateExpression('process', scope)).toBeUndefined();
    await expect(evaluateExpression('$eval("1+1")', scope)).resolves.toBe(2);
    expect(await evaluateExpression('$eval("process")', scope)).toBeUndefined();
  });
});
