import type { CatalogIndex } from '#core/catalog-sdk';
import { PlanInfos, type Plan } from '#core/credits';
import { AppError } from '#core/errors';
import { walkNodes, type FlowSnapshot } from '#core/flow';
import { needsPlanCheck, planProblemsFor } from '#core/run-admission';
import { RunSignals } from '#core/run';
import type { FlowProblem } from '#core/validate';
import * as credits from '#store/credits.repository';
import type { Db } from '#store/database';
import { runsWaitingForCredits } from '#store/runs.repository';
import type { TemporalAccess } from '../temporal';

/**
 * Publish problems of the workspace's plan: Free has no integrations (one problem naming the plan and every
 * integration node) and no schedules. The rule is core's (run-admission.ts); the plan is read only when it matters.
 */
export async function planProblems(db: Db, workspaceId: string, snapshot: FlowSnapshot, catalog: CatalogIndex): Promise<FlowProblem[]> {
  if (!needsPlanCheck(snapshot, catalog)) return [];
  const account = await credits.ensureAccount(db, workspaceId);
  return planProblemsFor(account.plan, snapshot, catalog);
}

/** Refuses to start a run that uses integrations on a plan without them (a version published before a downgrade). */
export async function requirePlanForRun(db: Db, workspaceId: string, snapshot: FlowSnapshot, catalog: CatalogIndex): Promise<void> {
  const problems = await planProblems(db, workspaceId, snapshot, catalog);
  if (problems.length > 0) throw new AppError('PAYMENT_REQUIRED', problems[0]!.message, { problems });
}

export function presentAccount(account: credits.CreditAccount) {
  const plan = PlanInfos[account.plan];
  return {
    plan: account.plan,
    planTitle: plan.title,
    integrations: plan.integrations,
    monthlyCredits: plan.monthlyCredits,
    period: account.period,
    balance: account.balance,
    allowanceBalance: account.allowanceBalance,
    topupBalance: account.topupBalance,
    plans: Object.entries(PlanInfos).map(([key, p]) => ({ key, ...p })),
  };
}

/** The most runs one grant signals; a run beyond it rechecks its balance by itself (CREDITS_RECHECK_MS). */
export const MAX_RESUMED_RUNS = 1000;

/**
 * Signals every run of the workspace with a node waiting for credits, so it runs that node again: runs shown as
 * waiting for credits, and parked runs (a node waits for a retry decision) whose stored state has another node
 * waiting for credits. A run parked only for a decision is left alone. A run that reports "waiting" just after
 * this sweep checks the balance itself, so none is left behind. Returns how many runs were signalled.
 */
export async function resumeWaitingRuns(db: Db, temporal: TemporalAccess, workspaceId: string): Promise<number> {
  const waiting = await runsWaitingForCredits(db, { workspaceId, limit: MAX_RESUMED_RUNS });
  let signalled = 0;
  for (const run of waiting) {
    try {
      await temporal.call((client) => client.workflow.getHandle(run.workflowId).signal(RunSignals.creditsAdded));
      signalled++;
    } catch {
      // The run ended meanwhile; nothing to resume.
    }
  }
  return signalled;
}

/**
 * A cost estimate for one run of a flow, before publishing: per action node its price (fixed, per request, or by
 * tokens), assuming every step runs. A forEach multiplies its body by its item count: known from `itemCounts` (the
 * sample data's items, see checkPublish), else counted once.
 */
export function estimateFlow(snapshot: FlowSnapshot, catalog: CatalogIndex, itemCounts: ReadonlyMap<string, number> = new Map()) {
  const nodes = [];
  let min = 0;
  let perRequest = 0;
  let usage = 0;
  let unknownLoops = false;
  let codeSteps = 0;
  const parentOf = new Map<string, string>();
  for (const { node, parent } of walkNodes(snapshot)) if (parent && !parentOf.has(node.id)) parentOf.set(node.id, parent.id);
  // Times a node runs in one run: the product of its enclosing loops' item counts (1 where not known). A draft may
  // repeat ids (a problem of its own): the walk up stops at an id it has seen, so it always ends.
  const timesOf = (id: string): { times: number; known: boolean } => {
    let times = 1;
    let known = true;
    const seen = new Set([id]);
    for (let p = parentOf.get(id); p !== undefined && !seen.has(p); p = parentOf.get(p)) {
      seen.add(p);
      const count = itemCounts.get(p);
      if (count === undefined) known = false;
      else times *= count;
    }
    return { times, known };
  };
  for (const { node, parent } of walkNodes(snapshot)) {
    if (node.type === 'code') codeSteps++;
    if (node.type !== 'action') continue;
    const info = catalog.getAction(node.action);
    const pricing = info?.pricing ?? { kind: 'perRequest' as const, credits: 1 };
    const credits = pricing.kind === 'free' ? 0 : pricing.kind === 'fixed' ? (pricing.credits ?? 1) : 1;
    const { times, known } = timesOf(node.id);
    if (!known) unknownLoops = true;
    min += credits * times;
    if (pricing.kind === 'perRequest') perRequest++;
    if (pricing.kind === 'usage') usage++;
    nodes.push({
      nodeId: node.id,
      action: node.action,
      pricing: pricing.kind,
      credits,
      ...(parent ? { perItemOf: parent.id, ...(known ? { times } : {}) } : {}),
    });
  }
  const notes: string[] = [];
  if (perRequest > 0)
    notes.push('1 credit per API request: the estimate counts one request per action and every step running; retries that send a request cost again');
  if (usage > 0) notes.push('AI actions are charged by the tokens they use (at least 1 credit per call)');
  if (unknownLoops) notes.push('nodes inside a forEach cost once per item: pin sample data to count its items');
  else if (parentOf.size > 0) notes.push('forEach items counted from the sample data');
  if (codeSteps > 0) notes.push('code steps cost 1 credit per ctx.fetch request they make, which the estimate cannot count');
  return { credits: min, nodes, notes };
}

export async function requireWorkspace(db: Db, workspaceId: string): Promise<void> {
  const row = await db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `There is no workspace "${workspaceId}"`);
}

export type { Plan };

/** The workspace's plan and balance (its account is opened on first use). */
export async function accountOf(db: Db, workspaceId: string) {
  return presentAccount(await credits.ensureAccount(db, workspaceId));
}

/** Credits used, by day, integration, flow and run, with the balance; a test key sees test usage only. */
export async function usageOf(db: Db, caller: { workspaceId: string; mode: 'live' | 'test' }, range: credits.UsageFilter) {
  const account = await credits.ensureAccount(db, caller.workspaceId);
  const filter = { ...range, ...(caller.mode === 'test' ? { mode: 'test' as const } : {}) };
  return { balance: account.balance, plan: account.plan, ...(await credits.usage(db, caller.workspaceId, filter)) };
}

/** What one run of a flow's draft costs, the balance, and what would refuse its publishing (`problems`, given). */
export async function estimateDraft(
  db: Db,
  catalog: CatalogIndex,
  workspaceId: string,
  snapshot: FlowSnapshot,
  problems: FlowProblem[],
  itemCounts?: ReadonlyMap<string, number>,
) {
  const account = await credits.ensureAccount(db, workspaceId);
  return { ...estimateFlow(snapshot, catalog, itemCounts), balance: account.balance, plan: account.plan, problems };
}

/** Admin: changes a workspace's plan; runs waiting for credits resume when the new plan funds them. */
export async function changeWorkspacePlan(db: Db, temporal: TemporalAccess, workspaceId: string, plan: Plan) {
  await requireWorkspace(db, workspaceId);
  const account = await credits.changePlan(db, workspaceId, plan);
  const resumed = account.balance > 0 ? await resumeWaitingRuns(db, temporal, workspaceId) : 0;
  return { ...presentAccount(account), resumedRuns: resumed };
}

/** Admin: adds credits (a top-up) or removes some (a negative correction); runs waiting for credits resume. */
export async function addWorkspaceCredits(db: Db, temporal: TemporalAccess, workspaceId: string, o: { credits: number; note?: string | undefined }) {
  await requireWorkspace(db, workspaceId);
  const account = await credits.addCredits(db, {
    workspaceId,
    amount: o.credits,
    kind: o.credits > 0 ? 'topup' : 'adjustment',
    ...(o.note !== undefined ? { note: o.note } : {}),
  });
  const resumed = o.credits > 0 ? await resumeWaitingRuns(db, temporal, workspaceId) : 0;
  return { ...presentAccount(account), resumedRuns: resumed };
}
