/**
 * The monthly credits reset, started by the Temporal schedule `switchyard-credits-monthly-reset` on the
 * 1st of each month (UTC). The period is the month of the workflow's start (deterministic in workflow
 * code), or the one given; the activity grants each workspace its allowance once per period.
 */
import { proxyActivities } from '@temporalio/workflow';
import { creditPeriod, GRANT_ALLOWANCES_ACTIVITY } from '../../../core/src/credits';
import type { GrantAllowancesActivity } from '../credits/reset';

const activities = proxyActivities<{ [GRANT_ALLOWANCES_ACTIVITY]: GrantAllowancesActivity }>({
  startToCloseTimeout: '5m',
  retry: { maximumInterval: '1m' },
});

export async function creditsMonthlyReset(input: { period?: string } = {}): Promise<{ period: string; granted: number }> {
  const period = input.period ?? creditPeriod(new Date());
  const { granted } = await activities[GRANT_ALLOWANCES_ACTIVITY]({ period });
  return { period, granted };
}
