import { describe, expect, it } from 'vitest';
import { ScheduleTrigger } from './flow';
import { durationMs } from './graph';
import { ScheduleIds, SCHEDULED_FLOW_WORKFLOW, WorkflowIds } from './names';
import { DEFAULT_SCHEDULE_MIN_INTERVAL, isTimeZone, nextFireTimes, scheduleDefinition, scheduleProblems, temporalCron } from './schedule';

const minute = { minIntervalMs: durationMs(DEFAULT_SCHEDULE_MIN_INTERVAL) };
const trigger = (t: Record<string, unknown>) => ScheduleTrigger.parse({ type: 'schedule', ...t });
const fields = (t: Record<string, unknown>, o = minute) => scheduleProblems(trigger(t), o).map((p) => p.field);

describe('schedule checks at publish', () => {
  it('accepts the usual shapes at the default minimum of 1 minute', () => {
    for (const t of [
      { cron: '0 9 * * 1-5' },
      { cron: '*/5 * * * *', timezone: 'Europe/Berlin' },
      { cron: '0 0 9 * * 1' }, // 6 fields, seconds first
      { cron: '@daily' },
      { interval: { every: '15m', offset: '2m' } },
      { calendars: [{ hour: 9, dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' } }] },
      { cron: '0 9 * * 1', startAt: '2027-01-01T00:00:00Z', endAt: '2027-12-31T00:00:00Z', jitter: '30s', overlap: 'bufferOne', catchupWindow: '10m' },
    ])
      expect(fields(t), JSON.stringify(t)).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(fields({ cron: 'every monday' })).toEqual(['trigger.cron']);
    expect(fields({ cron: '0 25 * * *' })).toEqual(['trigger.cron']);
    expect(fields({ cron: '@every 5m' })).toEqual(['trigger.cron']);
    expect(fields({ cron: '0 9 * * 1', timezone: 'Europe/Atlantis' })).toEqual(['trigger.timezone']);
    expect(fields({ cron: '0 9 * * 1', startAt: '2027-01-02T00:00:00Z', endAt: '2027-01-01T00:00:00Z' })).toEqual(['trigger.endAt']);
    expect(fields({ interval: { every: '10m', offset: '10m' } })).toEqual(['trigger.interval.offset']);
    expect(fields({})).toEqual(['trigger.cron']);
    expect(fields({ cron: '0 9 * * 1', interval: { every: '1h' } })).toEqual(['trigger.cron']);
  });

  it('refuses anything firing more often than the minimum, which is configurable', () => {
    expect(fields({ interval: { every: '30s' } })).toEqual(['trigger.interval.every']);
    expect(fields({ cron: '*/10 * * * * *' })).toEqual(['trigger.cron']);
    expect(fields({ calendars: [{ second: '*', minute: '*', hour: '*' }] })).toEqual(['trigger.calendars.0.second']);
    expect(fields({ cron: '0,30 * * * *' }, { minIntervalMs: 3_600_000 })).toEqual(['trigger.cron']);
    expect(fields({ interval: { every: '1s' } }, { minIntervalMs: 1000 })).toEqual([]);
    expect(fields({ cron: '* * * * * *' }, { minIntervalMs: 1000 })).toEqual([]);
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('the Temporal Schedule of a flow', () => {
  const target = { workspaceId: 'ws_1', flowId: 'flw_2', mode: 'live' as const, taskQueue: 'q' };

  it('derives its id from the workspace, the flow and the mode, and parses it back', () => {
    const id = ScheduleIds.flow(target);
    expect(id).toBe('flow-schedule:ws_1:flw_2:live');
    expect(ScheduleIds.parse(id)).toEqual({ workspaceId: 'ws_1', flowId: 'flw_2', mode: 'live' });
    expect(ScheduleIds.parse('switchyard-credits-monthly-reset')).toBeUndefined();
    expect(ScheduleIds.parse('flow-schedule:ws:flw:staging')).toBeUndefined();
    expect(WorkflowIds.schedule({ ...target, scheduledAt: '2027-01-01T09:00:00.000Z' })).toBe('schedule:ws_1:flw_2:live:2027-01-01T09:00:00.000Z');
  });

  it('maps our trigger to Temporal: 6-field crons get the year, UTC and skip and 1 minute by default', () => {
    expect(temporalCron('0 0 9 * * 1')).toBe('0 0 9 * * 1 *');
    expect(temporalCron('0 9 * * 1')).toBe('0 9 * * 1');
    const d = scheduleDefinition(trigger({ cron: '*/2 * * * * *' }), target);
    expect(d).toMatchObject({
      scheduleId: 'flow-schedule:ws_1:flw_2:live',
      spec: { cronExpressions: ['*/2 * * * * * *'], timezone: 'UTC' },
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_FLOW_WORKFLOW,
        taskQueue: 'q',
        workflowId: 'scheduled:ws_1:flw_2:live',
        args: [{ workspaceId: 'ws_1', flowId: 'flw_2', mode: 'live' }],
      },
      policies: { overlap: 'SKIP', catchupWindow: '1m', pauseOnFailure: false },
    });
    const full = scheduleDefinition(
      trigger({
        interval: { every: '15m', offset: '2m' },
        timezone: 'Asia/Tokyo',
        startAt: '2027-01-01T00:00:00Z',
        endAt: '2027-02-01T00:00:00Z',
        jitter: '10s',
        overlap: 'allow',
        catchupWindow: '1h',
      }),
      target,
    );
    expect(full.spec).toEqual({
      intervals: [{ every: '15m', offset: '2m' }],
      timezone: 'Asia/Tokyo',
      startAt: new Date('2027-01-01T00:00:00Z'),
      endAt: new Date('2027-02-01T00:00:00Z'),
      jitter: '10s',
    });
    expect(full.policies).toMatchObject({ overlap: 'ALLOW_ALL', catchupWindow: '1h' });
  });
});

describe('next fire times (the editor preview)', () => {
  it('counts intervals from the epoch, shifted by the offset, as Temporal does', () => {
    const times = nextFireTimes(trigger({ interval: { every: '15m', offset: '2m' } }), { from: new Date('2027-01-01T10:05:00Z'), count: 3 });
    expect(times!.map((t) => t.toISOString())).toEqual(['2027-01-01T10:17:00.000Z', '2027-01-01T10:32:00.000Z', '2027-01-01T10:47:00.000Z']);
  });

  it('reads crons in their zone, and leaves calendar specs to Temporal', () => {
    const times = nextFireTimes(trigger({ cron: '30 8 * * *', timezone: 'America/New_York' }), { from: new Date('2027-07-01T00:00:00Z'), count: 1 });
    expect(times!.map((t) => t.toISOString())).toEqual(['2027-07-01T12:30:00.000Z']);
    expect(nextFireTimes(trigger({ calendars: [{ hour: 9 }] }), { from: new Date() })).toBeUndefined();
    expect(nextFireTimes(trigger({ cron: 'nope' }), { from: new Date() })).toBeUndefined();
  });
});
