import { z } from 'zod';
import { AppRun, RunEventMessage } from '#core/api';
import { AppError } from '#core/errors';
import { defineRoute, type RouteDef } from '../http/route';
import { streamRunEvents } from '../services/run-events.service';
import { runDetail } from '../services/runs.service';
import type { ServerDeps } from '../deps';
import { RunParams } from './runs.routes';

const AppRunQuery = z.object({
  /** `true`: include each node's status, input, output, attempts and errors. */
  nodes: z.enum(['true', 'false']).optional(),
});

const EventsQuery = z.object({
  /** Resume after this event (its seq); the `Last-Event-ID` header does the same and wins. */
  after: z.coerce.number().int().min(0).optional(),
});

/** Routes an app uses to follow its runs (docs/app-side.md). */
export function appRunRoutes({ db, temporal }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/runs/:runId',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'App events',
      summary: 'A run as an app sees it: status, output, error and cost (nodes with ?nodes=true)',
      params: RunParams,
      query: AppRunQuery,
      responses: {
        200: { description: 'The run', schema: AppRun },
        403: { description: 'A test key asked for a live run' },
        404: { description: 'No such run in this workspace' },
        503: { description: 'Temporal is unreachable: try again' },
      },
      async handler({ params, query, auth }) {
        const run = await runDetail(db, temporal, auth, params.runId);
        const body: AppRun = {
          id: run.id,
          flowId: run.flowId,
          version: run.version,
          mode: run.mode as AppRun['mode'],
          status: run.status as AppRun['status'],
          trigger: { type: run.trigger.type, ...(run.trigger.id ? { id: run.trigger.id } : {}), ...(run.trigger.name ? { name: run.trigger.name } : {}) },
          ...(run.output !== undefined ? { output: run.output } : {}),
          ...(run.error ? { error: run.error } : {}),
          cost: run.cost,
          createdAt: run.createdAt,
          startedAt: run.startedAt,
          endedAt: run.endedAt ?? null,
          ...(query.nodes === 'true' ? { nodes: run.nodes } : {}),
        };
        return { body };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:runId/events',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'App events',
      summary:
        "Follow a run as server-sent events: `run.started`, `node.started` / `node.succeeded` / `node.failed` / `node.parked` …, `run.responded`, `run.ended` (then the stream ends). Each message's id is the event's seq: reconnect with `Last-Event-ID` (or ?after=) to miss nothing",
      params: RunParams,
      query: EventsQuery,
      responses: {
        200: { description: "An event stream; each message's `data` is a RunEvent (JSON)", schema: RunEventMessage, contentType: 'text/event-stream' },
        400: { description: 'Last-Event-ID is not an event seq' },
        403: { description: 'A test key asked for a live run' },
        404: { description: 'No such run in this workspace' },
      },
      async handler({ params, query, auth, req }) {
        const header = req.get('last-event-id');
        let after = query.after ?? 0;
        if (header !== undefined) {
          if (!/^\d{1,9}$/.test(header.trim()))
            throw new AppError(
              'VALIDATION_FAILED',
              `Last-Event-ID "${header.slice(0, 40)}" is not an event id of this stream (a number, the seq of the last event received)`,
            );
          after = Number(header.trim());
        }
        return { stream: await streamRunEvents(db, temporal, auth, params.runId, after) };
      },
    }),
  ];
}
