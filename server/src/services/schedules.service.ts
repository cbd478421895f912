import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import type { RunMode } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import type { FlowTrigger, ScheduleOverlap, ScheduleTrigger } from '#core/flow';
import { ScheduleIds, WorkflowIds } from '#core/names';
import { MAX_BACKFILL_RUNS, NEXT_FIRE_TIMES, scheduleDefinition, TemporalOverlapPolicies } from '#core/schedule';
import type { Db } from '#store/database';
import { getFlow, getVersion } from '#store/flows.repository';
import { runsOfWorkflows } from '#store/runs.repository';
import type { ServerDeps } from '../deps';
import { isUnavailable, type TemporalAccess } from '../temporal';
import type { Caller } from './runs.service';

type ScheduleDeps = Pick<ServerDeps, 'db' | 'temporal' | 'logger'>;

/**
 * After a publish: a schedule trigger creates the flow's live Temporal Schedule or brings it (and a test one, if
 * asked for earlier) up to the new trigger; the paused state and its note are kept. Called before the version is
 * stored, so a schedule Temporal refuses publishes nothing.
 */
export async function upsertFlowSchedules(deps: ScheduleDeps, workspaceId: string, flowId: string, trigger: ScheduleTrigger): Promise<void> {
  await upsert(deps.temporal, scheduleDefinition(trigger, { workspaceId, flowId, mode: 'live', taskQueue: deps.temporal.taskQueue }));
  const test = scheduleDefinition(trigger, { workspaceId, flowId, mode: 'test', taskQueue: deps.temporal.taskQueue });
  if (await exists(deps.temporal, test.scheduleId)) await upsert(deps.temporal, test);
}

/**
 * When a flow is deleted, unpublished or published with another trigger: its schedules go. Best effort after the
 * database changed: a schedule left behind (Temporal unreachable) starts nothing (the worker's admission finds no
 * schedule flow) and the worker's reconciliation deletes it at its next start.
 */
export async function removeFlowSchedules(deps: ScheduleDeps, workspaceId: string, flowId: string): Promise<void> {
  for (const mode of ['live', 'test'] as const) {
    const scheduleId = ScheduleIds.flow({ workspaceId, flowId, mode });
    try {
      await deps.temporal.call((client) => client.schedule.getHandle(scheduleId).delete());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) continue;
      deps.logger.warn({ err, scheduleId }, 'could not delete a flow schedule; the worker removes it at its next start');
    }
  }
}

async function upsert(temporal: TemporalAccess, definition: ReturnType<typeof scheduleDefinition>): Promise<void> {
  try {
    await temporal.call((client) => client.schedule.create({ ...definition, memo: { taskQueue: temporal.taskQueue } }));
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw scheduleRefused(err);
    const { scheduleId, ...update } = definition;
    await temporal.call((client) => client.schedule.getHandle(scheduleId).update((previous) => ({ ...update, state: previous.state })));
  }
}

/** Temporal refusing a schedule our checks let through: a 422 naming the trigger, with Temporal's reason. */
function scheduleRefused(err: unknown): unknown {
  if (err instanceof AppError || isUnavailable(err)) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new AppError('FLOW_INVALID', `Temporal refused the flow's schedule: ${reason}`, {
    problems: [{ code: 'INVALID_SCHEDULE', field: 'trigger', message: `Temporal refused the schedule: ${reason}` }],
  });
}

async function exists(temporal: TemporalAccess, scheduleId: string): Promise<boolean> {
  try {
    await temporal.call((client) => client.schedule.getHandle(scheduleId).describe());
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** The published schedule trigger of the caller's flow: 404 for another workspace's, 409 when it is not published with one. */
async function publishedScheduleTrigger(db: Db, caller: Caller, flowId: string, mode: RunMode): Promise<ScheduleTrigger> {
  if (caller.mode === 'test' && mode !== 'test')
    throw new AppError('FORBIDDEN', `A test key (sy_test_…) can read and operate test schedules only (mode "test"). Use the workspace's live key.`, {
      testKey: true,
    });
  const flow = await getFlow(db, caller.workspaceId, flowId);
  if (!flow) throw new AppError('NOT_FOUND', `There is no flow "${flowId}" in this workspace`);
  const version =
    flow.published_version !== null && flow.trigger_type === 'schedule' ? await getVersion(db, caller.workspaceId, flowId, flow.published_version) : undefined;
  if (!version || version.snapshot.trigger.type !== 'schedule')
    throw new AppError('CONFLICT', `Flow "${flowId}" is not published with a schedule trigger: publish it with one first`);
  return version.snapshot.trigger;
}

/** The caller's flow schedule in a mode, described; 404 when it does not exist (a test schedule exists only once asked for). */
async function requireSchedule(deps: ScheduleDeps, caller: Caller, flowId: string, mode: RunMode) {
  const trigger = await publishedScheduleTrigger(deps.db, caller, flowId, mode);
  const handle = deps.temporal.client.schedule.getHandle(ScheduleIds.flow({ workspaceId: caller.workspaceId, flowId, mode }));
  try {
    return { handle, trigger, description: await deps.temporal.call(() => handle.describe()) };
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    throw new AppError(
      'NOT_FOUND',
      mode === 'test'
        ? `Flow "${flowId}" has no test schedule: create one with PUT /api/flows/${flowId}/schedules/test`
        : `Flow "${flowId}" has no live schedule in Temporal yet; it is recreated when the worker starts, or publish the flow again`,
    );
  }
}

/** The schedule as Temporal describes it: paused or active, the next fire times, recent and running fires (with their runs). */
export async function describeFlowSchedule(deps: ScheduleDeps, caller: Caller, flowId: string, mode: RunMode) {
  const { trigger, description: d } = await requireSchedule(deps, caller, flowId, mode);
  const fires = d.info.recentActions.map((a) => ({
    scheduledAt: nominalTime(a.action.workflow.workflowId),
    takenAt: a.takenAt.toISOString(),
    fireWorkflowId: a.action.workflow.workflowId,
  }));
  const runIds = await runsOfFires(
    deps.db,
    caller.workspaceId,
    flowId,
    mode,
    fires.map((f) => f.scheduledAt),
  );
  return {
    scheduleId: d.scheduleId,
    flowId,
    mode,
    state: d.state.paused ? ('paused' as const) : ('active' as const),
    note: d.state.note ?? null,
    trigger,
    timezone: d.spec.timezone ?? 'UTC',
    overlap: overlapOf(d.policies.overlap ?? 'SKIP'),
    catchupWindowMs: d.policies.catchupWindow,
    nextFireTimes: d.info.nextActionTimes.slice(0, NEXT_FIRE_TIMES).map((t) => t.toISOString()),
    recentActions: fires.map((f) => ({ ...f, runId: f.scheduledAt ? (runIds.get(f.scheduledAt) ?? null) : null })).reverse(),
    runningFires: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    createdAt: d.info.createdAt.toISOString(),
  };
}

/** The nominal time Temporal appends to a fire's workflow id (`…-2026-12-05T09:00:00Z`), as an ISO string with milliseconds. */
function nominalTime(fireWorkflowId: string): string | null {
  const m = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(fireWorkflowId);
  return m ? new Date(m[1]!).toISOString() : null;
}

async function runsOfFires(db: Db, workspaceId: string, flowId: string, mode: RunMode, times: (string | null)[]) {
  const byWorkflow = new Map(times.flatMap((t) => (t ? [[WorkflowIds.schedule({ workspaceId, flowId, mode, scheduledAt: t }), t] as const] : [])));
  const rows = await runsOfWorkflows(db, workspaceId, [...byWorkflow.keys()]);
  return new Map(rows.map((r) => [byWorkflow.get(r.workflow_id)!, r.id]));
}

function overlapOf(policy: string): ScheduleOverlap | string {
  const ours = Object.entries(TemporalOverlapPolicies).find(([, temporal]) => temporal === policy);
  return ours ? ours[0] : policy;
}

/** Pauses (no fire starts a run until resumed) or resumes the schedule, with a note saying why. */
export async function setSchedulePaused(deps: ScheduleDeps, caller: Caller, flowId: string, mode: RunMode, o: { paused: boolean; note?: string | undefined }) {
  const { handle } = await requireSchedule(deps, caller, flowId, mode);
  const note = o.note ?? (o.paused ? 'Paused from Switchyard' : 'Resumed from Switchyard');
  await deps.temporal.call(() => (o.paused ? handle.pause(note) : handle.unpause(note)));
  return describeFlowSchedule(deps, caller, flowId, mode);
}

/** Run now: one fire at once, whatever the overlap policy says (someone asked for it). */
export async function runScheduleNow(deps: ScheduleDeps, caller: Caller, flowId: string, mode: RunMode): Promise<void> {
  const { handle } = await requireSchedule(deps, caller, flowId, mode);
  await deps.temporal.call(() => handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL));
}

/**
 * Backfill: the fires the schedule would have had in [from, to], at most MAX_BACKFILL_RUNS per request (counted
 * with Temporal's own ListScheduleMatchingTimes); `allow` by default, so each fire starts its run.
 */
export async function backfillSchedule(
  deps: ScheduleDeps,
  caller: Caller,
  flowId: string,
  mode: RunMode,
  o: { from: string; to: string; overlap?: ScheduleOverlap | undefined },
) {
  const { handle } = await requireSchedule(deps, caller, flowId, mode);
  // Temporal matches (start, end]; one millisecond earlier on both ends makes it [from, to), as ranges read elsewhere.
  const [start, end] = [new Date(Date.parse(o.from) - 1), new Date(Date.parse(o.to) - 1)];
  if (end.getTime() <= start.getTime())
    throw new AppError('VALIDATION_FAILED', `The backfill's end (to: ${o.to}) must be after its start (from: ${o.from})`, { field: 'to' });
  const times = await matchingTimes(deps.temporal, handle.scheduleId, start, end);
  // Temporal lists at most 1,000 times per call: any time past the 1,000th means too many.
  if (times.length >= MAX_BACKFILL_RUNS && (await matchingTimes(deps.temporal, handle.scheduleId, new Date(times.at(-1)!), end)).length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `The range from ${o.from} to ${o.to} holds more than ${MAX_BACKFILL_RUNS} fires, the most one backfill may start: split it into smaller ranges`,
      { field: 'to' },
    );
  if (times.length > 0) await deps.temporal.call(() => handle.backfill({ start, end, overlap: TemporalOverlapPolicies[o.overlap ?? 'allow'] }));
  return { flowId, mode, fires: times.length, scheduledTimes: times };
}

/** The schedule's fire times in (start, end], from Temporal (ListScheduleMatchingTimes, at most 1,000 a call). */
async function matchingTimes(temporal: TemporalAccess, scheduleId: string, start: Date, end: Date): Promise<string[]> {
  const matching = await temporal.call((client) =>
    client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId,
      startTime: msToTs(start.getTime()),
      endTime: msToTs(end.getTime()),
    }),
  );
  return (matching.startTime ?? []).map((t) => new Date(tsToMs(t)).toISOString());
}

/** A test schedule beside the live one: test runs (test secrets, no live credits) on the published trigger. */
export async function createTestSchedule(deps: ScheduleDeps, caller: Caller, flowId: string) {
  const trigger = await publishedScheduleTrigger(deps.db, caller, flowId, 'test');
  await upsert(deps.temporal, scheduleDefinition(trigger, { workspaceId: caller.workspaceId, flowId, mode: 'test', taskQueue: deps.temporal.taskQueue }));
  return describeFlowSchedule(deps, caller, flowId, 'test');
}

export async function deleteTestSchedule(deps: ScheduleDeps, caller: Caller, flowId: string): Promise<void> {
  const { handle } = await requireSchedule(deps, caller, flowId, 'test');
  await deps.temporal.call(() => handle.delete());
}

/** Whether a trigger makes a flow a schedule flow (a publish then manages its schedules). */
export function isScheduleTrigger(trigger: FlowTrigger): trigger is ScheduleTrigger {
  return trigger.type === 'schedule';
}
