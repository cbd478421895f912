import { ensureAccount, resetAllowances } from '../../../store/src/credits.repository';
import type { Db } from '../../../store/src/database';

export type GrantAllowancesActivity = (input: { period: string }) => Promise<{ granted: number }>;

/** Grants every workspace its plan's allowance for `period` (idempotent by period: a second call grants nothing). */
export function createGrantAllowancesActivity(db: Db): GrantAllowancesActivity {
  return async ({ period }) => ({ granted: await resetAllowances(db, period) });
}

export type CreditsBalanceActivity = (input: { workspaceId: string }) => Promise<number>;

/** The workspace's balance (the interpreter asks after it paused for credits, in case they were added meanwhile). */
export function createCreditsBalanceActivity(db: Db): CreditsBalanceActivity {
  return async ({ workspaceId }) => (await ensureAccount(db, workspaceId)).balance;
}
