import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { evaluateExpression, ExpressionError } from '#core/expressions';

export const TransformInput = z.object({
  /** The data to reshape, usually mapped from earlier nodes. */
  data: z.json().optional(),
  /** A JSONata expression over `data`, e.g. `{ "name": data.first & " " & data.last }`. */
  expression: z.string().min(1).max(10_000),
});
export type TransformInput = z.infer<typeof TransformInput>;

export const TransformOutput = z.object({ result: z.json().nullable() });
export type TransformOutput = z.infer<typeof TransformOutput>;

export const transform = defineAction({
  key: 'transform',
  title: 'Transform data',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['transform', 'reshape', 'compute', 'calculate', 'format', 'map', 'convert', 'extract'],
  description: 'Reshapes data with a JSONata expression (data-only: no code runs).',
  input: TransformInput,
  example: { data: { firstName: 'Ada', plan: 'pro' }, expression: '"Welcome, " & data.firstName' },
  output: TransformOutput,
  credits: 0,
  timeout: '10s',
  // Pure computation in the worker: a local activity, no task queue round trip (issue 18).
  local: true,
  async run(input) {
    try {
      const result = await evaluateExpression(input.expression, { data: input.data });
      return { result: (result ?? null) as TransformOutput['result'] };
    } catch (err) {
      if (err instanceof ExpressionError) throw new NonRetryableError(err.message, { code: 'INVALID_EXPRESSION' });
      throw err;
    }
  },
});
