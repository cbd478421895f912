/**
 * Turns a run's recorded change (it completed, failed, parked, waits for credits) into notifications for the
 * workspace's subscribed endpoints: one notification per run event (its id derived from the run and the event's
 * seq, so recording the same change again creates nothing new), one delivery per endpoint, each delivered by its
 * own durable workflow (deliverNotification). Runs in the recordRun activity, after the run's row is written.
 */
import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { PlanInfos } from '#core/credits';
import {
  CREDITS_LOW_FRACTION,
  DELIVER_NOTIFICATION_WORKFLOW,
  notificationWorkflowId,
  type DeliverNotificationInput,
  type NotificationPayload,
  type NotificationRetry,
  type RunNotificationPayload,
} from '#core/notifications';
import { RUN_EVENT_OUTPUT_CHARS, type RunState } from '#core/run';
import type { Db } from '#store/database';
import { ensureAccount } from '#store/credits.repository';
import { endpointsFor, insertDelivery, insertNotification } from '#store/notifications.repository';
import { getRun } from '#store/runs.repository';

export interface RunNotifier {
  db: Db;
  client: Client;
  taskQueue: string;
  retry: NotificationRetry;
}

const TYPE_BY_STATUS: Partial<Record<RunState['status'], { type: RunNotificationPayload['type']; event: string }>> = {
  completed: { type: 'run.completed', event: 'run.ended' },
  failed: { type: 'run.failed', event: 'run.ended' },
  parked: { type: 'run.parked', event: 'node.parked' },
  waitingForCredits: { type: 'run.waitingForCredits', event: 'node.waitingForCredits' },
  waitingForReconnect: { type: 'run.waitingForReconnect', event: 'node.waitingForReconnect' },
};

const digest = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export async function notifyRunChange(n: RunNotifier, r: { runId: string; workspaceId: string; state: RunState }): Promise<void> {
  const kind = TYPE_BY_STATUS[r.state.status];
  if (!kind) return;
  const run = await getRun(n.db, r.workspaceId, r.runId);
  if (!run) return;
  // A live run that ended may have spent the last credits above the threshold (test runs charge nothing).
  if (run.mode === 'live' && (r.state.status === 'completed' || r.state.status === 'failed')) await notifyCreditsLow(n, r.workspaceId);
  const endpoints = await endpointsFor(n.db, r.workspaceId, run.mode, kind.type);
  if (endpoints.length === 0) return;
  const event = [...(r.state.events ?? [])].reverse().find((e) => e.type === kind.event);
  const id = `msg_${digest(`${r.runId}:${kind.type}:${event?.seq ?? 0}`).slice(0, 26)}`;
  const output = r.state.output;
  const fits = output === undefined || JSON.stringify(output).length <= RUN_EVENT_OUTPUT_CHARS;
  const payload: RunNotificationPayload = {
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
  await deliver(n, { id, workspaceId: r.workspaceId, mode: run.mode, runId: r.runId, payload, endpoints });
}

/** `credits.low`, once per credit period: the balance is under CREDITS_LOW_FRACTION of the plan's monthly credits. */
async function notifyCreditsLow(n: RunNotifier, workspaceId: string): Promise<void> {
  const endpoints = await endpointsFor(n.db, workspaceId, 'live', 'credits.low');
  if (endpoints.length === 0) return;
  const account = await ensureAccount(n.db, workspaceId);
  const threshold = Math.floor(PlanInfos[account.plan].monthlyCredits * CREDITS_LOW_FRACTION);
  if (threshold === 0 || account.balance >= threshold) return;
  const payload: NotificationPayload = {
    type: 'credits.low',
    timestamp: new Date().toISOString(),
    data: { balance: account.balance, threshold, plan: account.plan, period: account.period },
  };
  const id = `msg_${digest(`credits.low:${workspaceId}:${account.period}`).slice(0, 26)}`;
  await deliver(n, { id, workspaceId, mode: 'live', runId: null, payload, endpoints });
}

/** Records the notification once, then one delivery (and its workflow) per endpoint. */
async function deliver(
  n: RunNotifier,
  o: { id: string; workspaceId: string; mode: string; runId: string | null; payload: NotificationPayload; endpoints: { id: string }[] },
): Promise<void> {
  await insertNotification(n.db, { id: o.id, workspaceId: o.workspaceId, mode: o.mode, type: o.payload.type, runId: o.runId, payload: o.payload });
  for (const endpoint of o.endpoints) {
    const deliveryId = `ndl_${digest(`${o.id}:${endpoint.id}`).slice(0, 24)}`;
    await insertDelivery(n.db, { id: deliveryId, workspaceId: o.workspaceId, notificationId: o.id, endpointId: endpoint.id });
    await startDelivery(n, { deliveryId, workspaceId: o.workspaceId, retry: n.retry });
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
