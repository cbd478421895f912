/**
 * What a flow's Temporal Schedule starts at each fire (docs/schedules.md). It admits the run through the start
 * path's checks (an activity: plan, Backend functions, input size; a refusal is recorded as a failed run and the
 * schedule goes on), then runs the flow as a child workflow and waits for it, so the schedule's overlap policy sees
 * a fire as going for as long as its run is. The run is an ordinary `runFlow` with its own workflow id, read and
 * operated like any other run; it is abandoned, not cancelled, if this workflow is closed.
 */
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { RUN_FLOW_WORKFLOW, ScheduleActivities } from '#core/names';
import type { ScheduledFlowInput } from '#core/schedule';
import type { AdmitScheduledRunActivity, MarkScheduledRunStartedActivity, ScheduledFireResult } from '../schedules/admission';

const activities = proxyActivities<{ [ScheduleActivities.admit]: AdmitScheduledRunActivity; [ScheduleActivities.started]: MarkScheduledRunStartedActivity }>({
  startToCloseTimeout: '1m',
  retry: { maximumInterval: '30s' },
});

/** Set by Temporal on every workflow a schedule starts: the fire's nominal time (before jitter). */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function scheduledFlowRun(input: ScheduledFlowInput): Promise<ScheduledFireResult> {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  const admitted = await activities[ScheduleActivities.admit]({
    ...input,
    scheduledTime: scheduledAt.toISOString(),
    actualTime: info.runStartTime.toISOString(),
    scheduleWorkflowId: info.workflowId,
  });
  if (admitted.outcome !== 'start') return admitted;
  const { runId, workflowId } = admitted;
  let child;
  try {
    child = await startChild(RUN_FLOW_WORKFLOW, {
      workflowId,
      args: [admitted.input],
      memo: admitted.memo,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // The run outlives this workflow if it is closed: a run is never stopped by its schedule.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    await activities[ScheduleActivities.started]({ runId, temporalRunId: '' });
    return { outcome: 'duplicate', runId, workflowId };
  }
  await activities[ScheduleActivities.started]({ runId, temporalRunId: child.firstExecutionRunId });
  try {
    await child.result();
  } catch {
    // A failed or cancelled run records its own end; the schedule goes on.
  }
  return { outcome: 'ran', runId, workflowId };
}
