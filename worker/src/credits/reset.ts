import { ensureAccount, resetAllowances } from '#store/credits.repository';
import type { Db } from '#store/database';
import { runsWaitingForCredits } from '#store/runs.repository';

export type GrantAllowancesActivity = (input: { period: string }) => Promise<{ granted: number; waiting?: string[] }>;

/** The most waiting runs one reset resumes; the others recheck their balance by themselves (CREDITS_RECHECK_MS). */
export const MAX_RESUMED_BY_RESET = 1000;

/**
 * Grants every workspace its plan's allowance for `period` (idempotent by period: a second call grants nothing),
 * and returns the workflow ids of runs waiting for credits in workspaces that now have some, for the reset
 * workflow to signal.
 */
export function createGrantAllowancesActivity(db: Db): GrantAllowancesActivity {
  return async ({ period }) => {
    const granted = await resetAllowances(db, period);
    const waiting = await runsWaitingForCredits(db, { funded: true, limit: MAX_RESUMED_BY_RESET });
    return { granted, waiting: waiting.map((r) => r.workflowId) };
  };
}

export type CreditsBalanceActivity = (input: { workspaceId: string }) => Promise<number>;

/** The workspace's balance (the interpreter asks after it paused for credits, in case they were added meanwhile). */
export function createCreditsBalanceActivity(db: Db): CreditsBalanceActivity {
  return async ({ workspaceId }) => (await ensureAccount(db, workspaceId)).balance;
}
