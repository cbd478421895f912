import type { WebhookSignal, WebhookWaitRegistration } from '#core/run';
import type { Db } from '#store/database';
import * as hooks from '#store/webhooks.repository';

export type RegisterWebhookWaitActivity = (w: WebhookWaitRegistration) => Promise<WebhookSignal | null>;

/**
 * Activity run by a waitForWebhook node before it waits: records the wait (so the API can route matching
 * deliveries to the run) and looks for a matching event that arrived in the last `bufferMs` before the
 * wait existed. Returns that event when it finds one; then the node does not wait at all. Idempotent: a
 * retried registration returns the event the wait was already paired with.
 */
export function createRegisterWebhookWaitActivity(db: Db, bufferMs: number): RegisterWebhookWaitActivity {
  return async (w) => {
    const wait = await hooks.insertWait(db, {
      id: w.waitId,
      workspace_id: w.workspaceId,
      run_id: w.runId,
      workflow_id: w.workflowId,
      node_key: w.nodeKey,
      mode: w.mode,
      source: w.source,
      event_type: w.eventType,
      match_field: w.matchField ?? null,
      match_value: w.matchField ? (hooks.matchKey(w.matchValue) ?? null) : null,
      expires_at: w.expiresAt,
    });
    if (wait.status === 'matched' && wait.delivery_id) return signalOf(await hooks.deliveryById(db, wait.delivery_id), wait.id);
    if (wait.status !== 'waiting') return null;
    const since = new Date(Date.now() - bufferMs).toISOString();
    const buffered = await hooks.bufferedDeliveries(db, { workspaceId: w.workspaceId, source: w.source, eventType: w.eventType, mode: w.mode, since });
    for (const delivery of buffered) {
      if (!hooks.deliverySatisfies(wait, parse(delivery.payload))) continue;
      if (await hooks.pairDeliveryWithWait(db, delivery.id, wait.id)) return signalOf(delivery, wait.id);
    }
    return null;
  };
}

function parse(json: string | null): unknown {
  if (json === null) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function signalOf(delivery: hooks.DeliveryRow | undefined, waitId: string): WebhookSignal | null {
  if (!delivery) return null;
  return {
    deliveryId: delivery.id,
    eventId: delivery.event_id ?? '',
    ...(delivery.event_type ? { eventType: delivery.event_type } : {}),
    waitId,
    payload: parse(delivery.payload),
  };
}
