import { z } from 'zod';
import { CODE_ALLOWED_IMPORTS, CODE_MAX_SOURCE_CHARS, CodeLanguages, codeLimits } from '#core/code';
import { CodeCompileError, compileCode } from '#core/code-compile';
import { defineAction, defineIntegration, type IntegrationDefinition } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { SECRET_NAME_PATTERN } from '#core/names';
import { sandboxFetch } from './fetch-bridge';
import { CodeLimitError, CodeThrewError } from './sandbox';
import type { SandboxPool } from './sandbox-pool';

export const CodeRunInputSchema = z.object({
  source: z.string().min(1).max(CODE_MAX_SOURCE_CHARS),
  language: z.enum(CodeLanguages),
  input: z.unknown(),
  secrets: z.array(z.string().regex(SECRET_NAME_PATTERN)).max(50),
  limits: z.record(z.string(), z.number()).optional(),
});

export const CodeRunOutputSchema = z.object({ value: z.unknown(), logs: z.array(z.string()), fetches: z.number() });

/**
 * Code steps as an integration of the worker (not of the catalog: it needs the sandbox), so the `code.run@1` activity
 * is adapted like every action (input checks, secrets read at execution and scrubbed from output, errors and logs,
 * attempt records, typed failures) and metered like one (each ctx.fetch is a request through the guarded client,
 * 1 credit, charged before it leaves, with the send journal and refunds).
 */
export function codeIntegration(pool: SandboxPool): IntegrationDefinition {
  const run = defineAction({
    key: 'run',
    title: 'Run code',
    description: `Runs a backend function (TypeScript or JavaScript) in a sandbox; it may import ${CODE_ALLOWED_IMPORTS.join(', ')}.`,
    input: CodeRunInputSchema,
    output: CodeRunOutputSchema,
    sideEffects: true,
    async run(input, ctx) {
      let compiled;
      try {
        compiled = await compileCode(input.source, input.language);
      } catch (err) {
        if (err instanceof CodeCompileError) throw new NonRetryableError(`The code does not compile: ${err.message}`, { code: 'CODE_INVALID' });
        throw err;
      }
      const secrets: Record<string, string> = {};
      // Read now, in the run's mode (test values in test runs); each value read is scrubbed from all that leaves.
      for (const name of input.secrets) secrets[name] = await ctx.secrets.get(name);
      const { workflowId, runId, nodeId, attempt } = ctx.run;
      try {
        return await pool.run({
          compiled,
          input: input.input,
          limits: codeLimits(input.limits),
          secrets,
          idempotencyKey: ctx.idempotencyKey,
          mode: ctx.mode,
          run: { workflowId, runId, nodeId, attempt },
          fetch: sandboxFetch(ctx.http),
          signal: ctx.signal,
        });
      } catch (err) {
        // A limit or a compile error fails at once; an error the code throws is retried by the step's retry policy.
        if (err instanceof CodeLimitError) throw new NonRetryableError(err.message, { code: 'CODE_LIMIT_EXCEEDED', logs: err.logs });
        if (err instanceof CodeThrewError)
          throw new RetryableError(err.userStack ? `${err.message}\n${err.userStack}` : err.message, { code: 'CODE_ERROR', logs: err.logs });
        throw err;
      }
    },
  });
  return defineIntegration({
    key: 'code',
    version: 1,
    title: 'Code',
    description: 'Backend functions written in the flow: code steps.',
    category: 'Core',
    auth: { type: 'none' },
    actions: [run],
  });
}
