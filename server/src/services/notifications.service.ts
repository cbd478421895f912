/**
 * Notification endpoints of a workspace's app (docs/app-side.md): registered with a URL that must reach a public
 * address (the address guard; the worker checks again at every attempt, so a DNS change cannot get around it), a
 * Standard Webhooks signing secret kept as a workspace secret, deliveries with their attempts, and replays.
 */
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { AppError } from '#core/errors';
import { classifyAddress } from '#core/net/address-guard';
import {
  DEFAULT_NOTIFICATION_RETRY,
  DELIVER_NOTIFICATION_WORKFLOW,
  notificationSecretName,
  notificationWorkflowId,
  NotificationTypes,
  type DeliverNotificationInput,
  type NotificationType,
} from '#core/notifications';
import * as repo from '#store/notifications.repository';
import type { ServerDeps } from '../deps';
import type { Caller } from './runs.service';

type Deps = Pick<ServerDeps, 'db' | 'secrets' | 'temporal' | 'httpAllow' | 'notificationRetry'>;

function toEndpoint(row: Awaited<ReturnType<typeof repo.getEndpoint>> & object) {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as NotificationType[],
    ...(row.description ? { description: row.description } : {}),
    mode: row.mode as Caller['mode'],
    createdAt: row.created_at,
  };
}

export async function createEndpoint(
  deps: Deps,
  caller: Caller,
  body: { url: string; events?: NotificationType[] | undefined; description?: string | undefined },
) {
  await requireDeliverableUrl(body.url, deps.httpAllow ?? []);
  const secret = `whsec_${crypto.randomBytes(24).toString('base64')}`;
  const row = await repo.insertEndpoint(deps.db, {
    workspaceId: caller.workspaceId,
    mode: caller.mode,
    url: body.url,
    events: body.events ?? [...NotificationTypes],
    ...(body.description ? { description: body.description } : {}),
    secretName: notificationSecretName,
  });
  await deps.secrets.put(caller.workspaceId, row.secret_name, { [caller.mode]: secret });
  return { ...toEndpoint(row), secret };
}

export async function listEndpoints(deps: Deps, caller: Caller) {
  return (await repo.listEndpoints(deps.db, caller.workspaceId, caller.mode)).map(toEndpoint);
}

async function requireEndpoint(deps: Deps, caller: Caller, id: string) {
  const row = await repo.getEndpoint(deps.db, caller.workspaceId, id);
  if (!row || row.deleted_at || row.mode !== caller.mode)
    throw new AppError('NOT_FOUND', `There is no notification endpoint "${id}" for this ${caller.mode} key`);
  return row;
}

export async function deleteEndpoint(deps: Deps, caller: Caller, id: string) {
  const row = await requireEndpoint(deps, caller, id);
  await repo.deleteEndpoint(deps.db, caller.workspaceId, id);
  await deps.secrets.remove(caller.workspaceId, row.secret_name);
}

export async function listDeliveries(deps: Deps, caller: Caller, endpointId: string, limit: number) {
  await requireEndpoint(deps, caller, endpointId);
  const rows = await repo.listDeliveries(deps.db, caller.workspaceId, endpointId, limit);
  return rows.map((d) => ({
    id: d.id,
    notificationId: d.notification_id,
    type: d.type,
    runId: d.run_id,
    status: d.status as 'pending' | 'succeeded' | 'failed',
    attempts: d.attempts,
    lastError: d.last_error,
    replayOf: d.replay_of,
    createdAt: d.created_at,
    endedAt: d.ended_at,
    attemptLog: d.attemptLog.map((a) => ({ attempt: a.attempt, statusCode: a.status_code, error: a.error, durationMs: a.duration_ms, at: a.at })),
  }));
}

/** Sends a notification again to its endpoint: a new delivery of the same notification (the same `webhook-id`). */
export async function replayDelivery(deps: Deps, caller: Caller, deliveryId: string) {
  const delivery = await repo.getDelivery(deps.db, caller.workspaceId, deliveryId);
  if (!delivery) throw new AppError('NOT_FOUND', `There is no notification delivery "${deliveryId}" in this workspace`);
  await requireEndpoint(deps, caller, delivery.endpoint_id);
  if (delivery.status === 'pending') throw new AppError('CONFLICT', `Delivery ${deliveryId} is still being attempted; replay it once it succeeded or failed`);
  const id = `ndl_${crypto.randomBytes(12).toString('hex')}`;
  await repo.insertDelivery(deps.db, {
    id,
    workspaceId: caller.workspaceId,
    notificationId: delivery.notification_id,
    endpointId: delivery.endpoint_id,
    replayOf: deliveryId,
  });
  const input: DeliverNotificationInput = { deliveryId: id, workspaceId: caller.workspaceId, retry: deps.notificationRetry ?? DEFAULT_NOTIFICATION_RETRY };
  await deps.temporal
    .call((client) =>
      client.workflow.start(DELIVER_NOTIFICATION_WORKFLOW, {
        taskQueue: deps.temporal.taskQueue,
        workflowId: notificationWorkflowId(id),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      }),
    )
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
  return { deliveryId: id, replayOf: deliveryId, notificationId: delivery.notification_id };
}

/**
 * Refuses a URL that would reach a private, loopback, link-local or metadata address (unless SWITCHYARD_HTTP_ALLOW
 * names it), or that does not resolve. The worker's guarded client checks again at every attempt.
 */
async function requireDeliverableUrl(url: string, allow: string[]): Promise<void> {
  const parsed = new URL(url);
  if (parsed.username || parsed.password)
    throw new AppError('VALIDATION_FAILED', 'A notification URL cannot carry a user name or password; the signature authenticates Switchyard');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (allow.some((a) => a.toLowerCase() === host)) return;
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await withTimeout(dns.lookup(host, { all: true }), DNS_TIMEOUT_MS)).map((a) => a.address);
  } catch {
    throw new AppError('VALIDATION_FAILED', `The notification URL's host "${host}" does not resolve; check the URL`);
  }
  for (const ip of addresses) {
    const { blocked, range } = classifyAddress(ip);
    if (blocked && !inAllowList(ip, allow))
      throw new AppError(
        'VALIDATION_FAILED',
        `The notification URL ${parsed.origin} reaches ${ip}, a ${range} address: notifications go to public addresses only. Use your app's public URL (or, for a self-hosted setup that needs it, add "${host}" to SWITCHYARD_HTTP_ALLOW).`,
        { address: ip, range },
      );
  }
}

const DNS_TIMEOUT_MS = 3_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('DNS lookup timed out')), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function inAllowList(ip: string, allow: string[]): boolean {
  const address = ipaddr.process(ip);
  return allow.some((entry) => {
    try {
      if (entry.includes('/')) {
        const [range, bits] = ipaddr.parseCIDR(entry);
        return range.kind() === address.kind() && address.match(range, bits);
      }
      return net.isIP(entry) !== 0 && ipaddr.process(entry).toString() === address.toString();
    } catch {
      return false;
    }
  });
}
