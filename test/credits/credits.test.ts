import crypto from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrations } from '#catalog';
import { creditsFor, reserveFor } from '#catalog/openai/pricing';
import { parseConfig } from '#core/config';
import { CREDITS_RESET_SCHEDULE_ID, PlanInfos } from '#core/credits';
import { RunQueries, RunSignals, type RunState } from '#core/run';
import { addCredits, charge, ensureAccount, openAccount, refundCharge, runCost, setDefaultPlan, usage, type Charge } from '#store/credits.repository';
import { masterKeyFrom } from '#store/crypto';
import { dataConverterOf, EncryptionCodec } from '#store/payload-codec';
import { ensureCreditsSchedule } from '#worker/credits/schedule';
import { startTestApi, type ApiBody, type ApiResponse, type TestApi, type WorkspaceKeys } from '../helpers/api';
import { actionNode, linearFlow, newWorkflowId, runNodes } from '../helpers/flows';
import { startHttpPeer, type Route } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker, temporalClient, testDb } from '../helpers/temporal';
import { startOpenAIPeer } from '../peers/openai-peer';

/**
 * Credits: metering per request in the activity interceptor, the ledger and balance, plans, pausing for
 * credits and resuming when they are added, test mode, AI actions by tokens, the monthly reset.
 */
const taskQueue = `credits-${crypto.randomUUID()}`;
const OPENAI_KEY = `sk-proj-live${crypto.randomBytes(12).toString('hex')}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let openaiPeer: Awaited<ReturnType<typeof startOpenAIPeer>>;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
const peers: { close(): Promise<void> }[] = [];
/** A real SMTP server on 127.0.0.1 that accepts every message (email is metered at a fixed price, without HTTP). */
const delivered: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
  // One mailbox that does not exist: the message is refused before DATA.
  onRcptTo: (address, _session, callback) =>
    address.address === 'nobody@example.com' ? callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 })) : callback(),
  onData(stream, _session, callback) {
    let raw = '';
    stream.on('data', (c: Buffer) => (raw += c.toString()));
    stream.on('end', () => {
      delivered.push(raw);
      callback();
    });
  },
});

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  openaiPeer = await startOpenAIPeer({ keys: [OPENAI_KEY] });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  worker = await startTestWorker({ db: api.db, taskQueue, integrations, endpoints: { openai: openaiPeer.baseUrl, email: smtpUrl } });
  temporal = await temporalClient();
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await temporal?.close();
  await openaiPeer?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await Promise.all(peers.map((p) => p.close()));
});

async function peer(route: Route = () => ({ body: { ok: true } })) {
  const p = await startHttpPeer(route);
  peers.push(p);
  return p;
}

function ok(res: ApiResponse, status = 200): ApiBody {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const fastRetry = { maximumAttempts: 5, initialInterval: '100ms', backoffCoefficient: 1 };
const get = (id: string, url: string) => ({ id, type: 'action', action: 'http.request@1', inputs: { url }, retry: fastRetry });
const chain = (ids: string[]): { from: string; to: string; branch?: string }[] => ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id }));
const manualFlow = (nodes: ({ id: string } & Record<string, unknown>)[]) => ({ trigger: { type: 'manual' }, nodes, edges: chain(nodes.map((n) => n.id)) });

async function createFlow(ws: WorkspaceKeys, document: unknown): Promise<string> {
  return ok(await api.request('POST', '/api/flows', { key: ws.keys.live, body: { name: 'Credits', document } }), 201).id as string;
}

async function pollRun(ws: WorkspaceKeys, runId: string, done: (run: ApiBody) => boolean, timeoutMs = 30_000): Promise<ApiBody> {
  let last: ApiBody;
  try {
    return await pollUntil(
      `run ${runId}`,
      async () => {
        last = ok(await api.request('GET', `/api/runs/${runId}`, { key: ws.keys.live }));
        return done(last) ? last : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)}`);
  }
}

async function ledger(workspaceId: string) {
  return api.db.selectFrom('credit_ledger').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', 'charge').execute();
}

describe('the ledger', () => {
  const row = (workspaceId: string, id: string, mode: 'live' | 'test' = 'live'): Charge => ({
    id,
    workspaceId,
    mode,
    credits: 1,
    integration: 'http',
    action: 'http.request@1',
    workflowId: 'wf',
    temporalRunId: 'run',
    activityId: 'a',
    attempt: 1,
    requestIndex: 0,
    nodeKey: 'a',
  });

  it('never overdraws under concurrency and never charges a key twice', async () => {
    const db = await testDb();
    await openAccount(db, { workspaceId: 'ws_a', plan: 'builder', credits: 50 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => charge(db, row('ws_a', `k/${i}`))));
    expect(results.filter((r) => r.status === 'charged')).toHaveLength(50);
    expect(results.filter((r) => r.status === 'exhausted')).toHaveLength(150);
    expect((await ensureAccount(db, 'ws_a')).balance).toBe(0);
    // Refused charges leave no row: the requests were never sent.
    expect(await db.selectFrom('credit_ledger').select('id').where('kind', '=', 'charge').execute()).toHaveLength(50);
    // A key that was charged is not charged again (a re-delivered attempt), and it may still send.
    await openAccount(db, { workspaceId: 'ws_b', plan: 'builder', credits: 5 });
    expect(await charge(db, row('ws_b', 'same'))).toEqual({ status: 'charged' });
    expect(await charge(db, row('ws_b', 'same'))).toEqual({ status: 'duplicate' });
    expect((await ensureAccount(db, 'ws_b')).balance).toBe(4);
    // Test mode records usage at price 0 and leaves the live balance alone, even at 0 credits.
    expect(await charge(db, row('ws_a', 'test/1', 'test'))).toEqual({ status: 'charged' });
    expect((await ensureAccount(db, 'ws_a')).balance).toBe(0);
    await db.destroy();
  });

  it('refunds a charge once, into the bucket it came from, and usage no longer counts it', async () => {
    const db = await testDb();
    await openAccount(db, { workspaceId: 'ws_r', plan: 'builder', credits: 1 });
    await addCredits(db, { workspaceId: 'ws_r', amount: 5, kind: 'topup' });
    // The allowance pays the first, the top-ups the second.
    expect(await charge(db, { ...row('ws_r', 'r/0'), credits: 1 })).toEqual({ status: 'charged' });
    expect(await charge(db, { ...row('ws_r', 'r/1'), credits: 3 })).toEqual({ status: 'charged' });
    expect(await ensureAccount(db, 'ws_r')).toMatchObject({ allowanceBalance: 0, topupBalance: 2 });
    expect(await refundCharge(db, 'r/1')).toBe(true);
    expect(await refundCharge(db, 'r/1')).toBe(false);
    expect(await ensureAccount(db, 'ws_r')).toMatchObject({ allowanceBalance: 0, topupBalance: 5 });
    expect(await refundCharge(db, 'r/0')).toBe(true);
    expect(await ensureAccount(db, 'ws_r')).toMatchObject({ allowanceBalance: 1, topupBalance: 5 });
    expect(await refundCharge(db, 'no-such-charge')).toBe(false);
    expect(await runCost(db, 'ws_r', 'wf')).toEqual({ credits: 0, listCredits: 0, requests: 0 });
    expect((await usage(db, 'ws_r', {})).byDay).toEqual([]);
    await db.destroy();
  });

  it('grants the monthly allowance once per period, from the schedule workflow', async () => {
    const ws = await api.createWorkspace('Reset');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'pro', credits: 7 });
    const period = '2099-01';
    const first = await temporal.client.workflow.execute('creditsMonthlyReset', { args: [{ period }], taskQueue, workflowId: `reset-${crypto.randomUUID()}` });
    const second = await temporal.client.workflow.execute('creditsMonthlyReset', { args: [{ period }], taskQueue, workflowId: `reset-${crypto.randomUUID()}` });
    expect((first as { granted: number }).granted).toBeGreaterThanOrEqual(1);
    expect(second).toEqual({ period, granted: 0 });
    const account = await ensureAccount(api.db, ws.workspaceId);
    // The 7 unused credits expired; Pro's allowance was granted once.
    expect(account).toMatchObject({ period, balance: PlanInfos.pro.monthlyCredits, allowanceBalance: PlanInfos.pro.monthlyCredits });
    const grants = await api.db.selectFrom('credit_ledger').selectAll().where('workspace_id', '=', ws.workspaceId).where('id', 'like', `%:${period}`).execute();
    expect(grants.map((g) => [g.kind, g.amount]).sort()).toEqual([['allowance', PlanInfos.pro.monthlyCredits]]);
    // The schedule that fires it is created idempotently at worker start.
    expect(['created', 'updated', 'replaced']).toContain(await ensureCreditsSchedule(temporal.client, taskQueue));
    expect(await ensureCreditsSchedule(temporal.client, taskQueue)).toBe('updated');
    const schedule = await temporal.client.schedule.getHandle(CREDITS_RESET_SCHEDULE_ID).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'creditsMonthlyReset' });
  });

  it('replaces a reset schedule written under a master key this worker does not have, instead of failing on it', async () => {
    const otherKey = masterKeyFrom(crypto.randomBytes(32), 'a replaced master key');
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const other = new Client({ connection, dataConverter: dataConverterOf(EncryptionCodec.fromMasterKeys(otherKey)) });
      expect(['created', 'updated', 'replaced']).toContain(await ensureCreditsSchedule(other, taskQueue));
      // This process's key cannot read the schedule the other key wrote ...
      await expect(temporal.client.schedule.getHandle(CREDITS_RESET_SCHEDULE_ID).describe()).rejects.toThrow(/SWITCHYARD_PREVIOUS_MASTER_KEYS/);
      // ... so it is written again, and is readable and up to date afterwards.
      expect(await ensureCreditsSchedule(temporal.client, taskQueue)).toBe('replaced');
      expect(await ensureCreditsSchedule(temporal.client, taskQueue)).toBe('updated');
      const schedule = await temporal.client.schedule.getHandle(CREDITS_RESET_SCHEDULE_ID).describe();
      expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'creditsMonthlyReset', taskQueue });
    } finally {
      await connection.close();
    }
  });
});

describe('the admin API', () => {
  const calls = (workspaceId: string) =>
    [
      ['PUT', `/api/admin/workspaces/${workspaceId}/plan`, { plan: 'pro' }],
      ['POST', `/api/admin/workspaces/${workspaceId}/credits`, { credits: 1000 }],
      ['GET', `/api/admin/workspaces/${workspaceId}/credits`, undefined],
    ] as const;

  it('with SWITCHYARD_ADMIN_TOKEN set, accepts only that token: a workspace key may not grant itself credits or a plan', async () => {
    const ws = await api.createWorkspace('Self-serve');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'free' });
    for (const [method, path, body] of calls(ws.workspaceId)) {
      for (const key of [ws.keys.live, ws.keys.test, api.keys.live, `${api.adminToken!}x`]) {
        const res = await api.request(method, path, { key, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.error.message).toMatch(/SWITCHYARD_ADMIN_TOKEN/);
      }
      expect((await api.request(method, path, { key: null, body })).status).toBe(401);
    }
    expect(await ensureAccount(api.db, ws.workspaceId)).toMatchObject({ plan: 'free', balance: 0 });
    ok(await api.request('PUT', `/api/admin/workspaces/${ws.workspaceId}/plan`, { key: api.adminToken!, body: { plan: 'builder' } }));
    ok(await api.request('POST', `/api/admin/workspaces/${ws.workspaceId}/credits`, { key: api.adminToken!, body: { credits: 5 } }));
    expect(await ensureAccount(api.db, ws.workspaceId)).toMatchObject({ plan: 'builder', balance: PlanInfos.builder.monthlyCredits + 5 });
  });

  it('without SWITCHYARD_ADMIN_TOKEN, refuses every request with 403 naming it', async () => {
    const bare = await startTestApi({ taskQueue, adminToken: null });
    try {
      expect(bare.adminToken).toBeUndefined();
      const ws = await bare.createWorkspace('No admin');
      await openAccount(bare.db, { workspaceId: ws.workspaceId, plan: 'free' });
      for (const [method, path, body] of calls(ws.workspaceId)) {
        for (const key of [ws.keys.live, bare.keys.live, null]) {
          const res = await bare.request(method, path, { key, body });
          expect(res.status, `${method} ${path}`).toBe(403);
          expect(res.body.error.message).toMatch(/SWITCHYARD_ADMIN_TOKEN/);
        }
      }
      expect(await ensureAccount(bare.db, ws.workspaceId)).toMatchObject({ plan: 'free', balance: 0 });
    } finally {
      await bare.close();
    }
  });

  it('opens new accounts on SWITCHYARD_DEFAULT_PLAN (Builder unless configured)', async () => {
    expect(parseConfig({}).SWITCHYARD_DEFAULT_PLAN).toBe('builder');
    expect(() => parseConfig({ SWITCHYARD_DEFAULT_PLAN: 'gold' })).toThrow(/SWITCHYARD_DEFAULT_PLAN/);
    const db = await testDb();
    expect(await ensureAccount(db, 'ws_default')).toMatchObject({ plan: 'builder', balance: PlanInfos.builder.monthlyCredits });
    await setDefaultPlan(db, parseConfig({ SWITCHYARD_DEFAULT_PLAN: 'free' }).SWITCHYARD_DEFAULT_PLAN);
    expect(await ensureAccount(db, 'ws_hosted')).toMatchObject({ plan: 'free', balance: 0 });
    await db.destroy();
  });
});

describe('metering runs', () => {
  // The issue says "resumes when 10 credits are added … the balance is exactly 0": 5 + 10 − 10 is 5, so both readings
  // are run: 5 more credits (10 in all) end at exactly 0; 10 more end at exactly 5. Either way not one credit is lost or charged twice.
  it.each([
    { topUp: 5, finalBalance: 0 },
    { topUp: 10, finalBalance: 5 },
  ])(
    'pauses at the 6th of 10 requests with 5 credits, waits for credits, resumes when $topUp are added, ends at exactly $finalBalance',
    async ({ topUp, finalBalance }) => {
      const ws = await api.createWorkspace(`Five credits, top-up ${topUp}`);
      await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 5 });
      const p = await peer();
      const ids = Array.from({ length: 10 }, (_, i) => `n${i + 1}`);
      const flowId = await createFlow(ws, manualFlow(ids.map((id) => get(id, `${p.url}/${id}`))));
      ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
      const runId = ok(await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;

      const waiting = await pollRun(ws, runId, (r) => r.status === 'waitingForCredits');
      const nodes = Object.fromEntries(
        (waiting.nodes as { nodeId: string; status: string; error?: { message: string; type: string } }[]).map((n) => [n.nodeId, n]),
      );
      for (const id of ids.slice(0, 5)) expect(nodes[id]?.status).toBe('succeeded');
      expect(nodes.n6).toMatchObject({ status: 'waitingForCredits', error: { type: 'CreditsExhausted' } });
      expect(nodes.n6!.error!.message).toMatch(/balance is 0 credits and node "n6" \(http\.request@1\) needs 1.*Add credits or upgrade/);
      expect(nodes.n7).toBeUndefined();
      expect(p.hits).toHaveLength(5);
      // The runs list shows it too (the run reported its pause).
      const listed = ok(await api.request('GET', `/api/runs?status=waitingForCredits`, { key: ws.keys.live })).runs as { id: string }[];
      expect(listed.map((r) => r.id)).toContain(runId);

      const added = ok(
        await api.request('POST', `/api/admin/workspaces/${ws.workspaceId}/credits`, { key: api.adminToken!, body: { credits: topUp, note: 'top-up' } }),
      );
      expect(added).toMatchObject({ balance: topUp, resumedRuns: 1 });
      const done = await pollRun(ws, runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
      expect(done.status).toBe('completed');
      expect(p.hits).toHaveLength(10);
      expect(ok(await api.request('GET', '/api/credits', { key: ws.keys.live })).balance).toBe(finalBalance);
      expect(done.cost).toEqual({ credits: 10, listCredits: 10, requests: 10 });
      // The refused attempt is not counted as one: every node took exactly one attempt.
      expect((done.nodes as { attempts: number }[]).map((n) => n.attempts)).toEqual(ids.map(() => 1));
      expect(await ledger(ws.workspaceId)).toHaveLength(10);
    },
  );

  it('adding credits signals only the runs with a node waiting for credits, not runs parked for a decision', async () => {
    const ws = await api.createWorkspace('Parked and waiting');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 1 });
    const p = await peer((hit) => (hit.path.startsWith('/gone') ? { status: 404, body: { error: 'gone' } } : { body: { ok: true } }));
    // Spends the only credit and parks: a 404 is not retried, and nobody has decided yet.
    const parkFlow = await createFlow(ws, manualFlow([get('gone', `${p.url}/gone`)]));
    ok(await api.request('POST', `/api/flows/${parkFlow}/publish`, { key: ws.keys.live, body: {} }), 201);
    const parkedRun = ok(await api.request('POST', `/api/flows/${parkFlow}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;
    await pollRun(ws, parkedRun, (r) => r.status === 'parked');
    const waitFlow = await createFlow(ws, manualFlow([get('a', `${p.url}/a`)]));
    ok(await api.request('POST', `/api/flows/${waitFlow}/publish`, { key: ws.keys.live, body: {} }), 201);
    const waitingRun = ok(await api.request('POST', `/api/flows/${waitFlow}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;
    await pollRun(ws, waitingRun, (r) => r.status === 'waitingForCredits');

    const added = ok(await api.request('POST', `/api/admin/workspaces/${ws.workspaceId}/credits`, { key: api.adminToken!, body: { credits: 1 } }));
    expect(added.resumedRuns).toBe(1);
    expect((await pollRun(ws, waitingRun, (r) => r.status === 'completed')).status).toBe('completed');
    expect(ok(await api.request('GET', `/api/runs/${parkedRun}`, { key: ws.keys.live })).status).toBe('parked');
  });

  it('charges every attempt that sent a request, and nothing for one that sent none', async () => {
    const ws = await api.createWorkspace('Retries');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 100 });
    let calls = 0;
    const p = await peer(() => (++calls <= 2 ? { status: 503, body: { error: 'busy' } } : { body: { ok: true } }));
    const flowId = await createFlow(ws, {
      trigger: { type: 'manual' },
      nodes: [
        get('flaky', `${p.url}/flaky`),
        // Refused before any request: no credit.
        // An expression: a literal that is not a URL is refused at publish; this one only when it runs (nothing sent).
        { id: 'bad', type: 'action', action: 'http.request@1', inputs: { url: { $expr: '"not a url"' } }, onError: 'branch' },
        { id: 'free', type: 'action', action: 'data.transform@1', inputs: { expression: '1 + 1' } },
      ],
      edges: chain(['flaky', 'bad']).concat([{ from: 'bad', to: 'free', branch: 'error' }]),
    });
    ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
    const runId = ok(await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;
    const done = await pollRun(ws, runId, (r) => ['completed', 'failed'].includes(r.status));
    expect(done.status).toBe('completed');
    expect(p.hits).toHaveLength(3);
    const charges = await ledger(ws.workspaceId);
    expect(charges.map((c) => [c.node_key, c.attempt, c.request_index]).sort()).toEqual([
      ['flaky', 1, 0],
      ['flaky', 2, 0],
      ['flaky', 3, 0],
    ]);
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(97);
  });

  it('refunds every attempt whose request never reached the provider (connection refused), and keeps charging one that did', async () => {
    const ws = await api.createWorkspace('Refused');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 20 });
    const p = await peer();
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const flowId = await createFlow(ws, {
      trigger: { type: 'manual' },
      nodes: [
        get('sent', `${p.url}/sent`),
        {
          id: 'refused',
          type: 'action',
          action: 'http.request@1',
          inputs: { url: `http://127.0.0.1:${closedPort}/nobody` },
          retry: { maximumAttempts: 3, initialInterval: '100ms', backoffCoefficient: 1 },
          onError: 'branch',
        },
        { id: 'after', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } },
      ],
      edges: chain(['sent', 'refused']).concat([{ from: 'refused', to: 'after', branch: 'error' }]),
    });
    ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
    const runId = ok(await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;
    const done = await pollRun(ws, runId, (r) => ['completed', 'failed'].includes(r.status));
    expect(done.status).toBe('completed');
    const refused = (done.nodes as { nodeId: string; attempts: number; status: string }[]).find((n) => n.nodeId === 'refused');
    expect(refused).toMatchObject({ attempts: 3, status: 'failed' });
    expect(p.hits).toHaveLength(1);
    // Only the request that left is paid for.
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(19);
    expect(done.cost).toEqual({ credits: 1, listCredits: 1, requests: 1 });
    const used = ok(await api.request('GET', '/api/credits/usage', { key: ws.keys.live }));
    expect(used.byIntegration).toEqual([expect.objectContaining({ integration: 'http', mode: 'live', charged: 1, requests: 1 })]);
    const rows = await api.db
      .selectFrom('credit_ledger')
      .select(['id', 'kind', 'amount'])
      .where('workspace_id', '=', ws.workspaceId)
      .where('kind', 'in', ['charge', 'refund'])
      .execute();
    expect(rows.filter((r) => r.kind === 'refund').map((r) => r.amount)).toEqual([1, 1, 1]);
    for (const r of rows.filter((x) => x.kind === 'refund')) expect(rows.map((x) => `${x.id}/refund`)).toContain(r.id);
  });

  it('Free plan: a flow using an integration is refused at publish and at run, naming the plan', async () => {
    const ws = await api.createWorkspace('Free');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'free' });
    const p = await peer();
    const flowId = await createFlow(ws, manualFlow([get('call', `${p.url}/x`)]));
    const refused = await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.problems).toEqual([
      expect.objectContaining({
        code: 'PLAN_REQUIRED',
        nodeId: 'call',
        message: expect.stringMatching(/^Builder plan required: HTTP is an integration .*Free plan/),
      }),
    ]);
    const estimate = ok(await api.request('GET', `/api/flows/${flowId}/estimate`, { key: ws.keys.live }));
    expect(estimate).toMatchObject({ credits: 1, plan: 'free', problems: [expect.objectContaining({ code: 'PLAN_REQUIRED' })] });

    // A flow without integrations is fine on Free.
    const freeFlow = await createFlow(ws, manualFlow([{ id: 't', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } }]));
    ok(await api.request('POST', `/api/flows/${freeFlow}/publish`, { key: ws.keys.live, body: {} }), 201);

    // Published while on Builder, then downgraded: the run is refused with the plan named.
    ok(await api.request('PUT', `/api/admin/workspaces/${ws.workspaceId}/plan`, { key: api.adminToken!, body: { plan: 'builder' } }));
    ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
    expect(ok(await api.request('PUT', `/api/admin/workspaces/${ws.workspaceId}/plan`, { key: api.adminToken!, body: { plan: 'free' } }))).toMatchObject({
      plan: 'free',
    });
    const run = await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.live, body: {} });
    expect(run.status).toBe(402);
    expect(run.body.error.message).toMatch(/^Builder plan required: HTTP is an integration .*Free plan/);
    expect(p.hits).toHaveLength(0);

    // The worker refuses too (a run started by other means): the node fails with the plan named, nothing is sent.
    const state = await runNodes(temporal.client, taskQueue, [get('call', `${p.url}/y`)], { mode: 'live', workspaceId: ws.workspaceId }).catch((e: Error) => e);
    expect(String((state as { cause?: { message?: string } }).cause?.message)).toMatch(/Builder plan required: HTTP/);
    expect(p.hits).toHaveLength(0);
  });

  it('a test-mode run leaves the live balance unchanged and shows in usage as test', async () => {
    const ws = await api.createWorkspace('Test mode');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 3 });
    const p = await peer();
    const flowId = await createFlow(ws, manualFlow([get('a', `${p.url}/a`), get('b', `${p.url}/b`)]));
    ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
    const runId = ok(await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.test, body: {} }), 201).runId as string;
    const done = await pollRun(ws, runId, (r) => ['completed', 'failed'].includes(r.status));
    expect(done).toMatchObject({ status: 'completed', mode: 'test', cost: { credits: 0, listCredits: 2, requests: 2 } });
    expect(p.hits).toHaveLength(2);
    const usage = ok(await api.request('GET', '/api/credits/usage', { key: ws.keys.live }));
    expect(usage.balance).toBe(3);
    expect(usage.byDay).toEqual([expect.objectContaining({ mode: 'test', charged: 0, listCredits: 2, requests: 2 })]);
    expect(usage.byIntegration).toEqual([expect.objectContaining({ integration: 'http', mode: 'test', charged: 0, requests: 2 })]);
    expect(usage.byFlow).toEqual([expect.objectContaining({ flowId, mode: 'test', requests: 2 })]);
    expect(usage.byRun).toEqual([expect.objectContaining({ runId, flowId, mode: 'test', requests: 2 })]);
  });

  it('charges an OpenAI call by its token usage, at the price table', async () => {
    const ws = await api.createWorkspace('AI');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 1000 });
    await api.secrets.put(ws.workspaceId, 'OPENAI_API_KEY', { live: OPENAI_KEY });
    openaiPeer.script({ reply: { content: 'Hello', model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 1000, completion_tokens: 500 } } });
    const chat = actionNode('chat', 'openai.chat-completion@1');
    const state = await runNodes(temporal.client, taskQueue, [chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })], {
      mode: 'live',
      workspaceId: ws.workspaceId,
    });
    expect(state.status).toBe('completed');
    const expected = creditsFor('gpt-4o-2024-08-06', { promptTokens: 1000, completionTokens: 500 });
    expect(expected).toBe(8); // 2.5 + 5 = 7.5, rounded up
    const charges = await ledger(ws.workspaceId);
    // The call's worst case (the prompt's bytes as tokens + the 4,096-token default reply cap, at gpt-4o's prices) was
    // reserved before it left, then settled to the reported usage: the difference given back under the usage key.
    const reserved = reserveFor({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    expect(reserved).toBe(42); // ((32 bytes + 8 + 8) × 2.5 + 4096 × 10) / 1000 = 41.08, rounded up
    // The cap was sent, so the reply could not have cost more than the reservation.
    expect(openaiPeer.chatRequests().at(-1)!.body).toMatchObject({ max_tokens: 4096 });
    expect(charges.map((c) => [c.request_index, -c.amount])).toEqual(
      expect.arrayContaining([
        [0, reserved],
        [null, expected - reserved],
      ]),
    );
    expect(charges).toHaveLength(2);
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(1000 - expected);
  });

  it('charges the tokens of an AI call whose reply the action then refuses (strict JSON that does not parse)', async () => {
    const ws = await api.createWorkspace('AI, bad reply');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 1000 });
    await api.secrets.put(ws.workspaceId, 'OPENAI_API_KEY', { live: OPENAI_KEY });
    openaiPeer.script({ reply: { content: 'not json at all', model: 'gpt-4o', usage: { prompt_tokens: 2000, completion_tokens: 1000 } } });
    const chat = actionNode('chat', 'openai.chat-completion@1');
    const run = runNodes(
      temporal.client,
      taskQueue,
      [
        {
          ...chat({
            model: 'gpt-4o',
            messages: [{ role: 'user', content: 'Hi' }],
            responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
          }),
          onError: 'fail',
        },
      ],
      { mode: 'live', workspaceId: ws.workspaceId },
    );
    await expect(run).rejects.toThrow();
    const used = creditsFor('gpt-4o', { promptTokens: 2000, completionTokens: 1000 });
    expect(used).toBe(15); // 5 + 10
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(1000 - used);
  });

  it('reserves an AI call before it is sent: a balance below the reservation waits for credits, sends nothing and never goes negative', async () => {
    const ws = await api.createWorkspace('AI, nearly empty');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 5 });
    await api.secrets.put(ws.workspaceId, 'OPENAI_API_KEY', { live: OPENAI_KEY });
    const flowId = await createFlow(ws, {
      trigger: { type: 'manual' },
      nodes: [
        {
          id: 'chat',
          type: 'action',
          action: 'openai.chat-completion@1',
          inputs: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 500 },
        },
      ],
      edges: [{ from: 'trigger', to: 'chat' }],
    });
    ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
    const sentBefore = openaiPeer.chatRequests().length;
    const runId = ok(await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;
    // The reservation is ((32 + 8 + 8) × 2.5 + 500 × 10) / 1000 → 6 credits, more than the 5 left: nothing is sent.
    const waiting = await pollRun(ws, runId, (r) => r.status === 'waitingForCredits');
    expect((waiting.nodes as { error?: { message: string } }[])[0]!.error!.message).toMatch(/balance is 5 credits .* needs 6/);
    expect(openaiPeer.chatRequests().length).toBe(sentBefore);
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(5);

    openaiPeer.script({ reply: { content: 'Hello', model: 'gpt-4o', usage: { prompt_tokens: 20, completion_tokens: 100 } } });
    ok(await api.request('POST', `/api/admin/workspaces/${ws.workspaceId}/credits`, { key: api.adminToken!, body: { credits: 5 } }));
    const done = await pollRun(ws, runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
    expect(done.status).toBe('completed');
    // (20 × 2.5 + 100 × 10) / 1000 = 1.05 → 2 credits: 6 reserved, 4 given back.
    expect(done.cost).toMatchObject({ credits: 2 });
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(10 - 2);
  });

  it('charges an email (SMTP, no HTTP) its fixed price right before it is sent, and pauses the next one for credits', async () => {
    const ws = await api.createWorkspace('Email');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 1 });
    await api.secrets.put(ws.workspaceId, 'SMTP_URL', { live: 'smtp://user:pass@smtp.example.com:587' });
    const sendTo = (id: string) => ({
      id,
      type: 'action',
      action: 'email.send-email@1',
      inputs: { from: 'hello@acme.test', to: 'ada@example.com', subject: id, text: 'Hi' },
    });
    const before = delivered.length;
    const handle = await temporal.client.workflow.start('runFlow', {
      args: [linearFlow([sendTo('first'), sendTo('second')], { mode: 'live', workspaceId: ws.workspaceId })],
      taskQueue,
      workflowId: newWorkflowId(),
    });
    await pollUntil(
      'the second email to wait for credits',
      async () => ((await handle.query<RunState>(RunQueries.state)).nodes.second?.status === 'waitingForCredits' ? true : undefined),
      20_000,
      100,
    );
    expect(delivered.length - before).toBe(1);
    await addCredits(api.db, { workspaceId: ws.workspaceId, amount: 1, kind: 'topup' });
    await handle.signal(RunSignals.creditsAdded);
    expect((await handle.result()).status).toBe('completed');
    expect(delivered.length - before).toBe(2);
    const charges = await ledger(ws.workspaceId);
    expect(charges.map((c) => [c.integration, c.node_key, c.request_index, -c.amount]).sort()).toEqual(
      [
        ['email', 'second', 0, 1],
        ['email', 'first', 0, 1],
      ].sort(),
    );
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(0);
  });

  it('refunds an email the SMTP server refused before it was handed over (every recipient unknown)', async () => {
    const ws = await api.createWorkspace('Email refused');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 3 });
    await api.secrets.put(ws.workspaceId, 'SMTP_URL', { live: 'smtp://user:pass@smtp.example.com:587' });
    const before = delivered.length;
    const run = temporal.client.workflow.execute('runFlow', {
      args: [
        linearFlow(
          [
            {
              id: 'refused',
              type: 'action',
              action: 'email.send-email@1',
              inputs: { from: 'hello@acme.test', to: 'nobody@example.com', subject: 'Hi', text: 'Hi' },
            },
          ],
          { mode: 'live', workspaceId: ws.workspaceId },
        ),
      ],
      taskQueue,
      workflowId: newWorkflowId(),
    });
    await expect(run).rejects.toMatchObject({ cause: { message: expect.stringMatching(/refused every recipient: nobody@example.com: 550/) } });
    expect(delivered.length).toBe(before);
    const rows = await api.db
      .selectFrom('credit_ledger')
      .select(['kind', 'amount', 'note'])
      .where('workspace_id', '=', ws.workspaceId)
      .where('kind', 'in', ['charge', 'refund'])
      .execute();
    expect(rows.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'charge', amount: -1, note: null },
      { kind: 'refund', amount: 1, note: 'Request never reached the provider' },
    ]);
    expect((await ensureAccount(api.db, ws.workspaceId)).balance).toBe(3);
  });

  it('the monthly reset resumes runs waiting for credits, as adding credits does', async () => {
    const ws = await api.createWorkspace('Waits for the 1st');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 0 });
    const p = await peer();
    const flowId = await createFlow(ws, manualFlow([get('a', `${p.url}/a`)]));
    ok(await api.request('POST', `/api/flows/${flowId}/publish`, { key: ws.keys.live, body: {} }), 201);
    const runId = ok(await api.request('POST', `/api/flows/${flowId}/runs`, { key: ws.keys.live, body: {} }), 201).runId as string;
    await pollRun(ws, runId, (r) => r.status === 'waitingForCredits');
    await temporal.client.workflow.execute('creditsMonthlyReset', { args: [{ period: '2099-03' }], taskQueue, workflowId: `reset-${crypto.randomUUID()}` });
    // Without the reset's signal the node would recheck only after an hour.
    expect((await pollRun(ws, runId, (r) => ['completed', 'failed'].includes(r.status), 15_000)).status).toBe('completed');
    expect(p.hits).toHaveLength(1);
  });

  it("a node waiting for credits gives up after the run's giveUpAfter, like a parked node", async () => {
    const ws = await api.createWorkspace('Never paid');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 0 });
    const p = await peer();
    const input = linearFlow([get('a', `${p.url}/a`)], { mode: 'live', workspaceId: ws.workspaceId });
    const handle = await temporal.client.workflow.start('runFlow', {
      args: [{ ...input, options: { ...input.options, giveUpAfter: '2s' } }],
      taskQueue,
      workflowId: newWorkflowId(),
    });
    const err = (await Promise.race([handle.result(), new Promise((_, reject) => setTimeout(() => reject(new Error('still waiting')), 20_000))]).catch(
      async (e: unknown) => {
        if ((e as Error).message === 'still waiting') await handle.terminate('test timed out');
        return e;
      },
    )) as { cause?: { message?: string } };
    expect(String(err.cause?.message)).toMatch(/^Nobody added credits within 2s: Out of credits/);
    expect(p.hits).toHaveLength(0);
  });
});
