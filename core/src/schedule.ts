/**
 * Schedule triggers (docs/schedules.md): the checks publish makes, the Temporal Schedule a published flow gets, and
 * the next fire times the editor previews. Plain data: the server and the worker hand `scheduleDefinition()` to
 * Temporal's schedule client; the editor imports this module too.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import type { RunMode } from './catalog-sdk';
import { ScheduleTrigger, type ScheduleCalendar, type ScheduleOverlap } from './flow';
import { durationMs } from './graph';
import { ScheduleIds, SCHEDULED_FLOW_WORKFLOW } from './names';
import type { FlowProblem } from './validate';

/** Fires missed while Switchyard or Temporal was down are not started once they are older than this. */
export const DEFAULT_SCHEDULE_CATCHUP_WINDOW = '1m';
/** The shortest time between two fires a schedule may have (SWITCHYARD_SCHEDULE_MIN_INTERVAL). */
export const DEFAULT_SCHEDULE_MIN_INTERVAL = '1m';
/** The most runs one backfill request may start. */
export const MAX_BACKFILL_RUNS = 1000;
/** How many upcoming fire times the schedule's description lists. */
export const NEXT_FIRE_TIMES = 10;

/** Temporal's overlap policy for each of ours. */
export const TemporalOverlapPolicies = { skip: 'SKIP', bufferOne: 'BUFFER_ONE', allow: 'ALLOW_ALL' } as const satisfies Record<ScheduleOverlap, string>;

/** What the schedule's workflow (`scheduledFlowRun`) receives at each fire. */
export interface ScheduledFlowInput {
  workspaceId: string;
  flowId: string;
  mode: RunMode;
}

/** The shorthand crons both Temporal and cron-parser read. */
const CRON_SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];

/** Whether the runtime knows this IANA time zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is refused, or undefined: 5 fields, or 6 with seconds first, or a shorthand (`@daily`). */
export function cronIssue(cron: string): string | undefined {
  const text = cron.trim();
  if (text === '') return 'enter a cron expression';
  if (text.startsWith('@')) return CRON_SHORTHANDS.includes(text) ? undefined : `"${text}" is not a shorthand we know (${CRON_SHORTHANDS.join(', ')})`;
  const fields = text.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `${fields} fields: a cron has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`;
  try {
    CronExpressionParser.parse(text, { strict: false });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Every problem of a schedule trigger that would refuse publishing it, each naming its field. */
export function scheduleProblems(trigger: ScheduleTrigger, o: { minIntervalMs: number }): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ code: 'INVALID_SCHEDULE', field: `trigger.${field}`, message });
  const kinds = [trigger.cron !== undefined, trigger.interval !== undefined, trigger.calendars !== undefined].filter(Boolean).length;
  if (kinds !== 1) problem('cron', 'A schedule needs exactly one of a cron expression (`cron`), an interval (`interval`) or calendar specs (`calendars`)');
  if (trigger.timezone !== undefined && !isTimeZone(trigger.timezone))
    problem('timezone', `Unknown time zone "${trigger.timezone}": use an IANA name such as Europe/Berlin or America/New_York (default UTC)`);
  if (trigger.startAt && trigger.endAt && Date.parse(trigger.endAt) <= Date.parse(trigger.startAt))
    problem('endAt', `The schedule ends (${trigger.endAt}) before it starts (${trigger.startAt})`);
  const minimum = `${o.minIntervalMs / 1000} s`;
  if (trigger.cron !== undefined) {
    const issue = cronIssue(trigger.cron);
    if (issue) problem('cron', `Invalid cron expression "${trigger.cron}": ${issue}`);
    else if (kinds === 1 && (trigger.timezone === undefined || isTimeZone(trigger.timezone))) {
      const gap = shortestCronGap(trigger.cron, trigger.timezone);
      if (gap < o.minIntervalMs)
        problem('cron', `The cron expression "${trigger.cron}" fires every ${gap / 1000} s, more often than the minimum of ${minimum}`);
    }
  }
  if (trigger.interval) {
    const every = durationMs(trigger.interval.every);
    if (every < o.minIntervalMs) problem('interval.every', `An interval of ${trigger.interval.every} is shorter than the minimum of ${minimum}`);
    if (trigger.interval.offset !== undefined && durationMs(trigger.interval.offset) >= every)
      problem('interval.offset', `The offset (${trigger.interval.offset}) must be shorter than the interval (${trigger.interval.every})`);
  }
  (trigger.calendars ?? []).forEach((calendar, i) => {
    if (o.minIntervalMs >= 60_000 && manySeconds(calendar))
      problem(`calendars.${i}.second`, `Calendar spec ${i + 1} fires more than once a minute, more often than the minimum of ${minimum}`);
  });
  return problems;
}

/** The shortest gap between the next fires of a cron expression (looks 48 fires ahead: any gap of its fields shows by then). */
function shortestCronGap(cron: string, timezone: string | undefined): number {
  const times = cronTimes(cron, { from: new Date(), count: 48, ...(timezone ? { timezone } : {}) });
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]!.getTime() - times[i - 1]!.getTime());
  return shortest;
}

function manySeconds(calendar: ScheduleCalendar): boolean {
  const second = calendar.second;
  if (second === undefined || typeof second === 'number') return false;
  if (second === '*' || Array.isArray(second)) return true;
  return second.end !== undefined && second.end !== second.start;
}

function cronTimes(cron: string, o: { from: Date; count: number; timezone?: string }): Date[] {
  const parsed = CronExpressionParser.parse(cron.trim(), { currentDate: o.from, ...(o.timezone ? { tz: o.timezone } : {}) });
  const out: Date[] = [];
  for (let i = 0; i < o.count && parsed.hasNext(); i++) out.push(parsed.next().toDate());
  return out;
}

/**
 * The next fire times of a schedule, for previews (the editor): cron expressions (cron-parser, in the zone; note that
 * a cron restricting both day-of-month and day-of-week fires when both match on Temporal, either on cron-parser) and
 * intervals (every `every` since the Unix epoch, shifted by `offset`, as Temporal counts). Calendar specs are left to
 * Temporal: undefined. Start, end and jitter are not applied; the flow page shows Temporal's own list.
 */
export function nextFireTimes(trigger: ScheduleTrigger, o: { from: Date; count?: number }): Date[] | undefined {
  const count = o.count ?? NEXT_FIRE_TIMES;
  if (trigger.cron !== undefined) {
    if (cronIssue(trigger.cron) || (trigger.timezone !== undefined && !isTimeZone(trigger.timezone))) return undefined;
    return cronTimes(trigger.cron, { from: o.from, count, ...(trigger.timezone ? { timezone: trigger.timezone } : {}) });
  }
  if (trigger.interval) {
    const every = durationMs(trigger.interval.every);
    const offset = trigger.interval.offset ? durationMs(trigger.interval.offset) : 0;
    if (every <= 0) return undefined;
    const first = Math.floor((o.from.getTime() - offset) / every) * every + offset + every;
    return Array.from({ length: count }, (_, i) => new Date(first + i * every));
  }
  return undefined;
}

/** Temporal reads a 6-field cron as ending with the year, ours has seconds first: append the year to make it 7. */
export function temporalCron(cron: string): string {
  const text = cron.trim();
  return !text.startsWith('@') && text.split(/\s+/).length === 6 ? `${text} *` : text;
}

/** The Temporal Schedule of one published flow in one mode: the argument of `client.schedule.create` (with `scheduleId`). */
export function scheduleDefinition(trigger: ScheduleTrigger, target: ScheduledFlowInput & { taskQueue: string }) {
  const input: ScheduledFlowInput = { workspaceId: target.workspaceId, flowId: target.flowId, mode: target.mode };
  return {
    scheduleId: ScheduleIds.flow(input),
    spec: {
      ...(trigger.cron !== undefined ? { cronExpressions: [temporalCron(trigger.cron)] } : {}),
      ...(trigger.interval ? { intervals: [{ every: trigger.interval.every, ...(trigger.interval.offset ? { offset: trigger.interval.offset } : {}) }] } : {}),
      ...(trigger.calendars ? { calendars: trigger.calendars.map((c) => ({ ...c })) } : {}),
      timezone: trigger.timezone ?? 'UTC',
      ...(trigger.startAt ? { startAt: new Date(trigger.startAt) } : {}),
      ...(trigger.endAt ? { endAt: new Date(trigger.endAt) } : {}),
      ...(trigger.jitter ? { jitter: trigger.jitter } : {}),
    },
    action: {
      type: 'startWorkflow' as const,
      workflowType: SCHEDULED_FLOW_WORKFLOW,
      taskQueue: target.taskQueue,
      // Temporal appends each fire's time to this id.
      workflowId: ScheduleIds.fireWorkflow(input),
      args: [input] as [ScheduledFlowInput],
      // What the schedule was made from: the worker's reconciliation compares it with the published trigger.
      memo: { flowId: target.flowId, mode: target.mode, trigger: scheduleFingerprint(trigger) },
    },
    policies: {
      overlap: TemporalOverlapPolicies[trigger.overlap ?? 'skip'],
      catchupWindow: trigger.catchupWindow ?? DEFAULT_SCHEDULE_CATCHUP_WINDOW,
      // A failed run never pauses the schedule: the next fire runs as planned.
      pauseOnFailure: false,
    },
  };
}

/** A stable text of the trigger, kept in the schedule's action memo to tell whether the schedule is up to date. */
export function scheduleFingerprint(trigger: ScheduleTrigger): string {
  return JSON.stringify(trigger, Object.keys(trigger).sort());
}

/** How people read an overlap policy (the editor's options). */
export const OverlapLabels: Record<ScheduleOverlap, string> = {
  skip: 'Skip: no second run while one is going',
  bufferOne: 'Buffer one: start one run after the current one ends',
  allow: 'Allow: start every run, even while others are going',
};

/** `GET /api/flows/:flowId/schedules/:mode`: the schedule as Temporal describes it (the API's answer and the editor's type). */
export const FlowScheduleDescription = z.object({
  scheduleId: z.string(),
  flowId: z.string(),
  mode: z.enum(['live', 'test']),
  state: z.enum(['active', 'paused']),
  /** Why it was paused or resumed. */
  note: z.string().nullable(),
  trigger: ScheduleTrigger,
  timezone: z.string(),
  overlap: z.string(),
  catchupWindowMs: z.number(),
  /** The next fire times (at most 10), from Temporal. */
  nextFireTimes: z.array(z.string()),
  /** The latest fires, newest first: nominal time, when it was taken, its run (null when refused or not recorded). */
  recentActions: z.array(z.object({ scheduledAt: z.string().nullable(), takenAt: z.string(), fireWorkflowId: z.string(), runId: z.string().nullable() })),
  runningFires: z.array(z.string()),
  actionsTaken: z.number(),
  skippedOverlap: z.number(),
  missedCatchupWindow: z.number(),
  createdAt: z.string(),
});
export type FlowScheduleDescription = z.infer<typeof FlowScheduleDescription>;

/** `POST …/backfill`: how many fires the range held, and their times. */
export const BackfillResult = z.object({ flowId: z.string(), mode: z.enum(['live', 'test']), fires: z.number().int(), scheduledTimes: z.array(z.string()) });
