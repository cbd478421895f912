import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';

/**
 * The publish dialog's estimate is what a run is metered at: for flows of different shapes (a chain with a free step,
 * parallel branches, a condition, a loop counted from the sample data, nested steps after a loop), the estimate of the
 * document with its sample equals the list credits the real worker meters for a test run on that sample.
 */
const taskQueue = `estimate-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;

beforeAll(async () => {
  peer = await startHttpPeer((hit) => ({ body: { path: hit.path, ok: true } }));
  api = await startTestApi({ taskQueue });
  worker = await startTestWorker({ db: api.db, taskQueue });
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await peer?.close();
});

const http = (id: string, path = id) => ({ id, type: 'action', action: 'http.request@1', inputs: { url: `PEER/${path}` } });
const free = (id: string) => ({ id, type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: 'data' } });

const shapes: { name: string; credits: number; sample: unknown; nodes: unknown[]; edges: unknown[] }[] = [
  { name: 'one request', credits: 1, sample: {}, nodes: [http('a')], edges: [{ from: 'trigger', to: 'a' }] },
  {
    name: 'a chain with a free step',
    credits: 2,
    sample: {},
    nodes: [http('a'), http('b'), free('shape')],
    edges: [
      { from: 'trigger', to: 'a' },
      { from: 'a', to: 'b' },
      { from: 'b', to: 'shape' },
    ],
  },
  {
    name: 'parallel branches',
    credits: 3,
    sample: {},
    nodes: [http('left'), http('right'), http('more')],
    edges: [
      { from: 'trigger', to: 'left' },
      { from: 'trigger', to: 'right' },
      { from: 'right', to: 'more' },
    ],
  },
  {
    name: 'a condition whose taken branch holds the requests',
    credits: 2,
    sample: { plan: 'pro' },
    nodes: [{ id: 'isPro', type: 'condition', condition: 'trigger.data.plan = "pro"' }, http('welcome'), http('upsell')],
    edges: [
      { from: 'trigger', to: 'isPro' },
      { from: 'isPro', to: 'welcome', branch: 'true' },
      { from: 'welcome', to: 'upsell' },
    ],
  },
  {
    name: 'a loop counted from the sample, then a request after it',
    credits: 5,
    sample: { items: [1, 2, 3, 4] },
    nodes: [
      {
        id: 'each',
        type: 'forEach',
        items: 'trigger.data.items',
        concurrency: 2,
        body: {
          nodes: [http('item', 'item'), free('inner')],
          edges: [
            { from: 'each', to: 'item' },
            { from: 'item', to: 'inner' },
          ],
        },
      },
      http('after'),
    ],
    edges: [
      { from: 'trigger', to: 'each' },
      { from: 'each', to: 'after' },
    ],
  },
];

describe('the estimate equals the metered cost', () => {
  it.each(shapes.map((s) => [s.name, s] as const))('%s', async (_name, shape) => {
    // The local peer's address is known only once it listens.
    const document = JSON.parse(
      JSON.stringify({ trigger: { type: 'manual' }, nodes: shape.nodes, edges: shape.edges, pinned: { trigger: shape.sample } }).replaceAll('PEER', peer.url),
    ) as Record<string, unknown>;
    const created = await api.request('POST', '/api/flows', { body: { name: shape.name, document } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flowId = created.body.id as string;
    const check = await api.request('POST', `/api/flows/${flowId}/check`, { body: { document } });
    expect(check.status).toBe(200);
    expect(check.body.problems).toEqual([]);
    expect(check.body.estimate.credits).toBe(shape.credits);
    expect((await api.request('POST', `/api/flows/${flowId}/publish`, { body: {} })).status).toBe(201);
    const started = await api.request('POST', `/api/flows/${flowId}/runs`, { body: { input: shape.sample, mode: 'test' } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const run = await pollUntil(
      `the run of "${shape.name}" to end`,
      async () => {
        const r = await api.request('GET', `/api/runs/${started.body.runId}`);
        return ['completed', 'failed', 'parked'].includes(r.body.status) ? r.body : undefined;
      },
      30_000,
      100,
    );
    expect(run.status).toBe('completed');
    expect(run.cost.listCredits, `estimate ${JSON.stringify(check.body.estimate)}`).toBe(check.body.estimate.credits);
    expect(run.cost.credits).toBe(0); // a test run is not charged
  });
});
