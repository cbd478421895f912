/** The activities of a notification delivery: one signed POST per attempt (logged), and the delivery's end. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import type { HttpClient, RunMode } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { NOTIFICATION_ADDRESS_REFUSED } from '#core/notifications';
import type { Db } from '#store/database';
import { finishDelivery, getDelivery, getEndpoint, getNotification, recordAttempt } from '#store/notifications.repository';
import type { SecretStore } from '#store/secrets';

export type SendNotificationActivity = (input: { deliveryId: string; workspaceId: string }) => Promise<{ status: number; attempt: number }>;
export type FinishNotificationActivity = (input: { deliveryId: string; status: 'succeeded' | 'failed'; error?: string }) => Promise<void>;

const ATTEMPT_TIMEOUT_MS = 15_000;

export function createSendNotificationActivity(deps: { db: Db; secrets: SecretStore; http: HttpClient }): SendNotificationActivity {
  return async ({ deliveryId, workspaceId }) => {
    const attempt = Context.current().info.attempt;
    const delivery = await getDelivery(deps.db, workspaceId, deliveryId);
    const notification = delivery && (await getNotification(deps.db, workspaceId, delivery.notification_id));
    const endpoint = delivery && (await getEndpoint(deps.db, workspaceId, delivery.endpoint_id));
    if (!delivery || !notification || !endpoint || endpoint.deleted_at)
      throw ApplicationFailure.nonRetryable(`The notification endpoint of delivery ${deliveryId} was deleted: nothing to deliver to`, 'NotificationGone');
    const secret = await deps.secrets.resolve(workspaceId, endpoint.secret_name, endpoint.mode as RunMode);
    if (!secret) throw ApplicationFailure.nonRetryable(`The signing secret of endpoint ${endpoint.id} is missing`, 'NotificationGone');
    const sentAt = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Switchyard-Notifications/1',
      'webhook-id': notification.id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(notification.id, sentAt, notification.payload),
    };
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      // No redirects: a notification goes to the registered URL only.
      const res = await deps.http.request({
        url: endpoint.url,
        method: 'POST',
        headers,
        body: notification.payload,
        timeoutMs: ATTEMPT_TIMEOUT_MS,
        maxResponseBytes: 64 * 1024,
        followRedirects: false,
      });
      status = res.status;
      if (status < 200 || status > 299) error = `The endpoint answered ${status}${res.text() ? `: ${res.text().slice(0, 200)}` : ''}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      refused = err instanceof NonRetryableError && err.options.code === 'ADDRESS_BLOCKED';
    }
    await recordAttempt(deps.db, { deliveryId, attempt, statusCode: status, error, durationMs: Date.now() - started });
    if (error === null) return { status: status!, attempt };
    if (refused) throw ApplicationFailure.nonRetryable(error, NOTIFICATION_ADDRESS_REFUSED);
    throw ApplicationFailure.retryable(error, 'NotificationNotAccepted');
  };
}

export function createFinishNotificationActivity(db: Db): FinishNotificationActivity {
  return ({ deliveryId, status, error }) => finishDelivery(db, { deliveryId, status, ...(error !== undefined ? { error } : {}) });
}
