/**
 * Reconciliation at worker start (docs/schedules.md): every published schedule flow has its live Temporal Schedule,
 * made from its published trigger, and no flow schedule of this installation (its task queue) outlives its flow.
 * Repairs what a lost database row, a new Temporal namespace or a failed call left behind, and logs each repair.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ScheduleIds } from '#core/names';
import { scheduleDefinition } from '#core/schedule';
import type { Db } from '#store/database';
import { publishedScheduleFlows } from '#store/flows.repository';

export interface ReconcileReport {
  created: string[];
  updated: string[];
  deleted: string[];
}

export async function reconcileFlowSchedules(o: { client: Client; db: Db; taskQueue: string; logger: Logger }): Promise<ReconcileReport> {
  const report: ReconcileReport = { created: [], updated: [], deleted: [] };
  const wanted = new Map<string, ReturnType<typeof scheduleDefinition>>();
  for (const flow of await publishedScheduleFlows(o.db)) {
    if (flow.snapshot.trigger.type !== 'schedule') continue;
    for (const mode of ['live', 'test'] as const)
      wanted.set(ScheduleIds.flow({ ...flow, mode }), scheduleDefinition(flow.snapshot.trigger, { ...flow, mode, taskQueue: o.taskQueue }));
  }
  const existing = new Set<string>();
  for await (const schedule of o.client.schedule.list()) {
    const ids = ScheduleIds.parse(schedule.scheduleId);
    // Another installation's schedule (another task queue on the same namespace) is not ours to judge.
    if (!ids || schedule.memo?.taskQueue !== o.taskQueue) continue;
    existing.add(schedule.scheduleId);
    const definition = wanted.get(schedule.scheduleId);
    if (!definition) {
      await deleteSchedule(o.client, schedule.scheduleId);
      report.deleted.push(schedule.scheduleId);
      o.logger.warn({ scheduleId: schedule.scheduleId }, 'removed a stray flow schedule: its flow is gone, unpublished or no longer scheduled');
    } else if (await outdated(o.client, schedule.scheduleId, definition.action.memo.trigger)) {
      const { scheduleId: _id, ...update } = definition;
      await o.client.schedule.getHandle(schedule.scheduleId).update((previous) => ({ ...update, state: previous.state }));
      report.updated.push(schedule.scheduleId);
      o.logger.warn({ scheduleId: schedule.scheduleId }, 'updated a flow schedule to its published trigger');
    }
  }
  // A test schedule exists only when asked for; a live one for every published schedule flow.
  for (const [scheduleId, definition] of wanted) {
    if (existing.has(scheduleId) || ScheduleIds.parse(scheduleId)?.mode !== 'live') continue;
    try {
      await o.client.schedule.create({ ...definition, memo: { taskQueue: o.taskQueue } });
      report.created.push(scheduleId);
      o.logger.warn({ scheduleId }, 'recreated a missing flow schedule');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return report;
}

/** Whether the schedule was made from another trigger than the published one (its action memo, see scheduleDefinition). */
async function outdated(client: Client, scheduleId: string, fingerprint: string): Promise<boolean> {
  const description = await client.schedule.getHandle(scheduleId).describe();
  return description.action.memo?.trigger !== fingerprint;
}

async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}
