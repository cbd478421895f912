import { z } from 'zod';
import { CodeLanguages } from '#core/code';
import { CodeNode, JsonValue } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { checkCode, testCodeStep } from '../services/code.service';

const TestStepBody = z.object({
  /** The node's id (for the idempotency key and the attempt log). */
  nodeId: z.string().min(1).max(64),
  source: CodeNode.shape.source,
  language: z.enum(CodeLanguages).default('typescript'),
  /** The sample input: what `inputs` would resolve to (the trigger's sample, or a previous run's data). */
  input: JsonValue.default({}),
  secrets: CodeNode.shape.secrets,
  limits: CodeNode.shape.limits,
});

const CheckBody = z.object({ source: CodeNode.shape.source, language: z.enum(CodeLanguages).default('typescript') });
const CheckResult = z.object({
  diagnostics: z.array(
    z.object({
      message: z.string(),
      line: z.number().int().optional(),
      column: z.number().int().optional(),
      severity: z.enum(['error', 'warning']).optional(),
    }),
  ),
});

const TestStepResult = z.looseObject({ ok: z.boolean(), logs: z.array(z.string()), credits: z.number(), ms: z.number() });

/** Code steps: "Test this step". */
export function codeRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/code/check',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Code steps',
      summary: "Compile a code step's source as publish does: syntax errors (line, column), no default export, imports outside the allowed set",
      body: CheckBody,
      responses: { 200: { description: '{ diagnostics } (empty when it compiles)', schema: CheckResult } },
      async handler({ body }) {
        return { body: { diagnostics: await checkCode(body.source, body.language) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/code/test',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Code steps',
      summary: 'Test this step: run a code step once in test mode (test secrets, no live credits) with sample input; answers output, logs, error and credits',
      body: TestStepBody,
      responses: {
        200: { description: '{ ok, output | error, logs, credits, ms }', schema: TestStepResult },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ body, auth }) {
        const { nodeId, source, language, input, secrets, limits } = body;
        const result = await testCodeStep(deps, auth.workspaceId, {
          nodeId,
          step: { source, language, input, secrets, ...(limits ? { limits } : {}) },
        });
        return { body: result };
      },
    }),
  ];
}
