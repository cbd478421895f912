import { z } from 'zod';
import { CreatedNotificationEndpoint, NotificationDeliveryList, NotificationEndpointList, NotificationEndpointRequest } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, replayDelivery } from '../services/notifications.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

const EndpointParams = z.object({ endpointId: z.string().min(1).max(64) });

/** Outgoing notifications to the workspace's app (docs/app-side.md). A test key manages test endpoints, which hear about test runs. */
export function notificationRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/notifications',
      scope: 'settings:write',
      testKey: 'allowed',
      tag: 'Notifications',
      summary: 'Register an endpoint of your app for run notifications (signed with Standard Webhooks); answers its signing secret once',
      body: NotificationEndpointRequest,
      responses: {
        201: { description: 'Registered; `secret` (whsec_…) verifies the signatures and is not shown again', schema: CreatedNotificationEndpoint },
        400: { description: 'Invalid URL, or one that reaches a private address' },
      },
      async handler({ body, auth }) {
        return { status: 201, body: await createEndpoint(deps, auth, body) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/notifications',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Notifications',
      summary: "The workspace's notification endpoints (of the key's mode)",
      responses: { 200: { description: 'Endpoints', schema: NotificationEndpointList } },
      async handler({ auth }) {
        return { body: { endpoints: await listEndpoints(deps, auth) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/notifications/:endpointId',
      scope: 'settings:write',
      testKey: 'allowed',
      tag: 'Notifications',
      summary: 'Remove a notification endpoint (deliveries under way stop at their next attempt)',
      params: EndpointParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such endpoint' } },
      async handler({ params, auth }) {
        await deleteEndpoint(deps, auth, params.endpointId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/notifications/:endpointId/deliveries',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Notifications',
      summary: "An endpoint's deliveries, newest first, each with its attempts (status code, error, time)",
      params: EndpointParams,
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      responses: { 200: { description: 'Deliveries', schema: NotificationDeliveryList }, 404: { description: 'No such endpoint' } },
      async handler({ params, query, auth }) {
        return { body: { deliveries: await listDeliveries(deps, auth, params.endpointId, query.limit) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/notifications/deliveries/:deliveryId/replay',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Notifications',
      summary: 'Send a notification again: a new delivery with the same webhook-id (receivers deduplicate by it)',
      params: z.object({ deliveryId: z.string().min(1).max(64) }),
      responses: {
        202: { description: 'Replaying', schema: z.object({ deliveryId: z.string(), replayOf: z.string(), notificationId: z.string() }) },
        404: { description: 'No such delivery' },
        409: { description: 'The delivery is still being attempted' },
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, auth, req }) {
        const result = await replayDelivery(deps, auth, params.deliveryId);
        await audit(deps.db, auth, req, 'delivery.replayed', { target: params.deliveryId, details: { kind: 'notification', deliveryId: params.deliveryId } });
        return { status: 202, body: result };
      },
    }),
  ];
}
