import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, FileBlobBackend } from '#store/blobs';
import { SecretStore } from '#store/secrets';
import { startTestApi, type TestApi } from '../helpers/api';
import { pollUntil } from '../helpers/processes';
import { startTestWorker, testDb, testMasterKey } from '../helpers/temporal';

/**
 * A forEach's items a page at a time (docs/big-runs.md): a big loop's outputs are stored as one list, not in the
 * run's detail; `GET /api/runs/:runId/nodes/:nodeKey/items` reads a page of it (the stored list, or an inline one).
 */
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let dir: string;
const taskQueue = `loop-items-${crypto.randomUUID()}`;

beforeAll(async () => {
  const db = await testDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-loop-items-'));
  const blobs = new BlobStore(db, new SecretStore(db, testMasterKey), new FileBlobBackend(dir));
  api = await startTestApi({ taskQueue, db, blobs });
  worker = await startTestWorker({ db, taskQueue, blobs });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const loop = (count: number) => ({
  trigger: { type: 'manual' },
  nodes: [
    {
      id: 'each',
      type: 'forEach',
      items: `[1..${count}]`,
      concurrency: 50,
      body: {
        nodes: [{ id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'item' }, expression: '{ "n": data, "pad": $pad("", 300, "x") }' } }],
        edges: [{ from: 'each', to: 'shape' }],
      },
    },
  ],
  edges: [{ from: 'trigger', to: 'each' }],
});

async function runToEnd(count: number): Promise<string> {
  const created = await api.request('POST', '/api/flows', { body: { name: `Loop ${count}`, document: loop(count) } });
  expect((await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
  const started = await api.request('POST', `/api/flows/${created.body.id}/runs`, { body: { input: {} } });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await pollUntil(
    `the ${count}-item loop to complete`,
    async () => ((await api.request('GET', `/api/runs/${started.body.runId}`)).body.status === 'completed' ? true : undefined),
    120_000,
    250,
  );
  return started.body.runId as string;
}

describe('GET /api/runs/:runId/nodes/:nodeKey/items', () => {
  it('pages through a 600-item loop whose outputs are stored, and a small one whose outputs are inline', async () => {
    const big = await runToEnd(600);
    const detail = await api.request('GET', `/api/runs/${big}`);
    expect(detail.body.nodes.find((n: { key: string }) => n.key === 'each').output).toHaveProperty('$blob');
    const page = await api.request('GET', `/api/runs/${big}/nodes/each/items?offset=590&limit=50`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body).toMatchObject({ nodeKey: 'each', total: 600, offset: 590 });
    expect(page.body.items.map((i: { index: number }) => i.index)).toEqual([590, 591, 592, 593, 594, 595, 596, 597, 598, 599]);
    expect(page.body.items[0].output).toEqual({ shape: { result: { n: 591, pad: 'x'.repeat(300) } } });
    const first = await api.request('GET', `/api/runs/${big}/nodes/each/items`);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.items[0]).toMatchObject({ index: 0, output: { shape: { result: { n: 1 } } } });

    const small = await runToEnd(3);
    const inline = await api.request('GET', `/api/runs/${small}/nodes/each/items?limit=2`);
    expect(inline.body).toMatchObject({ total: 3, offset: 0 });
    expect(inline.body.items.map((i: { output: { shape: { result: { n: number } } } }) => i.output.shape.result.n)).toEqual([1, 2]);
  }, 180_000);

  it('answers 404 naming the steps for a step that is not a forEach, and 400 for a page too large', async () => {
    const small = await runToEnd(2);
    const wrong = await api.request('GET', `/api/runs/${small}/nodes/nope/items`);
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.message).toMatch(/no forEach step "nope"; its steps are each/);
    expect((await api.request('GET', `/api/runs/${small}/nodes/each/items?limit=5000`)).status).toBe(400);
  }, 60_000);
});
