import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { CREDITS_RESET_SCHEDULE_ID, CREDITS_RESET_WORKFLOW } from '#core/credits';

/**
 * Creates the monthly credits reset schedule, or brings an existing one up to date (every worker calls
 * this at start; creating twice is harmless). 00:05 UTC on the 1st; a missed fire (Temporal down) is
 * caught up for a week, and fires never overlap. The reset itself is idempotent by period.
 */
export async function ensureCreditsSchedule(client: Client, taskQueue: string): Promise<'created' | 'updated'> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: CREDITS_RESET_WORKFLOW,
    taskQueue,
    args: [{}],
    workflowId: `${CREDITS_RESET_SCHEDULE_ID}-run`,
  };
  const spec = { cronExpressions: ['5 0 1 * *'] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7d' };
  try {
    await client.schedule.create({ scheduleId: CREDITS_RESET_SCHEDULE_ID, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(CREDITS_RESET_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }
}
