/**
 * One notification delivery, durable: the signed POST is an activity retried with backoff (NotificationRetry: by
 * default for 25 hours), so a receiver that is down, or a worker that restarts, delays the delivery but never loses
 * it. Each attempt is logged by the activity; the delivery's end is recorded here. Workflow code: no I/O.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { NOTIFICATION_ADDRESS_REFUSED, NotificationActivities, type DeliverNotificationInput } from '#core/notifications';
import type { FinishNotificationActivity, SendNotificationActivity } from '../notifications/send-notification';

export async function deliverNotification({ deliveryId, workspaceId, retry }: DeliverNotificationInput): Promise<{ status: 'succeeded' | 'failed' }> {
  const send = proxyActivities<Record<string, SendNotificationActivity>>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: retry.giveUpAfter,
    retry: {
      initialInterval: retry.initialInterval,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumInterval,
      nonRetryableErrorTypes: [NOTIFICATION_ADDRESS_REFUSED, 'NotificationGone'],
    },
  })[NotificationActivities.send]!;
  const finish = proxyLocalActivities<Record<string, FinishNotificationActivity>>({ startToCloseTimeout: '30s' })[NotificationActivities.finish]!;
  try {
    await send({ deliveryId, workspaceId });
    await finish({ deliveryId, status: 'succeeded' });
    return { status: 'succeeded' };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    await finish({ deliveryId, status: 'failed', error: `Gave up: ${message}` });
    return { status: 'failed' };
  }
}
