import { resetAllowances } from '../../../store/src/credits.repository';
import type { Db } from '../../../store/src/database';

export type GrantAllowancesActivity = (input: { period: string }) => Promise<{ granted: number }>;

/** Grants every workspace its plan's allowance for `period` (idempotent by period: a second call grants nothing). */
export function createGrantAllowancesActivity(db: Db): GrantAllowancesActivity {
  return async ({ period }) => ({ granted: await resetAllowances(db, period) });
}
