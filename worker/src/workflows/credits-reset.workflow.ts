/**
 * The monthly credits reset, started by the Temporal schedule `switchyard-credits-monthly-reset` on the
 * 1st of each month (UTC). The period is the month of the workflow's start (deterministic in workflow
 * code), or the one given; the activity grants each workspace its allowance once per period.
 */
import { defineSignal, getExternalWorkflowHandle, patched, proxyActivities } from '@temporalio/workflow';
import { creditPeriod, CREDITS_RESET_RESUME_PATCH, GRANT_ALLOWANCES_ACTIVITY } from '#core/credits';
import { RunSignals } from '#core/run';
import type { GrantAllowancesActivity } from '../credits/reset';

const activities = proxyActivities<{ [GRANT_ALLOWANCES_ACTIVITY]: GrantAllowancesActivity }>({
  startToCloseTimeout: '5m',
  retry: { maximumInterval: '1m' },
});

const creditsAdded = defineSignal(RunSignals.creditsAdded);

export async function creditsMonthlyReset(input: { period?: string } = {}): Promise<{ period: string; granted: number }> {
  const period = input.period ?? creditPeriod(new Date());
  const { granted, waiting = [] } = await activities[GRANT_ALLOWANCES_ACTIVITY]({ period });
  // Runs waiting for credits go on with the new allowance, as when credits are added by hand. Resets recorded
  // before this replay without the signals.
  if (patched(CREDITS_RESET_RESUME_PATCH)) {
    await Promise.all(
      waiting.map(
        (workflowId) =>
          getExternalWorkflowHandle(workflowId)
            .signal(creditsAdded)
            .catch(() => undefined), // the run ended meanwhile
      ),
    );
  }
  return { period, granted };
}
