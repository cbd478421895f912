import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatePage } from '#core/run';
import { recordStoppedRuns } from '#server/services/runs.service';
import { claimRun, markRunStarted } from '#store/runs.repository';
import { startTestApi, type ApiBody, type TestApi } from '../helpers/api';
import { startTestWorker } from '../helpers/temporal';

// A flow the API accepts runs: the largest flows (1,000 nodes) complete, and a run Temporal stops from outside is
// recorded as failed. Real API, worker and dev server; the nodes are data.transform (no provider, no credits).

const taskQueue = `large-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  // The production body limit (1 MB): a 1,000-node document is about 150 KB.
  api = await startTestApi({ taskQueue, bodyLimit: '1mb' });
  worker = await startTestWorker({ db: api.db, taskQueue });
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

const MAX_NODES = 1000;
/** Each node outputs 3,000 characters: 1,000 of them make a run state of about 6 MB, three times Temporal's 2 MiB payload limit. */
const bulky = (id: string) => ({ id, type: 'action', action: 'data.transform@1', inputs: { expression: '$pad("", 3000, "x")' } });
const ids = Array.from({ length: MAX_NODES }, (_, i) => `n${i}`);

async function publishAndStart(document: unknown): Promise<{ runId: string; workflowId: string }> {
  const created = await api.request('POST', '/api/flows', { body: { name: `large ${crypto.randomUUID()}`, document } });
  expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
  expect(published.status, JSON.stringify(published.body).slice(0, 500)).toBe(201);
  const started = await api.request('POST', `/api/flows/${created.body.id}/runs`, { body: { mode: 'test' } });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body;
}

/** Polls the run detail, which must answer 200 every time, until `done` holds; `seen` gets every answer. */
async function pollDetail(runId: string, done: (run: ApiBody) => boolean, timeoutMs: number, everyMs = 1000, seen?: (run: ApiBody) => void): Promise<ApiBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.request('GET', `/api/runs/${runId}`);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    seen?.(res.body);
    if (done(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${res.body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const ended = (run: ApiBody) => ['completed', 'failed', 'cancelled'].includes(run.status);

async function expectCompletedWhole(run: { runId: string; workflowId: string }, detail: ApiBody): Promise<void> {
  expect(detail.status, JSON.stringify(detail.error)).toBe('completed');
  expect(detail.mode).toBe('test');
  expect(detail.nodes).toHaveLength(MAX_NODES);
  expect(detail.nodes.every((n: ApiBody) => n.status === 'succeeded' && (n.type !== 'action' || n.output.result.length === 3000))).toBe(true);
  const row = await api.db.selectFrom('runs').select(['status', 'ended_at']).where('id', '=', run.runId).executeTakeFirstOrThrow();
  expect(row.status).toBe('completed');
  // The workflow's result is one payload: the first page of the state, pointing at the rest.
  const result = (await api.temporal.client.workflow.getHandle(run.workflowId).result()) as RunStatePage;
  expect(result.status).toBe('completed');
  expect(result.nextNodes).toBeGreaterThan(0);
  expect(result.outputOmitted).toBe(true);
  expect(JSON.stringify(result).length).toBeLessThan(512 * 1024);
}

describe('the largest flows accepted run (real Temporal dev server)', () => {
  it('a 1,000-node chain publishes and completes in test mode, and its detail answers 200 all along', async () => {
    // 999 data steps, then a 10 s delay: data steps are local activities (docs/temporal.md), so the chain itself runs
    // in seconds; the delay holds the run open with its whole state built, past 2 MiB, for the live detail to read.
    const chain = [...ids.slice(0, -1).map(bulky), { id: ids.at(-1)!, type: 'delay', duration: '10s' }];
    const run = await publishAndStart({
      trigger: { type: 'manual' },
      nodes: chain,
      edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })),
    });
    // A live detail reads the state page by page (a page holds about 80 of these nodes): every node done so far has its output.
    let mostSeenLive = 0;
    const detail = await pollDetail(run.runId, ended, 420_000, 3000, (r) => {
      if (r.status !== 'running') return;
      const done = r.nodes.filter((n: ApiBody) => n.status === 'succeeded' && n.type === 'action');
      expect(done.every((n: ApiBody) => n.output.result.length === 3000)).toBe(true);
      mostSeenLive = Math.max(mostSeenLive, done.length);
    });
    expect(mostSeenLive).toBe(MAX_NODES - 1);
    await expectCompletedWhole(run, detail);
  }, 480_000);

  it('a 1,000-node fan-out publishes and completes in test mode', async () => {
    const run = await publishAndStart({ trigger: { type: 'manual' }, nodes: ids.map(bulky), edges: ids.map((id) => ({ from: 'trigger', to: id })) });
    const detail = await pollDetail(run.runId, ended, 240_000);
    await expectCompletedWhole(run, detail);
  }, 300_000);
});

describe('a run input over the payload limit', () => {
  it('is refused with 413 before anything is claimed or started', async () => {
    const big = await startTestApi({ taskQueue, bodyLimit: '4mb' });
    try {
      const created = await big.request('POST', '/api/flows', {
        body: { name: 'small', document: { trigger: { type: 'manual' }, nodes: [bulky('only')], edges: [{ from: 'trigger', to: 'only' }] } },
      });
      expect(created.status).toBe(201);
      expect((await big.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
      const res = await big.request('POST', `/api/flows/${created.body.id}/runs`, { body: { mode: 'test', input: { blob: 'x'.repeat(2_100_000) } } });
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(413);
      expect(res.body.error).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/^This run's input .* is \d+ bytes, over the \d+ bytes/),
      });
      expect(await big.db.selectFrom('runs').select('id').execute()).toEqual([]);
    } finally {
      await big.close();
    }
  });
});

describe('a run Temporal stops from outside (real Temporal dev server)', () => {
  const waitingFlow = {
    trigger: { type: 'manual' },
    nodes: [
      { id: 'first', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } },
      { id: 'wait', type: 'delay', duration: '1h' },
    ],
    edges: [
      { from: 'trigger', to: 'first' },
      { from: 'first', to: 'wait' },
    ],
  };

  it('a terminated run: its detail answers 200, failed with the reason, at once; the reconcile step records it', async () => {
    const run = await publishAndStart(waitingFlow);
    await pollDetail(run.runId, (r) => r.nodes.some((n: ApiBody) => n.nodeId === 'wait'), 60_000, 200);
    await api.temporal.client.workflow.getHandle(run.workflowId).terminate('stopped by an operator');

    const detail = await pollDetail(run.runId, ended, 30_000, 200);
    expect(detail.status).toBe('failed');
    expect(detail.error).toEqual({ type: 'Terminated', message: 'The run was terminated in Temporal: stopped by an operator' });
    expect(detail.nodes.find((n: ApiBody) => n.nodeId === 'first')).toMatchObject({ status: 'succeeded' });
    expect(detail.nodes.find((n: ApiBody) => n.nodeId === 'wait')).toMatchObject({ status: 'failed', error: { type: 'Terminated' } });
    // Reading is only reading: the database still has the run live until the reconcile step (the server's sweep) records it.
    const listed = async () => (await api.request('GET', `/api/runs?flowId=${detail.flowId}`)).body.runs[0];
    expect(await listed()).toMatchObject({ id: run.runId, status: 'running' });
    const deadline = Date.now() + 30_000;
    while ((await recordStoppedRuns(api.db, api.temporal, new Date(Date.now() - 600_000))) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 300));
    expect(await listed()).toMatchObject({ id: run.runId, status: 'failed', error: { type: 'Terminated' } });
  }, 120_000);

  it('a terminated run is recorded as failed without anyone opening it (the sweep the server runs every minute)', async () => {
    const since = new Date();
    const run = await publishAndStart(waitingFlow);
    await pollDetail(run.runId, (r) => r.nodes.some((n: ApiBody) => n.nodeId === 'wait'), 60_000, 200);
    await api.temporal.client.workflow.getHandle(run.workflowId).terminate('stopped from the CLI');
    const row = () => api.db.selectFrom('runs').select(['status', 'error', 'ended_at']).where('id', '=', run.runId).executeTakeFirstOrThrow();
    expect((await row()).status).toBe('running');
    // Temporal's visibility store sees the termination a moment later.
    const deadline = Date.now() + 30_000;
    while ((await recordStoppedRuns(api.db, api.temporal, since)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    const recorded = await row();
    expect(recorded.status).toBe('failed');
    expect(JSON.parse(recorded.error!)).toEqual({ type: 'Terminated', message: 'The run was terminated in Temporal: stopped from the CLI' });
    expect(recorded.ended_at).not.toBeNull();
  }, 120_000);

  it('a run that reaches its time limit in Temporal is recorded as failed with a timeout', async () => {
    // The API sets no run timeout; an operator (or a Temporal-side policy) can. Started here as the API would, with one.
    const workflowId = `timeout-${crypto.randomUUID()}`;
    const claim = await claimRun(api.db, {
      workspaceId: api.workspaceId,
      flowId: 'flw_timeout',
      version: 1,
      workflowId,
      mode: 'test',
      trigger: { type: 'manual', data: {} },
    });
    const snapshot = {
      schemaVersion: 1,
      trigger: { type: 'manual' },
      nodes: [{ id: 'wait', type: 'delay', duration: '1h' }],
      edges: [{ from: 'trigger', to: 'wait' }],
    };
    const options = { runId: claim.run.id, workspaceId: api.workspaceId, flowId: 'flw_timeout', version: 1, mode: 'test', actionDefaults: {}, record: true };
    const handle = await api.temporal.client.workflow.start('runFlow', {
      args: [{ snapshot, trigger: { type: 'manual', data: {} }, options }],
      taskQueue,
      workflowId,
      workflowRunTimeout: '2s',
    });
    await markRunStarted(api.db, claim.run.id, handle.firstExecutionRunId);
    const detail = await pollDetail(claim.run.id, ended, 60_000, 300);
    expect(detail.status).toBe('failed');
    expect(detail.error).toEqual({ type: 'Timeout', message: 'The run reached its time limit in Temporal (workflow run timeout) and was stopped' });
    expect(detail.nodes).toEqual([expect.objectContaining({ nodeId: 'wait', status: 'failed', error: detail.error })]);
  }, 120_000);

  it('a run whose workflow task keeps failing shows as stuck with the failure; cancelling it terminates it, recorded as failed', async () => {
    // A workflow the interpreter cannot even begin (its input has no options): every workflow task fails, and Temporal retries it.
    const workflowId = `stuck-${crypto.randomUUID()}`;
    const claim = await claimRun(api.db, {
      workspaceId: api.workspaceId,
      flowId: 'flw_stuck',
      version: 1,
      workflowId,
      mode: 'test',
      trigger: { type: 'manual', data: {} },
    });
    const handle = await api.temporal.client.workflow.start('runFlow', {
      args: [{ snapshot: { trigger: { type: 'manual' }, nodes: [], edges: [] }, trigger: { type: 'manual', data: {} } }],
      taskQueue,
      workflowId,
    });
    await markRunStarted(api.db, claim.run.id, handle.firstExecutionRunId);

    const stuck = await pollDetail(claim.run.id, (r) => r.stuck !== undefined, 60_000, 300);
    expect(stuck.status).toBe('running');
    expect(stuck.stuck.attempts).toBeGreaterThanOrEqual(2);
    expect(stuck.stuck.message).toMatch(/^Temporal retries its workflow task \(attempt \d+\), which fails with: .*undefined/);

    // Cancelling could never be carried out by the failing task: the run is terminated instead.
    const cancel = await api.request('POST', `/api/runs/${claim.run.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body).toEqual({ runId: claim.run.id, status: 'terminated' });
    const detail = await pollDetail(claim.run.id, ended, 30_000, 200);
    expect(detail.status).toBe('failed');
    expect(detail.error).toEqual({
      type: 'Terminated',
      message: 'The run was terminated in Temporal: Cancelled from Switchyard while its workflow task kept failing',
    });
    expect(detail.stuck).toBeUndefined();
  }, 120_000);
});
