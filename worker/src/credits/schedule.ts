import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { CREDITS_RESET_SCHEDULE_ID, CREDITS_RESET_WORKFLOW } from '#core/credits';
import { DecryptionError } from '#store/crypto';

/**
 * Creates the monthly credits reset schedule, or brings an existing one up to date (every worker calls
 * this at start; creating twice is harmless). 00:05 UTC on the 1st; a missed fire (Temporal down) is
 * caught up for a week, and fires never overlap. The reset itself is idempotent by period.
 *
 * The schedule holds nothing but what this function writes, so one whose payloads were sealed with a
 * master key this process no longer has (a key replaced without SWITCHYARD_PREVIOUS_MASTER_KEYS) is
 * replaced rather than left to fire with an action nobody can read.
 */
export async function ensureCreditsSchedule(client: Client, taskQueue: string): Promise<'created' | 'updated' | 'replaced'> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: CREDITS_RESET_WORKFLOW,
    taskQueue,
    args: [{}],
    workflowId: `${CREDITS_RESET_SCHEDULE_ID}-run`,
  };
  const spec = { cronExpressions: ['5 0 1 * *'] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7d' };
  const create = () => client.schedule.create({ scheduleId: CREDITS_RESET_SCHEDULE_ID, spec, action, policies });
  try {
    await create();
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(CREDITS_RESET_SCHEDULE_ID);
  try {
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  } catch (err) {
    if (!(err instanceof DecryptionError)) throw err;
    await handle.delete();
    await create();
    return 'replaced';
  }
}
