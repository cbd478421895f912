import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ActionActivityInput, ActionActivityResult } from '#core/run';
import type { TestStepInput, TestStepResult } from '#core/test-step';

/**
 * "Test this step": an action node's activity, once, in test mode: test secret values or the integration's sandbox,
 * usage recorded at price 0, the same guarded HTTP client and scrubbing as in a run. Never retried: a person is
 * waiting for the answer, and a retry would send a second request.
 */
export async function testActionStep(input: TestStepInput): Promise<TestStepResult> {
  const activities = proxyActivities<Record<string, (i: ActionActivityInput) => Promise<ActionActivityResult>>>({
    startToCloseTimeout: input.timeout,
    retry: { maximumAttempts: 1 },
  });
  const started = Date.now();
  try {
    const result = await activities[input.activity]!({ input: input.input, mode: 'test', workspaceId: input.workspaceId, nodeKey: input.nodeKey });
    return { ok: true, output: result.output, simulated: result.simulated === true, ms: Date.now() - started };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    const type = cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
    return { ok: false, error: { message, ...(type ? { type } : {}) }, ms: Date.now() - started };
  }
}
