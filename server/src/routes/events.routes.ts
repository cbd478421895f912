import crypto from 'node:crypto';
import { z } from 'zod';
import { EventTrigger, JsonValue } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import { ignoredByDisabledFlows, startEventRuns } from '../services/runs.service';
import type { ServerDeps } from '../deps';

const AppEvent = z.object({
  name: EventTrigger.shape.event,
  /** Your id for this event. Sending the same id again starts no second run. */
  id: z.string().min(1).max(200).optional(),
  data: JsonValue.default({}),
});

export function eventRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/events',
      scope: 'events:write',
      testKey: 'allowed',
      publishable: 'allowed',
      tag: 'App events',
      summary: 'Send an app event: starts every published flow triggered by it (once per event id)',
      body: AppEvent,
      responses: {
        202: {
          description: 'Accepted; `runs` lists the run of each subscribed flow (empty when none); `ignored` the disabled flows it would have started',
          schema: z.object({
            eventId: z.string(),
            runs: z.array(z.object({ flowId: z.string(), runId: z.string(), duplicate: z.boolean() })),
            ignored: z.array(z.object({ flowId: z.string(), reason: z.literal('disabled') })).optional(),
          }),
        },
        400: { description: 'Invalid event' },
        401: { description: 'Missing or wrong API key' },
        402: { description: "The workspace's plan does not include an integration a subscribed flow uses" },
        413: { description: 'Body over the size limit' },
        503: { description: 'Temporal is unreachable: send the event again later' },
      },
      async handler({ body, auth }) {
        const eventId = body.id ?? crypto.randomUUID();
        const runs = await startEventRuns(deps, auth, { name: body.name, id: eventId, data: body.data });
        // A disabled flow is not started, and the app is told so: the event was received, not lost.
        const ignored = await ignoredByDisabledFlows(deps.db, auth.workspaceId, body.name);
        if (ignored.length > 0) deps.logger.info({ event: body.name, eventId, ignored }, 'app event ignored by disabled flows');
        return { status: 202, body: { eventId, runs, ...(ignored.length > 0 ? { ignored } : {}) } };
      },
    }),
  ];
}
