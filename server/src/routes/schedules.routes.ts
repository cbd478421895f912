import { z } from 'zod';
import { ScheduleOverlaps } from '#core/flow';
import { BackfillResult, FlowScheduleDescription, MAX_BACKFILL_RUNS } from '#core/schedule';
import { defineRoute, type RouteDef } from '../http/route';
import {
  backfillSchedule,
  createTestSchedule,
  deleteTestSchedule,
  describeFlowSchedule,
  runScheduleNow,
  setSchedulePaused,
} from '../services/schedules.service';
import type { ServerDeps } from '../deps';
import { FlowParams } from './flows.routes';

const ScheduleParams = FlowParams.extend({ mode: z.enum(['live', 'test']) });
const NoteBody = z.object({ note: z.string().max(500).optional() });
const BackfillBody = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  /** Default `allow`: every fire of the range starts its run. */
  overlap: z.enum(ScheduleOverlaps).optional(),
});
const notScheduled = { description: 'The flow is not published with a schedule trigger' };
const noSchedule = { description: 'No such flow, or it has no schedule in this mode' };

/**
 * A flow's Temporal Schedules (docs/schedules.md): read, pause and resume, run now, backfill; a test schedule on
 * demand. A test key may do all of it to the test schedule only (mode `test`; `live` is 403), whose runs are test runs.
 */
export function scheduleRoutes(deps: ServerDeps): RouteDef[] {
  const op = (path: string, summary: string) => ({
    method: 'post' as const,
    path: `/api/flows/:flowId/schedules/:mode/${path}`,
    testKey: 'allowed' as const,
    scope: 'runs:operate' as const,
    tag: 'Schedules',
    summary,
    params: ScheduleParams,
  });
  return [
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId/schedules/:mode',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Schedules',
      summary: "Read a flow's schedule: paused or active, the next 10 fire times, the recent fires and their runs",
      params: ScheduleParams,
      responses: {
        200: { description: 'The schedule', schema: FlowScheduleDescription },
        404: noSchedule,
        409: notScheduled,
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, auth }) {
        return { body: await describeFlowSchedule(deps, auth, params.flowId, params.mode) };
      },
    }),
    defineRoute({
      ...op('pause', 'Pause a schedule (no fire starts a run until resumed), with a note'),
      body: NoteBody,
      responses: {
        200: { description: 'The paused schedule', schema: FlowScheduleDescription },
        404: noSchedule,
        409: notScheduled,
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, body, auth }) {
        return { body: await setSchedulePaused(deps, auth, params.flowId, params.mode, { paused: true, note: body.note }) };
      },
    }),
    defineRoute({
      ...op('resume', 'Resume a paused schedule, with a note'),
      body: NoteBody,
      responses: {
        200: { description: 'The active schedule', schema: FlowScheduleDescription },
        404: noSchedule,
        409: notScheduled,
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, body, auth }) {
        return { body: await setSchedulePaused(deps, auth, params.flowId, params.mode, { paused: false, note: body.note }) };
      },
    }),
    defineRoute({
      ...op('run', 'Run now: one fire at once (its run goes through the same checks as every scheduled run)'),
      responses: {
        202: {
          description: 'The fire was asked of Temporal',
          schema: z.object({ flowId: z.string(), mode: z.enum(['live', 'test']), requested: z.literal(true) }),
        },
        404: noSchedule,
        409: notScheduled,
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, auth }) {
        await runScheduleNow(deps, auth, params.flowId, params.mode);
        return { status: 202, body: { flowId: params.flowId, mode: params.mode, requested: true as const } };
      },
    }),
    defineRoute({
      ...op('backfill', `Backfill: start the fires the schedule had in a time range (at most ${MAX_BACKFILL_RUNS} per request)`),
      body: BackfillBody,
      responses: {
        202: { description: 'The fires asked of Temporal', schema: BackfillResult },
        404: noSchedule,
        409: notScheduled,
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, body, auth }) {
        return { status: 202, body: await backfillSchedule(deps, auth, params.flowId, params.mode, body) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/flows/:flowId/schedules/test',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Schedules',
      summary: 'Create (or update) the test schedule: test runs on the published schedule trigger',
      params: FlowParams,
      responses: {
        200: { description: 'The test schedule', schema: FlowScheduleDescription },
        404: noSchedule,
        409: notScheduled,
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, auth }) {
        return { body: await createTestSchedule(deps, auth, params.flowId) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/flows/:flowId/schedules/test',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Schedules',
      summary: 'Delete the test schedule',
      params: FlowParams,
      responses: { 204: { description: 'Deleted' }, 404: noSchedule, 409: notScheduled, 503: { description: 'Temporal is unreachable' } },
      async handler({ params, auth }) {
        await deleteTestSchedule(deps, auth, params.flowId);
        return { status: 204 };
      },
    }),
  ];
}
