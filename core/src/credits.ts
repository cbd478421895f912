/**
 * Integration credits: plans, their monthly allowances and the names the worker, the interpreter and the
 * server share. Pure: no I/O, safe to import from workflow code (it holds no zod or catalog values).
 *
 * 1 API request = 1 credit unless the action declares a fixed price (`credits`) or prices itself by
 * usage (AI actions, by tokens); see core/src/catalog-sdk.ts `ActionDefinition.credits`.
 */

export const Plans = ['free', 'builder', 'pro'] as const;
export type Plan = (typeof Plans)[number];

export interface PlanInfo {
  title: string;
  /** Credits granted at the start of each monthly period; unused ones expire at the next reset. */
  monthlyCredits: number;
  /** Whether flows may use integrations (any action that calls an outside service). */
  integrations: boolean;
  /** Whether flows may run on a schedule (docs/schedules.md). */
  schedules: boolean;
}

export const PlanInfos: Readonly<Record<Plan, PlanInfo>> = {
  free: { title: 'Free', monthlyCredits: 0, integrations: false, schedules: false },
  builder: { title: 'Builder', monthlyCredits: 10_000, integrations: true, schedules: true },
  pro: { title: 'Pro', monthlyCredits: 50_000, integrations: true, schedules: true },
};

/**
 * The plan of a workspace that has no credit account yet, unless `SWITCHYARD_DEFAULT_PLAN` says otherwise. A
 * self-hosted install is single-tenant and starts on Builder, so a fresh `npm start` can run integrations; a
 * hosted setup sets `free` and moves paying workspaces up with the admin API.
 */
export const DEFAULT_PLAN: Plan = 'builder';

/** The monthly period a moment falls in, in UTC: `2026-11`. */
export function creditPeriod(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The failure type of an activity that could not pay for its next request; the interpreter pauses the node. */
export const CREDITS_EXHAUSTED = 'CreditsExhausted';
/** The failure type of an integration used on a plan without integrations (non-retryable; the node fails or parks). */
export const PLAN_REQUIRED = 'PlanRequired';

/** What a CreditsExhausted failure carries in its details. */
export interface CreditsExhaustedDetails {
  attempt: number;
  balance: number;
  needed: number;
}

/**
 * The ledger key of one charge: namespace/workflowId/runId/activityId/attempt/requestIndex. A retry has
 * another attempt and a replay runs no activity, so neither can write the same key twice; a key that
 * exists is never charged again.
 */
export function chargeKey(k: { namespace: string; workflowId: string; runId: string; activityId: string; attempt: number; request: number | 'usage' }): string {
  return `${k.namespace}/${k.workflowId}/${k.runId}/${k.activityId}/${k.attempt}/${k.request}`;
}

/** The message of a Free-plan refusal, naming the plan and the integrations. */
export function planRequiredMessage(integrations: string[], where?: string): string {
  return `Builder plan required: ${integrations.join(', ')} ${integrations.length === 1 ? 'is an integration' : 'are integrations'}${where ? ` (${where})` : ''}, and the Free plan includes none. Upgrade the workspace to Builder or Pro to use ${integrations.length === 1 ? 'it' : 'them'}.`;
}

/** The Temporal schedule that resets allowances on the 1st of each month (UTC), created idempotently by the worker. */
export const CREDITS_RESET_SCHEDULE_ID = 'switchyard-credits-monthly-reset';
export const CREDITS_RESET_WORKFLOW = 'creditsMonthlyReset';
export const GRANT_ALLOWANCES_ACTIVITY = 'switchyard.grantMonthlyAllowances';
/** Local activity the interpreter calls after pausing for credits: the workspace's balance now (credits added meanwhile?). */
export const CREDITS_BALANCE_ACTIVITY = 'switchyard.creditsBalance';
/** How long a node waits for credits before it checks again by itself (a safety net: adding credits signals the run). */
export const CREDITS_RECHECK_MS = 60 * 60_000;
/** The patch after which the monthly reset signals runs waiting for credits (resets recorded before it do not). */
export const CREDITS_RESET_RESUME_PATCH = 'credits-reset-resume-v1';
/** The patch after which a node waiting for credits gives up after the run's `giveUpAfter`, like a parked node. */
export const CREDITS_GIVE_UP_PATCH = 'credits-give-up-v1';
