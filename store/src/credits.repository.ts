import crypto from 'node:crypto';
import { sql } from 'kysely';
import { creditPeriod, DEFAULT_PLAN, PlanInfos, type Plan } from '#core/credits';
import type { Database, Db } from './database';
import { forUpdateOn, nowIso } from './database';

/**
 * The credits ledger and balances. Every grant and charge is a ledger row with a unique id; the account
 * row holds the balance in two buckets (the monthly allowance, which expires at the reset, and top-ups,
 * which do not; charges use the allowance first). A charge inserts its row and debits the account in one
 * transaction, so a key that exists is never charged twice and the balance never goes below zero
 * (except by a usage charge after the fact, at most one request's worth).
 */

export type CreditAccount = { workspaceId: string; plan: Plan; balance: number; allowanceBalance: number; topupBalance: number; period: string };

type AccountRow = Database['credit_accounts'];

function toAccount(row: AccountRow): CreditAccount {
  return {
    workspaceId: row.workspace_id,
    plan: row.plan as Plan,
    balance: row.allowance_balance + row.topup_balance,
    allowanceBalance: row.allowance_balance,
    topupBalance: row.topup_balance,
    period: row.period,
  };
}

/**
 * Records the plan new accounts start on (`SWITCHYARD_DEFAULT_PLAN`) in the database, where the server and the worker
 * (both open accounts on first use) read it: one truth, not one per process. Both write it at start.
 */
export async function setDefaultPlan(db: Db, plan: Plan): Promise<void> {
  await db
    .insertInto('system_settings')
    .values({ key: 'default_plan', value: plan, updated_at: nowIso() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: plan, updated_at: nowIso() }))
    .execute();
}

/** The plan new accounts start on: what setDefaultPlan recorded, else core's DEFAULT_PLAN. */
async function defaultPlanOf(db: Db): Promise<Plan> {
  const row = await db.selectFrom('system_settings').select('value').where('key', '=', 'default_plan').executeTakeFirst();
  return (row?.value as Plan | undefined) ?? DEFAULT_PLAN;
}

/** Creates the account inside `trx` (the given plan, this period's allowance granted) unless it exists. */
async function createAccountIn(trx: Db, workspaceId: string, o: { plan: Plan; credits?: number; at?: Date }): Promise<void> {
  const plan = o.plan;
  const period = creditPeriod(o.at ?? new Date());
  const credits = o.credits ?? PlanInfos[plan].monthlyCredits;
  const now = nowIso();
  const inserted = await trx
    .insertInto('credit_accounts')
    .values({ workspace_id: workspaceId, plan, allowance_balance: credits, topup_balance: 0, period, updated_at: now })
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return;
  await trx
    .insertInto('credit_ledger')
    .values(grantRow(`allowance:${workspaceId}:${period}`, workspaceId, 'allowance', credits, `${PlanInfos[plan].title} plan, ${period}`))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

function grantRow(id: string, workspaceId: string, kind: string, amount: number, note: string | null) {
  return {
    id,
    workspace_id: workspaceId,
    kind,
    mode: 'live',
    amount,
    credits: Math.abs(amount),
    integration: null,
    action: null,
    workflow_id: null,
    temporal_run_id: null,
    activity_id: null,
    attempt: null,
    request_index: null,
    node_key: null,
    note,
    created_at: nowIso(),
    from_topup: null,
  };
}

/** The workspace's account, opened on first use with the default plan and this period's allowance. */
export async function ensureAccount(db: Db, workspaceId: string): Promise<CreditAccount> {
  const row = await db.selectFrom('credit_accounts').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (row) return toAccount(row);
  const plan = await defaultPlanOf(db);
  await db.transaction().execute((trx) => createAccountIn(trx, workspaceId, { plan }));
  return toAccount(await db.selectFrom('credit_accounts').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow());
}

/** Opens an account with a given plan and opening allowance (tests, bootstrap); an existing account is kept. */
export async function openAccount(db: Db, o: { workspaceId: string; plan: Plan; credits?: number }): Promise<CreditAccount> {
  await db.transaction().execute((trx) => createAccountIn(trx, o.workspaceId, o));
  return ensureAccount(db, o.workspaceId);
}

export interface Charge {
  /** The ledger key (core/src/credits.ts chargeKey). */
  id: string;
  workspaceId: string;
  mode: 'live' | 'test';
  /** The list price; test mode records it with amount 0. */
  credits: number;
  /** A usage charge after the fact may take the balance below zero; a request charge never does. */
  overdraft?: boolean;
  integration: string;
  action: string;
  workflowId: string;
  temporalRunId: string;
  activityId: string;
  attempt: number;
  requestIndex: number | null;
  nodeKey: string;
}

export type ChargeResult =
  | { status: 'charged' }
  /** The key was charged before (a replayed or re-delivered attempt): not charged again, the request may go. */
  | { status: 'duplicate' }
  | { status: 'exhausted'; balance: number }
  | { status: 'planRequired'; plan: Plan };

/**
 * Charges one request (or a usage adjustment) under its unique key: the ledger row and the debit commit
 * together or not at all. The key is the ledger's primary key (`on conflict do nothing`: one charge per key);
 * the debit is one `update … where balance >= price`, which PostgreSQL re-checks on the newest row after
 * waiting for a concurrent writer, so two concurrent charges can never both spend the same credit. SQLite
 * serialises writers; on PostgreSQL the account row is locked first (`select … for update`), so the split
 * between the two buckets (`from_topup`) is read from the balance this charge debits.
 */
export async function charge(db: Db, c: Charge): Promise<ChargeResult> {
  return db.transaction().execute(async (trx): Promise<ChargeResult> => {
    if (c.mode === 'live') await forUpdateOn(trx, trx.selectFrom('credit_accounts').select('workspace_id').where('workspace_id', '=', c.workspaceId)).execute();
    const inserted = await trx
      .insertInto('credit_ledger')
      .values({
        id: c.id,
        workspace_id: c.workspaceId,
        kind: 'charge',
        mode: c.mode,
        amount: c.mode === 'test' ? 0 : -c.credits,
        credits: c.credits,
        integration: c.integration,
        action: c.action,
        workflow_id: c.workflowId,
        temporal_run_id: c.temporalRunId,
        activity_id: c.activityId,
        attempt: c.attempt,
        request_index: c.requestIndex,
        node_key: c.nodeKey,
        note: null,
        created_at: nowIso(),
        // What the top-up bucket pays of it (the allowance is spent first), read under the write lock this insert holds.
        from_topup:
          c.mode === 'live'
            ? sql<
                number | null
              >`(select case when ${c.credits} > allowance_balance then ${c.credits} - allowance_balance else 0 end from credit_accounts where workspace_id = ${c.workspaceId})`
            : null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { status: 'duplicate' };
    const refuse = async (): Promise<ChargeResult> => {
      let row = await trx.selectFrom('credit_accounts').selectAll().where('workspace_id', '=', c.workspaceId).executeTakeFirst();
      if (!row) {
        // Only an account's first charge reads the default plan (the hot path reads nothing more).
        await createAccountIn(trx, c.workspaceId, { plan: await defaultPlanOf(trx) });
        row = await trx.selectFrom('credit_accounts').selectAll().where('workspace_id', '=', c.workspaceId).executeTakeFirstOrThrow();
        await trx
          .updateTable('credit_ledger')
          .set({ from_topup: Math.max(0, c.credits - row.allowance_balance) })
          .where('id', '=', c.id)
          .execute();
      }
      const account = toAccount(row);
      if (!PlanInfos[account.plan].integrations) return { status: 'planRequired', plan: account.plan };
      if (c.mode === 'test' || c.credits === 0) return { status: 'charged' };
      return (await debit()) ? { status: 'charged' } : { status: 'exhausted', balance: account.balance };
    };
    const debit = async (): Promise<boolean> => {
      const p = c.credits;
      let q = trx
        .updateTable('credit_accounts')
        .set({
          allowance_balance: sql<number>`case when allowance_balance >= ${p} then allowance_balance - ${p} else 0 end`,
          topup_balance: sql<number>`case when allowance_balance >= ${p} then topup_balance else topup_balance - (${p} - allowance_balance) end`,
          updated_at: nowIso(),
        })
        .where('workspace_id', '=', c.workspaceId);
      // A negative charge gives credits back (a usage-priced call settled below its reservation): never refused.
      if (p > 0) q = q.where('plan', '!=', 'free');
      if (!c.overdraft && p > 0) q = q.where(sql<number>`allowance_balance + topup_balance`, '>=', p);
      const updated = await q.executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0;
    };
    let result: ChargeResult;
    if (c.mode === 'live' && c.credits !== 0 && (await debit())) result = { status: 'charged' };
    else result = await refuse();
    // A refused charge leaves no row: the request is not sent, the attempt costs nothing.
    if (result.status !== 'charged') await trx.deleteFrom('credit_ledger').where('id', '=', c.id).execute();
    return result;
  });
}

/** A charge row (of the table or alias `ledger`) that has not been refunded: only such rows count as usage. */
const notRefunded = (ledger: string) =>
  sql<boolean>`not exists (select 1 from credit_ledger refunds where refunds.id = ${sql.ref(`${ledger}.id`)} || '/refund')`;

/** The ledger key of the refund of charge `chargeId`. */
export const refundKey = (chargeId: string): string => `${chargeId}/refund`;

/**
 * Refunds a charge whose request never reached the provider (refused by the address guard, DNS failure, connection
 * refused, connect timeout, aborted before dispatch): a `refund` row keyed `<chargeKey>/refund` with the opposite
 * amount, and the credits back in the bucket they came from (allowance credits only within the charge's period; they
 * would have expired since). Idempotent by key; usage, run costs and the reconciliation count a refunded charge as
 * no charge. Returns whether this call refunded it.
 */
export async function refundCharge(db: Db, chargeId: string, note = 'Request never reached the provider'): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Insert first (a write takes the lock before anything is read; see lockAccount).
    const inserted = await trx
      .insertInto('credit_ledger')
      .columns([
        'id',
        'workspace_id',
        'kind',
        'mode',
        'amount',
        'credits',
        'integration',
        'action',
        'workflow_id',
        'temporal_run_id',
        'activity_id',
        'attempt',
        'request_index',
        'node_key',
        'note',
        'created_at',
        'from_topup',
      ])
      .expression((eb) =>
        eb
          .selectFrom('credit_ledger')
          .select([
            sql<string>`id || '/refund'`.as('id'),
            'workspace_id',
            sql<string>`'refund'`.as('kind'),
            'mode',
            sql<number>`-amount`.as('amount'),
            'credits',
            'integration',
            'action',
            'workflow_id',
            'temporal_run_id',
            'activity_id',
            'attempt',
            'request_index',
            'node_key',
            sql<string>`${note}`.as('note'),
            sql<string>`${nowIso()}`.as('created_at'),
            'from_topup',
          ])
          .where('id', '=', chargeId)
          .where('kind', '=', 'charge'),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    const charged = await trx.selectFrom('credit_ledger').selectAll().where('id', '=', chargeId).executeTakeFirstOrThrow();
    const paid = -charged.amount;
    if (paid > 0) {
      const topup = Math.min(paid, charged.from_topup ?? 0);
      const allowance = paid - topup;
      const period = charged.created_at.slice(0, 7);
      await trx
        .updateTable('credit_accounts')
        .set({
          topup_balance: sql<number>`topup_balance + ${topup}`,
          allowance_balance: sql<number>`allowance_balance + case when period = ${period} then ${allowance} else 0 end`,
          updated_at: nowIso(),
        })
        .where('workspace_id', '=', charged.workspace_id)
        .execute();
    }
    return true;
  });
}

/**
 * What a stopped worker's send journal says of a charge of an attempt it never finished: its request never left
 * (the charge was refunded), left (`sent`), or was being written when the worker was killed (`uncertain`).
 */
export type SendVerdict = 'never_sent' | 'sent' | 'uncertain';

/** Records the verdicts of a send-journal recovery (idempotent: a verdict once recorded stays). */
export async function recordSendChecks(db: Db, checks: { chargeId: string; verdict: SendVerdict }[]): Promise<void> {
  for (let i = 0; i < checks.length; i += 200) {
    const rows = checks.slice(i, i + 200).map((c) => ({ charge_id: c.chargeId, verdict: c.verdict, checked_at: nowIso() }));
    await db
      .insertInto('credit_send_checks')
      .values(rows)
      .onConflict((oc) => oc.column('charge_id').doNothing())
      .execute();
  }
}

/** The recorded verdicts of these charges (charges with none are absent). */
export async function sendChecksOf(db: Db, chargeIds: string[]): Promise<Map<string, SendVerdict>> {
  const verdicts = new Map<string, SendVerdict>();
  for (let i = 0; i < chargeIds.length; i += 500) {
    const rows = await db
      .selectFrom('credit_send_checks')
      .select(['charge_id', 'verdict'])
      .where('charge_id', 'in', chargeIds.slice(i, i + 500))
      .execute();
    for (const r of rows) verdicts.set(r.charge_id, r.verdict as SendVerdict);
  }
  return verdicts;
}

/** Charges of these workflows that a send-journal recovery refunded because their request never left. */
export async function neverSentChargesOf(db: Db, workflowIds: string[]) {
  const rows = [];
  for (let i = 0; i < workflowIds.length; i += 500) {
    rows.push(
      ...(await db
        .selectFrom('credit_send_checks')
        .innerJoin('credit_ledger', 'credit_ledger.id', 'credit_send_checks.charge_id')
        .select(['credit_ledger.id', 'credit_ledger.workflow_id', 'credit_ledger.temporal_run_id'])
        .where('credit_send_checks.verdict', '=', 'never_sent')
        .where('credit_ledger.workflow_id', 'in', workflowIds.slice(i, i + 500))
        .execute()),
    );
  }
  return rows;
}

/** Adds (or, for an admin correction, removes) credits that do not expire; returns the account after. */
export async function addCredits(db: Db, o: { workspaceId: string; amount: number; kind: 'topup' | 'adjustment'; note?: string }): Promise<CreditAccount> {
  await ensureAccount(db, o.workspaceId);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('credit_ledger')
      .values(grantRow(`${o.kind}:${crypto.randomUUID()}`, o.workspaceId, o.kind, o.amount, o.note ?? null))
      .execute();
    await trx
      .updateTable('credit_accounts')
      .set({ topup_balance: sql<number>`topup_balance + ${o.amount}`, updated_at: nowIso() })
      .where('workspace_id', '=', o.workspaceId)
      .execute();
  });
  return ensureAccount(db, o.workspaceId);
}

/**
 * Changes the plan. An upgrade grants the difference between the new plan's allowance and what this
 * period already granted (so Free → Builder can run at once); a downgrade takes nothing back.
 */
export async function changePlan(db: Db, workspaceId: string, plan: Plan, at = new Date()): Promise<CreditAccount> {
  await ensureAccount(db, workspaceId);
  const period = creditPeriod(at);
  const prefix = `allowance:${workspaceId}:${period}`;
  await db.transaction().execute(async (trx) => {
    await lockAccount(trx, workspaceId);
    const granted = await trx
      .selectFrom('credit_ledger')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', 'allowance')
      // A prefix compare, not `like`: ids may contain `_` and `%`.
      .where((eb) => eb(eb.fn('substr', ['id', eb.val(1), eb.val(prefix.length)]), '=', prefix))
      .executeTakeFirst();
    const extra = Math.max(0, PlanInfos[plan].monthlyCredits - Number(granted?.total ?? 0));
    if (extra > 0) {
      await trx
        .insertInto('credit_ledger')
        .values(
          grantRow(
            `allowance:${workspaceId}:${period}:${plan}:${crypto.randomUUID()}`,
            workspaceId,
            'allowance',
            extra,
            `Upgrade to ${PlanInfos[plan].title}, ${period}`,
          ),
        )
        .execute();
    }
    await trx
      .updateTable('credit_accounts')
      .set({ plan, allowance_balance: sql<number>`allowance_balance + ${extra}`, updated_at: nowIso() })
      .where('workspace_id', '=', workspaceId)
      .execute();
  });
  return ensureAccount(db, workspaceId);
}

/**
 * The monthly reset for `period`: every workspace's unused allowance expires and its plan's allowance is
 * granted. Idempotent by period: the grant's ledger id is `allowance:<workspace>:<period>`, so a second
 * run (a schedule that fires twice, a retried activity) grants nothing. Returns how many were granted.
 */
export async function resetAllowances(db: Db, period: string): Promise<number> {
  const workspaces = await db.selectFrom('workspaces').select('id').execute();
  const accounts = await db.selectFrom('credit_accounts').select('workspace_id').execute();
  const ids = new Set([...workspaces.map((w) => w.id), ...accounts.map((a) => a.workspace_id)]);
  let granted = 0;
  for (const workspaceId of ids) {
    await ensureAccount(db, workspaceId);
    const done = await db.transaction().execute(async (trx) => {
      await lockAccount(trx, workspaceId);
      const account = toAccount(await trx.selectFrom('credit_accounts').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow());
      if (account.period >= period) return false;
      const allowance = PlanInfos[account.plan].monthlyCredits;
      const inserted = await trx
        .insertInto('credit_ledger')
        .values(grantRow(`allowance:${workspaceId}:${period}`, workspaceId, 'allowance', allowance, `${PlanInfos[account.plan].title} plan, ${period}`))
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      if (account.allowanceBalance > 0) {
        await trx
          .insertInto('credit_ledger')
          .values(grantRow(`expire:${workspaceId}:${account.period}`, workspaceId, 'expire', -account.allowanceBalance, `Unused ${account.period} allowance`))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
      await trx
        .updateTable('credit_accounts')
        .set({ allowance_balance: allowance, period, updated_at: nowIso() })
        .where('workspace_id', '=', workspaceId)
        .execute();
      return true;
    });
    if (done) granted++;
  }
  return granted;
}

/**
 * A write first, so the transaction holds the write lock before it reads: in WAL mode a transaction that reads
 * and then writes fails (SQLITE_BUSY_SNAPSHOT, no busy wait) when another process wrote in between. On
 * PostgreSQL the update locks the account's row until the transaction ends: what the transaction reads after it
 * (READ COMMITTED: every statement sees the newest commits) cannot change under it.
 */
async function lockAccount(trx: Db, workspaceId: string): Promise<void> {
  await trx.updateTable('credit_accounts').set({ updated_at: nowIso() }).where('workspace_id', '=', workspaceId).execute();
}

export interface UsageFilter {
  from?: string;
  to?: string;
  /** Only charges of this mode (a test key sees test usage only). */
  mode?: 'live' | 'test';
}

/** Charges (live and test) of a workspace in a time range, grouped by day, integration, flow and run. */
export async function usage(db: Db, workspaceId: string, f: UsageFilter) {
  let base = db
    .selectFrom('credit_ledger as l')
    .leftJoin('runs as r', (j) => j.onRef('r.workflow_id', '=', 'l.workflow_id').on('r.workspace_id', '=', workspaceId))
    .where('l.workspace_id', '=', workspaceId)
    .where('l.kind', '=', 'charge')
    .where(notRefunded('l'));
  if (f.from) base = base.where('l.created_at', '>=', f.from);
  if (f.to) base = base.where('l.created_at', '<', f.to);
  if (f.mode) base = base.where('l.mode', '=', f.mode);
  const sums = [
    sql<number>`coalesce(sum(-l.amount), 0)`.as('charged'),
    sql<number>`coalesce(sum(l.credits), 0)`.as('listCredits'),
    sql<number>`count(l.request_index)`.as('requests'),
  ] as const;
  const day = sql<string>`substr(l.created_at, 1, 10)`;
  const [byDay, byIntegration, byFlow, byRun] = await Promise.all([
    base
      .select([day.as('day'), 'l.mode', ...sums])
      .groupBy([day, 'l.mode'])
      .orderBy(day)
      .execute(),
    base
      .select(['l.integration', 'l.mode', ...sums])
      .groupBy(['l.integration', 'l.mode'])
      .orderBy('l.integration', (ob) => ob.asc().nullsFirst()) // as SQLite orders nulls; PostgreSQL would put them last
      .execute(),
    base
      .select(['r.flow_id as flowId', 'l.mode', ...sums])
      .groupBy(['r.flow_id', 'l.mode'])
      .orderBy('r.flow_id', (ob) => ob.asc().nullsFirst()) // as SQLite orders nulls; PostgreSQL would put them last
      .execute(),
    base
      .select(['r.id as runId', 'l.workflow_id as workflowId', 'r.flow_id as flowId', 'l.mode', ...sums])
      .groupBy(['l.workflow_id', 'r.id', 'r.flow_id', 'l.mode'])
      .orderBy(sql`max(l.created_at)`, 'desc')
      .limit(200)
      .execute(),
  ]);
  const num = <T extends { charged: number; listCredits: number; requests: number }>(r: T) => ({
    ...r,
    charged: Number(r.charged),
    listCredits: Number(r.listCredits),
    requests: Number(r.requests),
  });
  return { byDay: byDay.map(num), byIntegration: byIntegration.map(num), byFlow: byFlow.map(num), byRun: byRun.map(num) };
}

/** What one run cost: credits charged (live), list price of test usage, requests. */
export async function runCost(db: Db, workspaceId: string, workflowId: string) {
  const row = await db
    .selectFrom('credit_ledger')
    .select([
      sql<number>`coalesce(sum(-amount), 0)`.as('charged'),
      sql<number>`coalesce(sum(credits), 0)`.as('listCredits'),
      sql<number>`count(request_index)`.as('requests'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('workflow_id', '=', workflowId)
    .where('kind', '=', 'charge')
    .where(notRefunded('credit_ledger'))
    .executeTakeFirst();
  return { credits: Number(row?.charged ?? 0), listCredits: Number(row?.listCredits ?? 0), requests: Number(row?.requests ?? 0) };
}

/** Every charge row of the given workflows that was not refunded (reconciliation). */
export async function chargesOf(db: Db, workflowIds: string[]) {
  if (workflowIds.length === 0) return [];
  const rows = [];
  for (let i = 0; i < workflowIds.length; i += 500) {
    rows.push(
      ...(await db
        .selectFrom('credit_ledger')
        .selectAll()
        .where('kind', '=', 'charge')
        .where(notRefunded('credit_ledger'))
        .where('workflow_id', 'in', workflowIds.slice(i, i + 500))
        .execute()),
    );
  }
  return rows;
}

/** Workflow ids with charges in a time range (reconciliation also covers runs Temporal no longer lists). */
export async function chargedWorkflows(db: Db, f: UsageFilter): Promise<string[]> {
  let q = db.selectFrom('credit_ledger').select('workflow_id').distinct().where('kind', '=', 'charge').where(notRefunded('credit_ledger'));
  if (f.from) q = q.where('created_at', '>=', f.from);
  if (f.to) q = q.where('created_at', '<', f.to);
  return (await q.execute()).map((r) => r.workflow_id).filter((w): w is string => w !== null);
}
