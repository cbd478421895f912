import { condition, patched, proxyLocalActivities } from '@temporalio/workflow';
import { CREDITS_BALANCE_ACTIVITY, CREDITS_GIVE_UP_PATCH, CREDITS_RECHECK_MS } from '#core/credits';
import { durationMs } from '#core/graph';
import type { NodeError, NodeRunState } from '#core/run';
import type { CreditsBalanceActivity } from '../../../credits/reset';
import { NodeFailed } from '../errors';
import { LOCAL, type RunContext } from '../run-context';
import { liveRunStatus } from '../scheduler';

/**
 * The workspace could not pay for the node's next request: nothing was sent and nothing failed. The node (and the
 * run, unless a node is parked) shows "waiting for credits" until credits are added (the server signals every
 * waiting run: `creditsAdded`), then runs again as a new activity. Credits added between the refusal and the report
 * are seen by the balance check; a recheck every hour is the safety net. Gives up after `giveUpAfter`.
 */
export async function waitForCredits(run: RunContext, key: string, entry: NodeRunState, error: NodeError, needed: number, seen: number): Promise<void> {
  Object.assign(entry, { status: 'waitingForCredits', error });
  run.noteNode(entry);
  if (run.state.status !== 'parked') run.state.status = 'waitingForCredits';
  if (run.options.record) await run.report(false);
  const balanceNow = proxyLocalActivities<{ [CREDITS_BALANCE_ACTIVITY]: CreditsBalanceActivity }>(LOCAL)[CREDITS_BALANCE_ACTIVITY];
  // Like a parked node, a node gives up after giveUpAfter without credits (counted from its first wait). Runs
  // recorded before this patch keep rechecking every hour forever, so their histories still replay.
  const givesUp = patched(CREDITS_GIVE_UP_PATCH);
  const since = run.creditWaitSince.get(key) ?? Date.now();
  run.creditWaitSince.set(key, since);
  const limitMs = durationMs(run.giveUpAfter as `${number}d`);
  const { workspaceId } = run.options;
  if ((await balanceNow({ workspaceId })) < needed) {
    const waitMs = givesUp ? Math.max(1, Math.min(CREDITS_RECHECK_MS, since + limitMs - Date.now())) : CREDITS_RECHECK_MS;
    const added = await condition(() => run.creditsAdded > seen, waitMs);
    if (givesUp && !added && Date.now() - since >= limitMs && (await balanceNow({ workspaceId })) < needed) {
      throw new NodeFailed(key, { message: `Nobody added credits within ${run.giveUpAfter}: ${error.message}`, type: 'GaveUp' });
    }
  }
  run.creditWaits.set(key, (run.creditWaits.get(key) ?? 0) + 1);
  Object.assign(entry, { status: 'running' });
  run.noteNode(entry);
  delete entry.error;
  run.state.status = liveRunStatus(Object.values(run.state.nodes));
  if (run.options.record) await run.report(false);
}
