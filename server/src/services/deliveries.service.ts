import { AppError } from '#core/errors';
import type { Db } from '#store/database';
import * as hooks from '#store/webhooks.repository';
import type { Caller } from './runs.service';
import { forgetWebhookEndpoints, presentEndpoint } from './webhooks.service';

/**
 * The webhook delivery log and the endpoints as the API shows them. A test key sees test deliveries only: live
 * payloads carry customers' data. (Deliveries arriving at `/hooks` are webhooks.service.ts.)
 */

/** The workspace's endpoints with their live and test URLs under `baseUrl`. */
export async function listEndpoints(db: Db, workspaceId: string, baseUrl: string) {
  return (await hooks.listEndpoints(db, workspaceId)).map((r) => presentEndpoint(r, baseUrl));
}

/** Disables an endpoint: its URLs answer 410 from now on. */
export async function disableEndpoint(db: Db, workspaceId: string, id: string): Promise<void> {
  forgetWebhookEndpoints();
  if (!(await hooks.disableEndpoint(db, workspaceId, id))) throw new AppError('NOT_FOUND', `There is no enabled webhook endpoint "${id}" in this workspace`);
}

/** The delivery log, newest first (without bodies). */
export async function listDeliveries(db: Db, caller: Caller, query: Omit<hooks.DeliveryFilter, 'mode'>) {
  const rows = await hooks.listDeliveries(db, caller.workspaceId, { ...query, ...(caller.mode === 'test' ? { mode: 'test' as const } : {}) });
  return rows.map(presentDelivery);
}

/** One delivery with its headers (signatures removed) and body. */
export async function deliveryDetail(db: Db, caller: Caller, id: string) {
  const row = await hooks.getDelivery(db, caller.workspaceId, id);
  if (!row || (caller.mode === 'test' && row.mode !== 'test')) throw new AppError('NOT_FOUND', `There is no webhook delivery "${id}" in this workspace`);
  return { ...presentDelivery(row), headers: row.headers, body: row.body };
}

/** A test key replays test deliveries only. */
export async function requireReplayable(db: Db, caller: Caller, id: string): Promise<void> {
  const row = await hooks.getDelivery(db, caller.workspaceId, id);
  if (row?.mode === 'live' && caller.mode === 'test')
    throw new AppError('FORBIDDEN', "A test key (sy_test_…) cannot replay a live delivery; use the workspace's live key", { testKey: true });
}

function presentDelivery(
  r: Pick<
    hooks.DeliveryRow,
    | 'id'
    | 'endpoint_id'
    | 'mode'
    | 'received_at'
    | 'verified'
    | 'status'
    | 'error'
    | 'event_id'
    | 'event_type'
    | 'duplicate_of'
    | 'run_id'
    | 'wait_id'
    | 'latency_ms'
  >,
) {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    mode: r.mode,
    receivedAt: r.received_at,
    verified: r.verified === 1,
    status: r.status,
    error: r.error,
    eventId: r.event_id,
    eventType: r.event_type,
    duplicateOf: r.duplicate_of,
    runId: r.run_id,
    waitId: r.wait_id,
    latencyMs: r.latency_ms === null ? null : Math.round(r.latency_ms * 10) / 10,
  };
}
