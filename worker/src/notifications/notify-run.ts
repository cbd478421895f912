/**
 * Turns a run's recorded change (it completed, failed, parked, waits for credits) into notifications for the
 * workspace's subscribed endpoints: one notification per run event (its id derived from the run and the event's
 * seq, so recording the same change again creates nothing new), one delivery per endpoint, each delivered by its
 * own durable workflow (deliverNotification). Runs in the recordRun activity, after the run's row is written.
 */
import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  DELIVER_NOTIFICATION_WORKFLOW,
  notificationWorkflowId,
  type DeliverNotificationInput,
  type NotificationPayload,
  type NotificationRetry,
  type NotificationType,
} from '#core/notifications';
import { RUN_EVENT_OUTPUT_CHARS, type RunState } from '#core/run';
import type { Db } from '#store/database';
import { endpointsFor, insertDelivery, insertNotification } from '#store/notifications.repository';
import { getRun } from '#store/runs.repository';

export interface RunNotifier {
  db: Db;
  client: Client;
  taskQueue: string;
  retry: NotificationRetry;
}

const TYPE_BY_STATUS: Partial<Record<RunState['status'], { type: NotificationType; event: string }>> = {
  completed: { type: 'run.completed', event: 'run.ended' },
  failed: { type: 'run.failed', event: 'run.ended' },
  parked: { type: 'run.parked', event: 'node.parked' },
  waitingForCredits: { type: 'run.waitingForCredits', event: 'node.waitingForCredits' },
};

const digest = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export async function notifyRunChange(n: RunNotifier, r: { runId: string; workspaceId: string; state: RunState }): Promise<void> {
  const kind = TYPE_BY_STATUS[r.state.status];
  if (!kind) return;
  const run = await getRun(n.db, r.workspaceId, r.runId);
  if (!run) return;
  const endpoints = await endpointsFor(n.db, r.workspaceId, run.mode, kind.type);
  if (endpoints.length === 0) return;
  const event = [...(r.state.events ?? [])].reverse().find((e) => e.type === kind.event);
  const id = `msg_${digest(`${r.runId}:${kind.type}:${event?.seq ?? 0}`).slice(0, 26)}`;
  const output = r.state.output;
  const fits = output === undefined || JSON.stringify(output).length <= RUN_EVENT_OUTPUT_CHARS;
  const payload: NotificationPayload = {
    type: kind.type,
    timestamp: event?.at ?? r.state.endedAt ?? new Date().toISOString(),
    data: {
      runId: r.runId,
      flowId: run.flow_id,
      version: run.version,
      mode: run.mode === 'test' ? 'test' : 'live',
      status: r.state.status,
      ...(kind.type === 'run.completed' && output !== undefined ? (fits ? { output } : { outputOmitted: true as const }) : {}),
      ...(r.state.error ? { error: r.state.error } : {}),
      ...(event?.nodeKey ? { nodeKey: event.nodeKey } : {}),
    },
  };
  await insertNotification(n.db, { id, workspaceId: r.workspaceId, mode: run.mode, type: kind.type, runId: r.runId, payload });
  for (const endpoint of endpoints) {
    const deliveryId = `ndl_${digest(`${id}:${endpoint.id}`).slice(0, 24)}`;
    await insertDelivery(n.db, { id: deliveryId, workspaceId: r.workspaceId, notificationId: id, endpointId: endpoint.id });
    await startDelivery(n, { deliveryId, workspaceId: r.workspaceId, retry: n.retry });
  }
}

/** Starts a delivery's workflow once (its id is the delivery's): a second start of the same delivery is a no-op. */
export async function startDelivery(n: { client: Client; taskQueue: string }, input: DeliverNotificationInput): Promise<void> {
  try {
    await n.client.workflow.start(DELIVER_NOTIFICATION_WORKFLOW, {
      taskQueue: n.taskQueue,
      workflowId: notificationWorkflowId(input.deliveryId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
