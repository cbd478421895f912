/**
 * The bare baseline's activities: the JSONata transform data.transform@1 runs (the same `evaluateExpression`), and a
 * plain POST of JSON. No input or output validation, no attempt log, no secrets, no SSRF guard.
 */
import { evaluateExpression } from '#core/expressions';

export interface BareFlowInput {
  data: unknown;
  /** One transform step per expression (ignored with `url`). */
  expressions: string[];
  /** One POST step to this URL instead. */
  url?: string;
}

export const bareActivities = {
  async transform({ expression, data }: { expression: string; data: unknown }): Promise<{ result: unknown }> {
    return { result: (await evaluateExpression(expression, { data })) ?? null };
  },
  async post({ url, body }: { url: string; body: unknown }): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as unknown };
  },
};

export type BareActivities = typeof bareActivities;
