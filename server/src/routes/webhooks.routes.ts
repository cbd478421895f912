import { z } from 'zod';
import { ReplayResult, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryStatuses, WebhookEndpoint } from '#core/api';
import { SecretName } from '#core/flow';
import { WebhookSourceIds } from '#core/webhooks';
import { defineRoute, type RouteDef } from '../http/route';
import { deliveryDetail, disableEndpoint, listDeliveries, listEndpoints, requireReplayable } from '../services/deliveries.service';
import { ensureInbox, presentEndpoint, replayDelivery } from '../services/webhooks.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

const InboxBody = z.object({
  source: z.enum(WebhookSourceIds),
  /** Workspace secrets holding the signing secret(s); default the source's variable. List two while rotating. */
  secrets: z.array(SecretName).min(1).max(5).optional(),
  /** The signature header, for `hmac`. */
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/)
    .optional(),
});
const DeliveriesQuery = z.object({
  endpointId: z.string().max(64).optional(),
  status: z.enum(WebhookDeliveryStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const IdParams = z.object({ id: z.string().min(1).max(64) });

/** Webhook endpoints (their URLs), the delivery log and replay. Deliveries themselves arrive at `/hooks/:id` (hooks.routes.ts). */
export function webhookRoutes(deps: ServerDeps): RouteDef[] {
  const { db } = deps;
  // Behind a proxy, set SWITCHYARD_PUBLIC_URL: the request's own address may be internal (or its Host header forged).
  const baseUrl = (req: { protocol: string; get(name: string): string | undefined }) => deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
  return [
    defineRoute({
      method: 'get',
      path: '/api/webhooks/endpoints',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Webhooks',
      summary: "The workspace's webhook endpoints with their live and test URLs",
      responses: {
        200: {
          description: 'Endpoints: one per webhook-triggered flow, one inbox per source used by waitForWebhook nodes',
          schema: z.object({ endpoints: z.array(WebhookEndpoint) }),
        },
      },
      async handler({ auth, req }) {
        return { body: { endpoints: await listEndpoints(db, auth.workspaceId, baseUrl(req)) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/inboxes',
      scope: 'flows:write',
      tag: 'Webhooks',
      summary: "Create or update the workspace's inbox for a source (events that waitForWebhook nodes wait for)",
      body: InboxBody,
      responses: {
        200: { description: 'Updated', schema: WebhookEndpoint },
        201: { description: 'Created', schema: WebhookEndpoint },
      },
      async handler({ auth, body, req }) {
        const { row, created } = await ensureInbox(deps, auth.workspaceId, {
          source: body.source,
          ...(body.secrets ? { secrets: body.secrets } : {}),
          ...(body.header ? { header: body.header } : {}),
        });
        return { status: created ? 201 : 200, body: presentEndpoint(row, baseUrl(req)) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/webhooks/endpoints/:id',
      scope: 'flows:write',
      tag: 'Webhooks',
      summary: 'Disable an endpoint: its URLs answer 410 from now on',
      params: IdParams,
      responses: { 204: { description: 'Disabled' }, 404: { description: 'No such endpoint (or already disabled)' } },
      async handler({ auth, params }) {
        await disableEndpoint(db, auth.workspaceId, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/webhooks/deliveries',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Webhooks',
      summary: 'The delivery log, newest first: verification, dedupe and where each delivery went (`status=unmatched`: events no run waited for)',
      query: DeliveriesQuery,
      responses: {
        200: {
          description: 'Deliveries (without bodies; see one delivery for its headers and body)',
          schema: z.object({ deliveries: z.array(WebhookDelivery) }),
        },
      },
      async handler({ auth, query }) {
        return { body: { deliveries: await listDeliveries(db, auth, query) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/webhooks/deliveries/:id',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Webhooks',
      summary: 'One delivery with its headers (signatures removed) and body',
      params: IdParams,
      responses: {
        200: { description: 'The delivery', schema: WebhookDeliveryDetail },
        404: { description: 'No such delivery' },
      },
      async handler({ auth, params }) {
        return { body: await deliveryDetail(db, auth, params.id) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/deliveries/:id/replay',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Webhooks',
      summary: "Deliver a stored delivery again: a flow's trigger starts a new run; an inbox event is matched to waiting runs again",
      params: IdParams,
      responses: {
        200: { description: 'Replayed; says where it went', schema: ReplayResult },
        404: { description: 'No such delivery' },
        402: { description: "The workspace's plan does not include an integration the flow uses" },
        409: { description: 'The delivery failed verification, or its flow is no longer published' },
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ auth, params, req }) {
        await requireReplayable(db, auth, params.id);
        const result = await replayDelivery(deps, auth.workspaceId, params.id);
        await audit(db, auth, req, 'delivery.replayed', { target: params.id, details: { kind: 'webhook', deliveryId: params.id } });
        return { body: result };
      },
    }),
  ];
}
