import { condition, proxyLocalActivities } from '@temporalio/workflow';
import { durationMs } from '#core/graph';
import { CONNECTION_STATUS_ACTIVITY, RECONNECT_RECHECK_MS, type NodeError, type NodeRunState } from '#core/run';
import type { ConnectionStatusActivity } from '../../../activities/connection-status';
import { NodeFailed } from '../errors';
import { LOCAL, type RunContext } from '../run-context';
import { liveRunStatus } from '../scheduler';

/**
 * The node's OAuth connection needs a person to sign in again: nothing failed. The node (and the run, unless a node
 * is parked or waits for credits) shows "waiting for reconnect" until the connection is reconnected (the server
 * signals every waiting run: `connectionRestored`), then runs again as a new activity. A reconnect between the
 * failure and this wait is seen by the status check; a recheck every 10 minutes is the safety net. Gives up after
 * `giveUpAfter` (counted from its first wait), as a parked node does.
 */
export async function waitForReconnect(run: RunContext, key: string, entry: NodeRunState, error: NodeError, connectionId: string, seen: number): Promise<void> {
  Object.assign(entry, { status: 'waitingForReconnect', error });
  run.noteNode(entry);
  run.state.status = liveRunStatus(Object.values(run.state.nodes));
  if (run.options.record) await run.report(false);
  const statusNow = proxyLocalActivities<{ [CONNECTION_STATUS_ACTIVITY]: ConnectionStatusActivity }>(LOCAL)[CONNECTION_STATUS_ACTIVITY];
  const since = run.reconnectWaitSince.get(key) ?? Date.now();
  run.reconnectWaitSince.set(key, since);
  const limitMs = durationMs(run.giveUpAfter as `${number}d`);
  const { workspaceId, mode } = run.options;
  const healthy = async () => (await statusNow({ workspaceId, connectionId, mode })) === 'connected';
  const signalled = () => (run.reconnects.get(connectionId) ?? 0) > seen;
  while (!signalled() && !(await healthy())) {
    const left = since + limitMs - Date.now();
    if (left <= 0) throw new NodeFailed(key, { message: `Nobody reconnected ${connectionId} within ${run.giveUpAfter}: ${error.message}`, type: 'GaveUp' });
    await condition(signalled, Math.max(1, Math.min(RECONNECT_RECHECK_MS, left)));
  }
  run.reconnectWaits.set(key, (run.reconnectWaits.get(key) ?? 0) + 1);
  Object.assign(entry, { status: 'running' });
  run.noteNode(entry);
  delete entry.error;
  run.state.status = liveRunStatus(Object.values(run.state.nodes));
  if (run.options.record) await run.report(false);
}
