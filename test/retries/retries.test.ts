import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMs } from '#core/graph';
import { startTestApi, type ApiBody, type ApiResponse, type TestApi } from '../helpers/api';
import { startHttpPeer, type Hit, type Route } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';

/**
 * The retries issue, acceptance point by point, with real components only: the shared Temporal dev
 * server, a real worker, the real API in-process, and local HTTP peers that count every request they get.
 * Everything is driven through the HTTP API, as a user would.
 */

const taskQueue = `retries-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const peers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  // The worker shares the API's database (it records parks and ends there) and its task queue.
  worker = await startTestWorker({ db: api.db, taskQueue });
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await Promise.all(peers.map((p) => p.close()));
});

// ---------------------------------------------------------------------------------------------------------
// Builders and helpers

type Peer = Awaited<ReturnType<typeof startHttpPeer>>;
type NodeJson = { id: string } & Record<string, unknown>;
type RunNode = {
  key: string;
  nodeId: string;
  status: string;
  attempts: number;
  output?: ApiBody;
  error?: ApiBody;
  decisions?: { action: string }[];
  attemptLog?: ApiBody;
};

async function peer(route: Route): Promise<Peer> {
  const p = await startHttpPeer(route);
  peers.push(p);
  return p;
}

const fastRetry = { maximumAttempts: 5, initialInterval: '100ms', backoffCoefficient: 1 };
const get = (id: string, url: string, extra: Record<string, unknown> = {}): NodeJson => ({
  id,
  type: 'action',
  action: 'http.request@1',
  inputs: { url },
  retry: fastRetry,
  ...extra,
});
const transform = (id: string, expression: string, data?: unknown): NodeJson => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs: { expression, ...(data !== undefined ? { data } : {}) },
});
const chain = (ids: string[]) => ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id }));
const manualFlow = (nodes: NodeJson[]) => ({ trigger: { type: 'manual' }, nodes, edges: chain(nodes.map((n) => n.id)) });
const eventFlow = (event: string, nodes: NodeJson[]) => ({ trigger: { type: 'event', event }, nodes, edges: chain(nodes.map((n) => n.id)) });

function ok(res: ApiResponse, status = 200): ApiBody {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

function expectError(res: ApiResponse, status: number, code: string, message: RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toMatch(message);
}

/** Creates and publishes a flow; returns its id. */
async function publishedFlow(name: string, document: unknown): Promise<string> {
  const id = ok(await api.request('POST', '/api/flows', { body: { name, document } }), 201).id as string;
  ok(await api.request('POST', `/api/flows/${id}/publish`, { body: {} }), 201);
  return id;
}

async function startRun(flowId: string, input: unknown = {}): Promise<string> {
  return ok(await api.request('POST', `/api/flows/${flowId}/runs`, { body: { input } }), 201).runId as string;
}

/** Polls GET /api/runs/:id until `done` holds. */
async function pollRun(runId: string, done: (run: ApiBody) => boolean, timeoutMs = 20_000): Promise<ApiBody> {
  let last: ApiBody;
  try {
    return await pollUntil(
      `run ${runId}`,
      async () => {
        last = ok(await api.request('GET', `/api/runs/${runId}`));
        return done(last) ? last : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)}`);
  }
}
const statusIs =
  (...statuses: string[]) =>
  (run: ApiBody) =>
    statuses.includes(run.status);
const ENDED = ['completed', 'failed', 'cancelled'];

const node = (run: ApiBody, key: string): RunNode => {
  const found = (run.nodes as RunNode[]).find((n) => n.key === key);
  if (!found) throw new Error(`Run ${run.id} has no node "${key}": ${JSON.stringify(run.nodes)}`);
  return found;
};

/** GET /api/runs?…, every page of up to 200. */
async function listRuns(query: string): Promise<{ id: string; status: string; error?: ApiBody }[]> {
  return ok(await api.request('GET', `/api/runs?${query}&limit=200`)).runs;
}

/** Waits until `count` runs of the flow have the status (per the runs list, i.e. what the database recorded). */
async function waitForRuns(flowId: string, status: string, count: number, timeoutMs: number) {
  return pollUntil(
    `${count} ${status} runs of ${flowId}`,
    async () => {
      const runs = await listRuns(`flowId=${flowId}&status=${status}`);
      return runs.length >= count ? runs : undefined;
    },
    timeoutMs,
    250,
  );
}

// ---------------------------------------------------------------------------------------------------------

describe('retries: automatic, parked, decided, reset, in bulk', () => {
  it('1. a node whose server fails 3 times (503) then succeeds completes after its retries, with 4 attempts recorded', async () => {
    let calls = 0;
    const flaky = await peer(() => (++calls <= 3 ? { status: 503, body: 'busy' } : { body: { ok: true, calls } }));
    const flowId = await publishedFlow(
      'Flaky',
      manualFlow([get('call', `${flaky.url}/flaky`, { retry: { maximumAttempts: 5, initialInterval: '100ms', backoffCoefficient: 1 } })]),
    );

    const run = await pollRun(await startRun(flowId), statusIs(...ENDED, 'parked'));
    expect(run.status).toBe('completed');
    expect(node(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 4, output: { status: 200, body: { ok: true, calls: 4 } } });
    // Every attempt is visible with its start, end and error, not only the last failure.
    const log = (
      node(run, 'call') as unknown as { attemptLog: { attempt: number; status: string; error: string | null; startedAt: string; endedAt: string | null }[] }
    ).attemptLog;
    expect(log.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'succeeded'],
    ]);
    for (const a of log.slice(0, 3)) expect(a.error).toMatch(/503/);
    for (const a of log) expect(Date.parse(a.endedAt!)).toBeGreaterThanOrEqual(Date.parse(a.startedAt));
    expect(node(run, 'call').error).toBeUndefined();
    expect(flaky.hitsTo('/flaky')).toHaveLength(4);
  });

  it('2. a 401 is not retried and parks the node; after the secret is fixed a retry completes the run, earlier nodes called once', async () => {
    const goodToken = `good-${crypto.randomUUID()}`;
    const server = await peer((hit) => {
      if (hit.path === '/guarded')
        return hit.headers.authorization === `Bearer ${goodToken}` ? { body: { secret: 'data' } } : { status: 401, body: { error: 'bad token' } };
      return { body: { path: hit.path } };
    });
    ok(await api.request('PUT', '/api/secrets/PARK_TOKEN', { body: { live: 'expired-token' } }));
    const flowId = await publishedFlow(
      'Guarded',
      manualFlow([
        get('first', `${server.url}/first`),
        get('second', `${server.url}/second`),
        get('guarded', `${server.url}/guarded`, { inputs: { url: `${server.url}/guarded`, auth: { type: 'bearer', secret: 'PARK_TOKEN' } } }),
      ]),
    );
    const runId = await startRun(flowId);

    const parked = await pollRun(runId, statusIs(...ENDED, 'parked'));
    expect(parked.status).toBe('parked');
    expect(node(parked, 'guarded')).toMatchObject({
      status: 'parked',
      attempts: 1,
      error: { type: 'NonRetryable', status: 401, message: expect.stringContaining('401') },
    });
    expect(node(parked, 'first').status).toBe('succeeded');
    expect(node(parked, 'second').status).toBe('succeeded');
    // The parked run is in the database as parked too (what lists and bulk retry read).
    expect((await listRuns(`flowId=${flowId}&status=parked`)).map((r) => r.id)).toEqual([runId]);
    // Not retried: one request, and still one a moment later (fastRetry would have retried in 100 ms).
    await new Promise((r) => setTimeout(r, 500));
    expect(server.hitsTo('/guarded')).toHaveLength(1);

    ok(await api.request('PUT', '/api/secrets/PARK_TOKEN', { body: { live: goodToken } }));
    expect(ok(await api.request('POST', `/api/runs/${runId}/nodes/guarded/retry`, { body: {} }))).toEqual({
      runId,
      nodeKey: 'guarded',
      action: 'retry',
      accepted: true,
    });

    const done = await pollRun(runId, statusIs(...ENDED));
    expect(done.status).toBe('completed');
    expect(node(done, 'guarded')).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      output: { status: 200, body: { secret: 'data' } },
      decisions: [{ action: 'retry' }],
    });
    expect(node(done, 'guarded').error).toBeUndefined();
    // The fixed secret was read at execution; the old one was tried exactly once.
    expect(server.hitsTo('/guarded').map((h: Hit) => h.headers.authorization)).toEqual(['Bearer expired-token', `Bearer ${goodToken}`]);
    // Every earlier node's server saw exactly one request.
    expect(server.hitsTo('/first')).toHaveLength(1);
    expect(server.hitsTo('/second')).toHaveLength(1);
    // The secret never reaches the run's record.
    expect(JSON.stringify(done)).not.toContain(goodToken);
    expect((await listRuns(`flowId=${flowId}&status=completed`)).map((r) => r.id)).toEqual([runId]);
  });

  it('3. skip (a later node reads the given output) and abort work; deciding a node that is not parked is a 409, an unknown run a 404', async () => {
    const server = await peer((hit) => (hit.path === '/broken' ? { status: 400, body: { error: 'bad request' } } : { body: { ok: true } }));
    const flowId = await publishedFlow(
      'Skippable',
      manualFlow([
        get('first', `${server.url}/first`),
        get('broken', `${server.url}/broken`),
        transform('after', 'data * 2', { $expr: 'nodes.broken.body.count' }),
      ]),
    );

    // Skip, with an output the transform after it reads.
    const skipped = await startRun(flowId);
    const parked = await pollRun(skipped, statusIs(...ENDED, 'parked'));
    expect(parked.status).toBe('parked');
    expect(node(parked, 'broken')).toMatchObject({ status: 'parked', error: { status: 400 } });

    // While it is parked: a completed node, a node that is not in the run.
    expectError(
      await api.request('POST', `/api/runs/${skipped}/nodes/first/retry`, { body: {} }),
      409,
      'CONFLICT',
      /Node "first" is succeeded; only a parked node can be retried/,
    );
    expectError(await api.request('POST', `/api/runs/${skipped}/nodes/first/skip`, { body: {} }), 409, 'CONFLICT', /only a parked node/);
    expectError(await api.request('POST', `/api/runs/${skipped}/nodes/ghost/retry`, { body: {} }), 409, 'CONFLICT', /Node "ghost" is not part of this run/);
    // The refusals changed nothing.
    expect((await pollRun(skipped, () => true)).status).toBe('parked');

    ok(await api.request('POST', `/api/runs/${skipped}/nodes/broken/skip`, { body: { output: { status: 200, body: { count: 21 } } } }));
    const done = await pollRun(skipped, statusIs(...ENDED));
    expect(done.status).toBe('completed');
    expect(node(done, 'broken')).toMatchObject({ status: 'succeeded', output: { status: 200, body: { count: 21 } }, decisions: [{ action: 'skip' }] });
    expect(node(done, 'after')).toMatchObject({ status: 'succeeded', output: { result: 42 } });
    expect(server.hitsTo('/broken')).toHaveLength(1);

    // Deciding for a node of a completed run.
    expectError(
      await api.request('POST', `/api/runs/${skipped}/nodes/broken/retry`, { body: {} }),
      409,
      'CONFLICT',
      /is completed; nodes can be retried only while a run is parked/,
    );
    expectError(await api.request('POST', `/api/runs/${skipped}/nodes/after/abort`, { body: {} }), 409, 'CONFLICT', /is completed/);
    // A run that does not exist.
    expectError(await api.request('POST', '/api/runs/run_nope/nodes/broken/retry', { body: {} }), 404, 'NOT_FOUND', /There is no run "run_nope"/);
    expectError(await api.request('POST', '/api/runs/run_nope/reset'), 404, 'NOT_FOUND', /run_nope/);

    // Abort: the run fails with type Aborted and the reason; the nodes after it never run.
    const aborted = await startRun(flowId);
    expect((await pollRun(aborted, statusIs(...ENDED, 'parked'))).status).toBe('parked');
    ok(await api.request('POST', `/api/runs/${aborted}/nodes/broken/abort`, { body: { reason: 'the order was cancelled' } }));
    const failed = await pollRun(aborted, statusIs(...ENDED));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ type: 'Aborted', nodeId: 'broken', message: expect.stringContaining('the order was cancelled') });
    expect(node(failed, 'broken')).toMatchObject({ status: 'failed', error: { type: 'Aborted' }, decisions: [{ action: 'abort' }] });
    expect((failed.nodes as RunNode[]).some((n) => n.key === 'after')).toBe(false);
    expect((await listRuns(`flowId=${flowId}&status=failed`)).map((r) => r.id)).toEqual([aborted]);
    expectError(await api.request('POST', `/api/runs/${aborted}/nodes/broken/retry`, { body: {} }), 409, 'CONFLICT', /is failed.*reset/);
  });

  it('3b. two decisions sent at once for one parked node: one is accepted and carried out, the other is refused with 409', async () => {
    const first = new Set<string>();
    // The first call of each run is refused (the node parks); a retried call answers after a while, so the node is busy meanwhile.
    const server = await peer((hit) => {
      const n = new URL(hit.path, 'http://x').searchParams.get('n')!;
      if (!first.has(n)) {
        first.add(n);
        return { status: 400, body: { error: 'bad request' } };
      }
      return { body: { from: 'server' }, delayMs: 1000 };
    });
    const flowId = await publishedFlow(
      'Contested',
      manualFlow([get('call', `${server.url}/contested`, { inputs: { url: `${server.url}/contested`, query: { n: { $expr: 'trigger.data.n' } } } })]),
    );
    const RUNS = 6;
    const runIds = await Promise.all(Array.from({ length: RUNS }, (_, n) => startRun(flowId, { n })));
    await Promise.all(runIds.map((id) => pollRun(id, statusIs(...ENDED, 'parked'))));

    await Promise.all(
      runIds.map(async (runId) => {
        const [retry, skip] = await Promise.all([
          api.request('POST', `/api/runs/${runId}/nodes/call/retry`, { body: {} }),
          api.request('POST', `/api/runs/${runId}/nodes/call/skip`, { body: { output: { from: 'skip' } } }),
        ]);
        expect([retry.status, skip.status].sort(), JSON.stringify([retry.body, skip.body])).toEqual([200, 409]);
        const refused = retry.status === 409 ? retry : skip;
        // Refused by the workflow (a decision is pending, or the node is busy again) or, once the run ended, by the API.
        expect(refused.body.error.code).toBe('CONFLICT');
        expect(refused.body.error.message).toMatch(
          /Node "call" already has a decision|Node "call" is (running|succeeded)|has already ended|is completed; nodes can be retried only/,
        );
        const done = await pollRun(runId, statusIs(...ENDED));
        expect(done.status).toBe('completed');
        // What happened is what was accepted, and only that.
        if (retry.status === 200) expect(node(done, 'call')).toMatchObject({ output: { body: { from: 'server' } }, decisions: [{ action: 'retry' }] });
        else expect(node(done, 'call')).toMatchObject({ output: { from: 'skip' }, decisions: [{ action: 'skip' }] });
      }),
    );
  });

  it('4. a failed run is reset to its failed node and completes, without calling the earlier nodes again', async () => {
    let fixed = false;
    const server = await peer((hit) => (hit.path === '/fragile' && !fixed ? { status: 400, body: { error: 'not yet' } } : { body: { path: hit.path } }));
    const flowId = await publishedFlow(
      'Resettable',
      manualFlow([get('first', `${server.url}/first`), get('second', `${server.url}/second`), get('fragile', `${server.url}/fragile`, { onError: 'fail' })]),
    );
    const runId = await startRun(flowId);

    const failed = await pollRun(runId, statusIs(...ENDED, 'parked'));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ nodeId: 'fragile', status: 400 });
    expect([server.hitsTo('/first').length, server.hitsTo('/second').length, server.hitsTo('/fragile').length]).toEqual([1, 1, 1]);
    // Reset is for failed runs only; a failed run's nodes are not retried.
    expectError(await api.request('POST', `/api/runs/${runId}/nodes/fragile/retry`, { body: {} }), 409, 'CONFLICT', /reset/);

    fixed = true;
    const reset = ok(await api.request('POST', `/api/runs/${runId}/reset`));
    expect(reset).toMatchObject({ runId, status: 'running', resetToEventId: expect.any(Number) });

    const done = await pollRun(runId, (r) => ENDED.includes(r.status));
    expect(done.status).toBe('completed');
    expect(done.error).toBeUndefined();
    expect(node(done, 'fragile')).toMatchObject({ status: 'succeeded', output: { status: 200, body: { path: '/fragile' } } });
    expect(node(done, 'first').output).toMatchObject({ body: { path: '/first' } });
    // Earlier nodes kept their results: still one request each; the failed node's server got its new one.
    expect([server.hitsTo('/first').length, server.hitsTo('/second').length, server.hitsTo('/fragile').length]).toEqual([1, 1, 2]);
    // Every attempt stays in the log across the reset, the earlier one marked as before it.
    expect(node(done, 'fragile').attemptLog).toEqual([
      expect.objectContaining({ activityId: 'fragile', beforeReset: 1, attempt: 1, status: 'failed', error: expect.stringContaining('400') }),
      expect.objectContaining({ activityId: 'fragile', attempt: 1, status: 'succeeded' }),
    ]);
    expect(node(done, 'fragile').attemptLog[1].beforeReset).toBeUndefined();
    // The database row ends completed too (the run reported its end after the reset).
    await waitForRuns(flowId, 'completed', 1, 10_000);
    expect(await listRuns(`flowId=${flowId}&status=failed`)).toEqual([]);
    // A completed run cannot be reset.
    expectError(await api.request('POST', `/api/runs/${runId}/reset`), 409, 'CONFLICT', /only a failed run can be reset/);
  });

  it('5. bulk retry of 50 parked runs: all 50 are retried and complete', async () => {
    let open = false;
    const server = await peer(() => (open ? { body: { ok: true } } : { status: 400, body: { error: 'rejected until fixed' } }));
    const flowId = await publishedFlow(
      'Bulk',
      eventFlow('bulk.parks', [get('call', `${server.url}/bulk`, { inputs: { url: `${server.url}/bulk`, query: { n: { $expr: 'trigger.data.n' } } } })]),
    );

    const N = 50;
    const BATCH = 10;
    for (let start = 0; start < N; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, N - start) }, (_, i) => start + i);
      const answers = await Promise.all(batch.map((n) => api.request('POST', '/v1/events', { body: { name: 'bulk.parks', id: `bulk-${n}`, data: { n } } })));
      for (const a of answers) expect(ok(a, 202).runs).toHaveLength(1);
    }
    const parked = await waitForRuns(flowId, 'parked', N, 60_000);
    expect(parked).toHaveLength(N);
    expect(server.hits).toHaveLength(N);

    open = true;
    const result = ok(await api.request('POST', '/api/runs/bulk-retry', { body: { status: 'parked', flowId } }));
    expect(result).toMatchObject({ matched: N, retried: N, failed: 0 });
    expect(new Set(result.results.map((r: { runId: string }) => r.runId))).toEqual(new Set(parked.map((r) => r.id)));

    const completed = await waitForRuns(flowId, 'completed', N, 60_000);
    expect(completed).toHaveLength(N);
    expect(await listRuns(`flowId=${flowId}&status=parked`)).toEqual([]);
    // One refused request and one retried request per run, nothing more.
    expect(server.hits).toHaveLength(2 * N);
    const perRun = new Map<string, number>();
    for (const h of server.hits) {
      const n = new URL(h.path, server.url).searchParams.get('n')!;
      perRun.set(n, (perRun.get(n) ?? 0) + 1);
    }
    expect(perRun.size).toBe(N);
    expect([...perRun.values()].every((c) => c === 2)).toBe(true);
  }, 120_000);
});

/** Attempts of a retry policy that start within `windowMs` of the first (Temporal's backoff, capped by maximumInterval). */
function attemptsWithin(policy: { maximumAttempts: number; initialInterval: string; backoffCoefficient: number; maximumInterval: string }, windowMs: number) {
  let at = 0;
  let attempts = 0;
  for (let attempt = 1; attempt <= policy.maximumAttempts && at < windowMs; attempt++) {
    attempts++;
    at += Math.min(durationMs(policy.initialInterval) * policy.backoffCoefficient ** (attempt - 1), durationMs(policy.maximumInterval));
  }
  return attempts;
}

/** When the last attempt of a policy starts, after the first. */
function lastAttemptAt(policy: Parameters<typeof attemptsWithin>[0]) {
  let at = 0;
  for (let attempt = 1; attempt < policy.maximumAttempts; attempt++)
    at += Math.min(durationMs(policy.initialInterval) * policy.backoffCoefficient ** (attempt - 1), durationMs(policy.maximumInterval));
  return at;
}

describe('outage', () => {
  it('6. a 60 s provider outage loses no run, and its retries stay within the policy', async () => {
    const OUTAGE_MS = 60_000;
    const RUNS = 10;
    const policy = { maximumAttempts: 8, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' };
    // The policy must outlast the outage, or runs would park: its last attempt starts after the outage ends.
    expect(lastAttemptAt(policy)).toBeGreaterThan(OUTAGE_MS);

    let outageEnds = Number.POSITIVE_INFINITY;
    let duringOutage = 0;
    const provider = await peer(() => {
      if (Date.now() < outageEnds) {
        duringOutage++;
        return { status: 503, body: 'service unavailable' };
      }
      return { body: { ok: true } };
    });
    const flowId = await publishedFlow(
      'Outage',
      manualFlow([
        get('call', `${provider.url}/outage`, { inputs: { url: `${provider.url}/outage`, query: { n: { $expr: 'trigger.data.n' } } }, retry: policy }),
      ]),
    );

    outageEnds = Date.now() + OUTAGE_MS;
    const runIds = await Promise.all(Array.from({ length: RUNS }, (_, n) => startRun(flowId, { n })));
    // Every run started during the outage.
    expect(Date.now()).toBeLessThan(outageEnds - OUTAGE_MS / 2);

    const completed = await waitForRuns(flowId, 'completed', RUNS, OUTAGE_MS + 60_000);
    expect(completed.map((r) => r.id).sort()).toEqual([...runIds].sort());
    expect(await listRuns(`flowId=${flowId}&status=parked`)).toEqual([]);
    expect(await listRuns(`flowId=${flowId}&status=failed`)).toEqual([]);

    // The provider was not hammered: at most the attempts that fit in the outage, per run.
    const budget = RUNS * attemptsWithin(policy, OUTAGE_MS);
    expect(duringOutage).toBeGreaterThan(0);
    expect(duringOutage, `${duringOutage} requests during the outage; the policy allows ${budget}`).toBeLessThanOrEqual(budget);
    // No run made more requests than the policy's maximum, and each run's attempts match its requests.
    const perRun = new Map<string, number>();
    for (const h of provider.hits) {
      const n = new URL(h.path, provider.url).searchParams.get('n')!;
      perRun.set(n, (perRun.get(n) ?? 0) + 1);
    }
    expect(perRun.size).toBe(RUNS);
    expect(Math.max(...perRun.values())).toBeLessThanOrEqual(policy.maximumAttempts);
    for (const [n, runId] of runIds.entries()) {
      const run = ok(await api.request('GET', `/api/runs/${runId}`));
      expect(node(run, 'call')).toMatchObject({ status: 'succeeded', attempts: perRun.get(String(n)) });
    }
  }, 180_000);
});
