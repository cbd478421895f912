import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charge, ensureAccount, openAccount, refundCharge, type Charge } from '#store/credits.repository';
import type { Db } from '#store/database';
import { claimRun } from '#store/runs.repository';
import { insertDelivery, insertWait, pairDeliveryWithWait, upsertEndpoint } from '#store/webhooks.repository';
import { createWorkspace } from '#store/workspaces.repository';
import { startTestApi } from '../helpers/api';
import { postgresTestDatabase } from '../helpers/database';

/**
 * The concurrency points under PostgreSQL's READ COMMITTED (docs/postgres.md): many callers at once, each on its own
 * pooled connection, against a real cluster (the suite's under TEST_DATABASE=postgres, else one of this file's own).
 * Each point must hold by a unique constraint, `insert … on conflict do nothing`, a row lock or one atomic
 * `update … where`; the last test shows the same hammering catches a read-then-write implementation.
 */
const CALLERS = 50;

let pgdb: Awaited<ReturnType<typeof postgresTestDatabase>>;
let db: Db;

beforeAll(async () => {
  pgdb = await postgresTestDatabase({ poolSize: 25 });
  db = pgdb.db;
}, 120_000);
afterAll(() => pgdb?.stop());

const all = <T>(make: (i: number) => Promise<T>) => Promise.all(Array.from({ length: CALLERS }, (_, i) => make(i)));

function chargeOf(workspaceId: string, id: string, credits = 1): Charge {
  return {
    id,
    workspaceId,
    mode: 'live',
    credits,
    integration: 'http',
    action: 'request',
    workflowId: `wf-${id}`,
    temporalRunId: 'r',
    activityId: 'a',
    attempt: 1,
    requestIndex: 0,
    nodeKey: 'n',
  };
}

describe('PostgreSQL concurrency points', () => {
  it('run claims (app-event dedupe, idempotency keys): 50 concurrent claims of one workflow id, exactly one winner', async () => {
    const ws = await createWorkspace(db, 'claims');
    const claims = await all(() =>
      claimRun(db, { workspaceId: ws.id, flowId: 'flw_1', version: 1, workflowId: 'event:flw_1:live:evt_same', mode: 'live', trigger: {} }),
    );
    expect(claims.filter((c) => c.created)).toHaveLength(1);
    expect(new Set(claims.map((c) => c.run.id)).size).toBe(1);
    const rows = await db.selectFrom('runs').select('id').where('workflow_id', '=', 'event:flw_1:live:evt_same').execute();
    expect(rows).toHaveLength(1);
  });

  it('webhook dedupe: 50 concurrent deliveries of one event, one owner, every copy points at it', async () => {
    const ws = await createWorkspace(db, 'hooks');
    const { row: endpoint } = await upsertEndpoint(db, ws.id, { kind: 'inbox', source: 'stripe', secretNames: ['S'] });
    const now = new Date().toISOString();
    const delivery = {
      workspace_id: ws.id,
      endpoint_id: endpoint.id,
      mode: 'live',
      received_at: now,
      claimed_at: now,
      headers: '{}',
      body: '{}',
      payload: '{}',
      verified: 1,
      status: 'received',
      error: null,
      event_id: 'evt_1',
      event_type: 'payment_intent.succeeded',
    };
    const results = await all(() => insertDelivery(db, delivery, 'evt_1'));
    const owners = results.filter((r) => r.owner === undefined);
    expect(owners).toHaveLength(1);
    for (const r of results) if (r.owner) expect(r.owner.id).toBe(owners[0]!.id);
    const copies = await db.selectFrom('webhook_deliveries').select('duplicate_of').where('endpoint_id', '=', endpoint.id).execute();
    expect(copies.filter((c) => c.duplicate_of === null)).toHaveLength(1);
    expect(copies).toHaveLength(CALLERS);
  });

  it('a wait is paired with exactly one of 50 deliveries arriving at once', async () => {
    const ws = await createWorkspace(db, 'waits');
    const { row: endpoint } = await upsertEndpoint(db, ws.id, { kind: 'inbox', source: 'stripe', secretNames: ['S'] });
    const now = new Date().toISOString();
    const wait = await insertWait(db, {
      id: 'wait_1',
      workspace_id: ws.id,
      run_id: 'run_1',
      workflow_id: 'wf_1',
      node_key: 'n',
      mode: 'live',
      source: 'stripe',
      event_type: 'x',
      match_field: null,
      match_value: null,
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    const ids = await all(async (i) => {
      const d = await insertDelivery(
        db,
        {
          workspace_id: ws.id,
          endpoint_id: endpoint.id,
          mode: 'live',
          received_at: now,
          claimed_at: now,
          headers: '{}',
          body: '{}',
          payload: '{}',
          verified: 1,
          status: 'received',
          error: null,
          event_id: `evt_${i}`,
          event_type: 'x',
        },
        `evt_${i}`,
      );
      return d.id;
    });
    const paired = await Promise.all(ids.map((id) => pairDeliveryWithWait(db, id, wait.id)));
    expect(paired.filter(Boolean)).toHaveLength(1);
    const matched = await db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpoint.id).where('status', '=', 'matched').execute();
    expect(matched).toHaveLength(1);
  });

  it('credit charges: 50 concurrent charges of 1 credit against 20 credits, exactly 20 pass, the balance ends at 0', async () => {
    const ws = await createWorkspace(db, 'charges');
    await openAccount(db, { workspaceId: ws.id, plan: 'builder', credits: 20 });
    const results = await all((i) => charge(db, chargeOf(ws.id, `c:${ws.id}:${i}`)));
    expect(results.filter((r) => r.status === 'charged')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'exhausted')).toHaveLength(CALLERS - 20);
    const account = await ensureAccount(db, ws.id);
    expect(account.balance).toBe(0);
    const ledger = await db
      .selectFrom('credit_ledger')
      .select(sql<number>`count(*)`.as('n'))
      .where('workspace_id', '=', ws.id)
      .where('kind', '=', 'charge')
      .executeTakeFirstOrThrow();
    expect(ledger.n).toBe(20);
  });

  it('charges split between the buckets exactly: what the top-ups paid adds up under concurrency', async () => {
    const ws = await createWorkspace(db, 'buckets');
    await openAccount(db, { workspaceId: ws.id, plan: 'builder', credits: 10 });
    await db.updateTable('credit_accounts').set({ topup_balance: 15 }).where('workspace_id', '=', ws.id).execute();
    const results = await all((i) => charge(db, chargeOf(ws.id, `b:${ws.id}:${i}`, 3)));
    expect(results.filter((r) => r.status === 'charged')).toHaveLength(8); // 25 credits, 3 each
    const rows = await db.selectFrom('credit_ledger').select(['amount', 'from_topup']).where('workspace_id', '=', ws.id).where('kind', '=', 'charge').execute();
    const fromTopup = rows.reduce((s, r) => s + (r.from_topup ?? 0), 0);
    const account = await ensureAccount(db, ws.id);
    expect(account.allowanceBalance).toBe(0);
    expect(account.topupBalance).toBe(15 - fromTopup);
    expect(account.balance).toBe(1);
  });

  it('one charge key charged by 50 callers at once is charged once', async () => {
    const ws = await createWorkspace(db, 'same-key');
    await openAccount(db, { workspaceId: ws.id, plan: 'builder', credits: 100 });
    const results = await all(() => charge(db, chargeOf(ws.id, `same:${ws.id}`, 5)));
    expect(results.filter((r) => r.status === 'charged')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(CALLERS - 1);
    expect((await ensureAccount(db, ws.id)).balance).toBe(95);
  });

  it('refunds: 50 concurrent refunds of one charge give its credits back once', async () => {
    const ws = await createWorkspace(db, 'refunds');
    await openAccount(db, { workspaceId: ws.id, plan: 'builder', credits: 10 });
    expect(await charge(db, chargeOf(ws.id, `r:${ws.id}`, 4))).toEqual({ status: 'charged' });
    const refunded = await all(() => refundCharge(db, `r:${ws.id}`));
    expect(refunded.filter(Boolean)).toHaveLength(1);
    expect((await ensureAccount(db, ws.id)).balance).toBe(10);
  });

  it('the hammer catches a read-then-write charge: the same 50 callers overspend it (why the store never reads first)', async () => {
    const ws = await createWorkspace(db, 'naive');
    await openAccount(db, { workspaceId: ws.id, plan: 'builder', credits: 20 });
    // Reads the balance, decides, then writes what it read minus the price: the race the real charge avoids.
    const naiveCharge = async () =>
      db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('credit_accounts').select('allowance_balance').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
        if (row.allowance_balance < 1) return false;
        await new Promise((r) => setTimeout(r, 5));
        await trx
          .updateTable('credit_accounts')
          .set({ allowance_balance: row.allowance_balance - 1 })
          .where('workspace_id', '=', ws.id)
          .execute();
        return true;
      });
    const results = await all(naiveCharge);
    const passed = results.filter(Boolean).length;
    const left = (await ensureAccount(db, ws.id)).allowanceBalance;
    // 20 credits: more than 20 charges passed, or passed + left no longer adds up to 20 (lost updates).
    expect(passed > 20 || passed + left !== 20).toBe(true);
  });
});

describe('PostgreSQL concurrency points through the API', () => {
  it('50 concurrent POST /v1/events with one event id start one run; 20 concurrent publishes number versions 1–20', async () => {
    const own = await postgresTestDatabase(); // the API wants a database of its own (it bootstraps a workspace)
    const api = await startTestApi({ taskQueue: `pg-events-${crypto.randomUUID()}`, db: own.db });
    try {
      const event = `order.created.${crypto.randomUUID()}`;
      const document = {
        trigger: { type: 'event', event },
        nodes: [{ id: 'a', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } }],
        edges: [{ from: 'trigger', to: 'a' }],
      };
      const created = await api.request('POST', '/api/flows', { body: { name: 'Concurrent', document } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const flowId = created.body.id as string;
      const publishes = await Promise.all(Array.from({ length: 20 }, () => api.request('POST', `/api/flows/${flowId}/publish`, { body: {} })));
      expect(
        publishes.map((r) => r.status),
        JSON.stringify(publishes[0]?.body),
      ).toEqual(Array(20).fill(201));
      expect(publishes.map((r) => r.body.version as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

      const sent = await all(() => api.request('POST', '/v1/events', { body: { name: event, id: 'evt-same', data: {} } }));
      expect(sent.map((r) => r.status)).toEqual(Array(CALLERS).fill(202));
      const runIds = new Set(sent.map((r) => r.body.runs[0].runId as string));
      expect(runIds.size).toBe(1);
      // The claim has one winner; which caller Temporal's start answers first is another race (a loser that sees the
      // claim still `starting` starts too, and Temporal refuses the second), so at most one says it is not a duplicate.
      expect(sent.filter((r) => r.body.runs[0].duplicate === false).length).toBeLessThanOrEqual(1);
      const rows = await own.db.selectFrom('runs').select('id').where('flow_id', '=', flowId).execute();
      expect(rows).toHaveLength(1);
    } finally {
      await api.close();
      await own.stop();
    }
  }, 120_000);
});
