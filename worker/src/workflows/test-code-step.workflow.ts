import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { CODE_RUN_ACTIVITY, codeLimits, type CodeRunOutput, type TestCodeStepInput, type TestCodeStepResult } from '#core/code';
import type { ActionActivityInput, ActionActivityResult } from '#core/run';

/**
 * "Test this step": the code step's own activity (`code.run@1`), once, in test mode: test secret values, usage
 * recorded at price 0, the same sandbox, limits, guarded fetch and scrubbing as in a run. Never retried.
 */
export async function testCodeStep(input: TestCodeStepInput): Promise<TestCodeStepResult> {
  const limits = codeLimits(input.step.limits);
  const activities = proxyActivities<Record<string, (i: ActionActivityInput) => Promise<ActionActivityResult>>>({
    startToCloseTimeout: `${Math.ceil(limits.cpuMs / 1000) + 120}s`,
    retry: { maximumAttempts: 1 },
  });
  const started = Date.now();
  try {
    const result = await activities[CODE_RUN_ACTIVITY]!({ input: input.step, mode: 'test', workspaceId: input.workspaceId, nodeKey: input.nodeKey });
    const out = result.output as CodeRunOutput;
    return { ok: true, output: out.value, logs: out.logs, credits: out.fetches, ms: Date.now() - started };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { code?: string; logs?: string[] } | undefined) : undefined;
    return { ok: false, error: { message, ...(details?.code ? { type: details.code } : {}) }, logs: details?.logs ?? [], credits: 0, ms: Date.now() - started };
  }
}
