/**
 * Outgoing notifications to a workspace's app (docs/app-side.md): what they are called, what they carry, and the
 * names the server, the worker and the delivery workflow share. Plain values (no zod): workflow code imports this.
 */

/** What an endpoint can subscribe to. */
export const NotificationTypes = ['run.completed', 'run.failed', 'run.parked', 'run.waitingForCredits', 'run.waitingForReconnect', 'credits.low'] as const;
export type NotificationType = (typeof NotificationTypes)[number];

/** The body of every notification (JSON), signed with Standard Webhooks: `webhook-id` is the notification's id. */
export type NotificationPayload = RunNotificationPayload | CreditsLowPayload;

/**
 * `credits.low`: the workspace's balance fell under CREDITS_LOW_FRACTION of its plan's monthly credits; sent once per
 * credit period (noticed when a live run ends).
 */
export interface CreditsLowPayload {
  type: 'credits.low';
  timestamp: string;
  data: { balance: number; threshold: number; plan: string; period: string };
}

/** Under this share of the plan's monthly credits, the balance is low. */
export const CREDITS_LOW_FRACTION = 0.1;

export interface RunNotificationPayload {
  type: Exclude<NotificationType, 'credits.low'>;
  /** When the run got there (ISO 8601). */
  timestamp: string;
  data: {
    runId: string;
    flowId: string;
    version: number;
    mode: 'live' | 'test';
    status: string;
    output?: unknown;
    outputOmitted?: true;
    error?: { message: string; type: string; status?: number; nodeId?: string };
    /** `run.parked`: the node waiting for a person. */
    nodeKey?: string;
  };
}

/** How a delivery is retried: exponential backoff from `initialInterval`, capped at `maximumInterval`, for `giveUpAfter`. */
export interface NotificationRetry {
  initialInterval: string;
  backoffCoefficient: number;
  maximumInterval: string;
  giveUpAfter: string;
}

/** 5 s, 10 s, 20 s … then every hour, for 25 hours (about 30 attempts): a receiver down for a day still gets it. */
export const DEFAULT_NOTIFICATION_RETRY: NotificationRetry = { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1h', giveUpAfter: '25h' };

export const DELIVER_NOTIFICATION_WORKFLOW = 'deliverNotification';
export const NotificationActivities = { send: 'switchyard.sendNotification', finish: 'switchyard.finishNotificationDelivery' } as const;

export interface DeliverNotificationInput {
  deliveryId: string;
  workspaceId: string;
  retry: NotificationRetry;
}

/** The delivery workflow's id: one workflow per delivery, so recording the same run event twice delivers once. */
export const notificationWorkflowId = (deliveryId: string) => `notify:${deliveryId}`;

/** The workspace secret that holds an endpoint's signing secret (endpoint ids are `nep_<hex>`). */
export const notificationSecretName = (endpointId: string) => `SWITCHYARD_NOTIFY_${endpointId.replace(/^nep_/, '').toUpperCase()}`;

/** A notification attempt that gives up at once: the endpoint's address is private (the address guard refused it). */
export const NOTIFICATION_ADDRESS_REFUSED = 'NotificationAddressRefused';
