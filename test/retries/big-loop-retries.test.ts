import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccount } from '#store/credits.repository';
import { startTestApi, type ApiBody, type ApiResponse, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';

/**
 * Items of a big loop (over 100 items: child-workflow batches, docs/big-runs.md) through the API, as for any node:
 * a run failed in a loop item is reset from that item's batch; a big loop is cancelled with its batches; an item
 * that waits for credits shows in the run, and the run goes on when credits are added.
 */
const taskQueue = `big-loop-retries-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
let fixed = false;

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  worker = await startTestWorker({ db: api.db, taskQueue });
  peer = await startHttpPeer((hit) => {
    const p = hit.path.split('?')[0]!;
    if (p === '/item/240' && !fixed) return { status: 400, body: { error: 'not yet' } };
    if (p.startsWith('/slow/')) return { body: { ok: true }, delayMs: 300 };
    return { body: { ok: true, path: p } };
  });
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await peer?.close();
});

function ok(res: ApiResponse, status = 200): ApiBody {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const loopFlow = (items: number, path: string, extra: Record<string, unknown> = {}, concurrency = 10) => ({
  trigger: { type: 'manual' },
  nodes: [
    {
      id: 'each',
      type: 'forEach',
      items: `[1..${items}]`,
      concurrency,
      body: {
        nodes: [
          {
            id: 'call',
            type: 'action',
            action: 'http.request@1',
            inputs: { url: { $expr: `"${peer.url}${path}/" & $string(item)` }, idempotencyHeader: 'Idempotency-Key' },
            retry: { maximumAttempts: 1 },
            ...extra,
          },
        ],
        edges: [{ from: 'each', to: 'call' }],
      },
    },
  ],
  edges: [{ from: 'trigger', to: 'each' }],
});

async function startFlow(name: string, document: unknown, key = api.keys.live): Promise<string> {
  const id = ok(await api.request('POST', '/api/flows', { key, body: { name, document } }), 201).id as string;
  ok(await api.request('POST', `/api/flows/${id}/publish`, { key, body: {} }), 201);
  return ok(await api.request('POST', `/api/flows/${id}/runs`, { key, body: { input: {} } }), 201).runId as string;
}

const pollRun = (runId: string, done: (run: ApiBody) => boolean, key = api.keys.live, timeoutMs = 60_000) =>
  pollUntil(
    `run ${runId}`,
    async () => {
      const run = ok(await api.request('GET', `/api/runs/${runId}`, { key }));
      return done(run) ? run : undefined;
    },
    timeoutMs,
    250,
  );

describe('items of a big loop: reset, cancel, credits', () => {
  it('a run failed in a loop item is reset from that item’s batch and completes; earlier batches are not run again', async () => {
    fixed = false;
    // 250 items of a one-node body: batch 0 holds items 1–200, batch 1 items 201–250; item 240 fails the run.
    // Concurrency 3 runs one batch at a time (two at a time from 4), so batch 0 has ended when batch 1 fails.
    const runId = await startFlow('Reset big loop', loopFlow(250, '/item', { onError: 'fail' }, 3));
    const failed = await pollRun(runId, (r) => ['failed', 'completed'].includes(r.status));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ nodeId: 'each[239].call', status: 400 });
    fixed = true;
    ok(await api.request('POST', `/api/runs/${runId}/reset`));
    const done = await pollRun(runId, (r) => ['failed', 'completed'].includes(r.status));
    expect(done.status).toBe('completed');
    expect((done.nodes as { nodeId: string; progress?: unknown }[]).find((n) => n.nodeId === 'each')!.progress).toMatchObject({ done: 250, total: 250 });
    const hitsOf = (item: number) => peer.hits.filter((h) => h.path === `/item/${item}`).length;
    // Batch 0 kept its result: each of its items was called once. The failed batch ran again (same idempotency keys).
    expect(Array.from({ length: 200 }, (_, i) => hitsOf(i + 1)).every((n) => n === 1)).toBe(true);
    expect(hitsOf(240)).toBe(2);
  });

  it('cancelling a run cancels its loop batches', async () => {
    const runId = await startFlow('Cancel big loop', loopFlow(300, '/slow'));
    await pollUntil('some items to run', async () => (peer.hits.filter((h) => h.path.startsWith('/slow/')).length >= 10 ? true : undefined), 30_000, 100);
    ok(await api.request('POST', `/api/runs/${runId}/cancel`), 202);
    const run = await pollRun(runId, (r) => ['cancelled', 'failed', 'completed'].includes(r.status));
    expect(run.status).toBe('cancelled');
    const handle = api.temporal.client.workflow.getHandle(`${run.workflowId as string}/each/0`);
    await pollUntil('the batch to close', async () => ((await handle.describe()).status.name !== 'RUNNING' ? true : undefined), 20_000, 200);
    expect((await handle.describe()).status.name).toMatch(/CANCELLED|TERMINATED/);
    const after = peer.hits.filter((h) => h.path.startsWith('/slow/')).length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(peer.hits.filter((h) => h.path.startsWith('/slow/')).length).toBe(after);
    expect(after).toBeLessThan(300);
  });

  it('a loop item that runs out of credits shows in the run as waiting; adding credits resumes the batch', async () => {
    const ws = await api.createWorkspace('Big loop credits');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 120 });
    const runId = await startFlow('Credits big loop', loopFlow(150, '/credit'), ws.keys.live);
    const waiting = await pollRun(runId, (r) => r.status === 'waitingForCredits', ws.keys.live);
    const item = (waiting.nodes as { key: string; status: string; error?: { type: string } }[]).find((n) => n.status === 'waitingForCredits');
    expect(item?.key).toMatch(/^each\[\d+\]\.call$/);
    expect(item?.error?.type).toBe('CreditsExhausted');
    const added = ok(await api.request('POST', `/api/admin/workspaces/${ws.workspaceId}/credits`, { key: api.adminToken!, body: { credits: 100 } }));
    expect(added.resumedRuns).toBe(1);
    const done = await pollRun(runId, (r) => ['failed', 'completed'].includes(r.status), ws.keys.live);
    expect(done.status).toBe('completed');
    // Every item called once.
    expect(new Set(peer.hits.filter((h) => h.path.startsWith('/credit/')).map((h) => h.path)).size).toBe(150);
  });
});
