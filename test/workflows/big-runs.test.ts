import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBlobRef, type BlobRef } from '#core/blobs';
import { RunQueries, RunUpdates, SETTLE_ITEMS_PATCH, type RunEventsPage, type RunEventsRequest, type RunFlowInput, type RunState } from '#core/run';
import { BlobStore, FileBlobBackend, setWorkspaceLimits } from '#store/blobs';
import type { Db } from '#store/database';
import { SecretStore } from '#store/secrets';
import { expectRunError, flowInput, newWorkflowId, runFlow, startFlowRunner, type FlowRunner } from '../helpers/flows';
import { startHttpPeer } from '../helpers/http-peer';
import { testDb, testMasterKey } from '../helpers/temporal';
import { createWorkspaces } from '../helpers/workspaces';
import { historiesOfWorkflow, historyPayloadSizes, workflowTreeEventCounts } from '../helpers/history';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

/**
 * Big runs and big data (docs/big-runs.md) on the real dev server: a large action output travels as a blob reference
 * (checked in the history), a loop over more than 100 items runs in batches of child workflows whose histories stay
 * short, an item that parks is decided through the run, and the workspace's loop limit is named when reached.
 */
let db: Db;
let runner: FlowRunner;
let blobs: BlobStore;
let dir: string;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
const seenKeys = new Map<string, number>();
let brokenOpen = false;
const ws = { big: '', small: '' };

const BIG_ITEMS = 5_000;
/** About 5 MB of JSON: 5,000 records of ~1 KB. */
const bigBody = { items: Array.from({ length: BIG_ITEMS }, (_, i) => ({ id: i, text: 'x'.repeat(1000) })) };

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {});
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-blobs-test-'));
  blobs = new BlobStore(db, new SecretStore(db, testMasterKey), new FileBlobBackend(dir));
  peer = await startHttpPeer((hit) => {
    const p = hit.path.split('?')[0]!;
    if (p === '/big') return { body: bigBody };
    if (p === '/item') {
      const key = String(hit.headers['idempotency-key'] ?? '');
      seenKeys.set(key, (seenKeys.get(key) ?? 0) + 1);
      return { body: { ok: true, n: JSON.parse(hit.body || 'null') } };
    }
    if (p === '/broken') return brokenOpen ? { body: { ok: true } } : { status: 400, body: { error: 'not yet' } };
    return { status: 500, body: 'unexpected' };
  });
  runner = await startFlowRunner({ db, blobs });
});

afterAll(async () => {
  await runner?.stop();
  await peer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const fastRetry = { maximumAttempts: 2, initialInterval: '50ms', backoffCoefficient: 1 };

const loopFlow = (count: number, o: { url?: string; onError?: string; concurrency?: number } = {}) => ({
  trigger: { type: 'manual' },
  nodes: [
    {
      id: 'each',
      type: 'forEach',
      items: `[1..${count}]`,
      concurrency: o.concurrency ?? 20,
      body: {
        nodes: [
          { id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'item' }, expression: '{ "n": data, "double": data * 2 }' } },
          {
            id: 'call',
            type: 'action',
            action: 'http.request@1',
            inputs: { url: o.url ?? `${peer.url}/item`, method: 'POST', body: { $expr: 'nodes.shape.result' }, idempotencyHeader: 'Idempotency-Key' },
            retry: fastRetry,
            ...(o.onError ? { onError: o.onError } : {}),
          },
        ],
        edges: [
          { from: 'each', to: 'shape' },
          { from: 'shape', to: 'call' },
        ],
      },
    },
  ],
  edges: [{ from: 'trigger', to: 'each' }],
});

const input = (doc: unknown, workspaceId = ws.big): RunFlowInput => flowInput(doc, { mode: 'live', workspaceId });

describe('large payloads', () => {
  it('an action returning 5 MB of JSON completes; a later expression reads into it; the history holds only the reference', async () => {
    const workflowId = newWorkflowId();
    const state = await runFlow(
      runner.client,
      runner.taskQueue,
      input({
        trigger: { type: 'manual' },
        nodes: [
          { id: 'big', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/big` }, retry: fastRetry },
          {
            id: 'pick',
            type: 'action',
            action: 'data.transform@1',
            inputs: { data: { $expr: 'nodes.big.body.items[4321]' }, expression: '{ "id": data.id, "count": $count(data.text) }' },
          },
          { id: 'check', type: 'condition', condition: '$count(nodes.big.body.items) = 5000' },
        ],
        edges: [
          { from: 'trigger', to: 'big' },
          { from: 'big', to: 'pick' },
          { from: 'pick', to: 'check' },
        ],
      }),
      { workflowId },
    );
    expect(state.status).toBe('completed');
    const ref = state.nodes.big!.output as BlobRef;
    expect(isBlobRef(ref)).toBe(true);
    expect(ref.$blob.size).toBeGreaterThan(5_000_000);
    expect(ref.$blob.preview.startsWith('{"status":200')).toBe(true);
    expect(state.nodes.pick!.output).toEqual({ result: { id: 4321, count: 1 } });
    expect(state.nodes.check!.output).toEqual({ result: true });
    // The stored value is the whole answer, encrypted at rest.
    const stored = (await blobs.getJson(ws.big, ref.$blob.key)) as { body: typeof bigBody };
    expect(stored.body.items).toHaveLength(BIG_ITEMS);
    const onDisk = fs.readFileSync(path.join(dir, ws.big, ref.$blob.key));
    expect(onDisk.includes(Buffer.from('xxxxxxxxxxxxxxxxxxxx'))).toBe(false);
    // History: no payload anywhere near the body's size; the reference is there.
    const sizes = await historyPayloadSizes(runner.client, workflowId);
    expect(Math.max(...sizes.map((s) => s.bytes))).toBeLessThan(64 * 1024);
    expect(sizes.some((s) => s.text.includes(ref.$blob.key))).toBe(true);
  });
});

describe('limits', () => {
  it('an output over the workspace blob size limit fails its node at once, naming the limit', async () => {
    await setWorkspaceLimits(db, ws.small, { maxBlobBytes: 1024 * 1024 });
    const error = await expectRunError(
      runFlow(
        runner.client,
        runner.taskQueue,
        input(
          {
            trigger: { type: 'manual' },
            nodes: [{ id: 'big', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/big` }, retry: fastRetry, onError: 'fail' }],
            edges: [{ from: 'trigger', to: 'big' }],
          },
          ws.small,
        ),
      ),
    );
    expect(error).toMatchObject({ nodeId: 'big', type: 'LimitExceeded' });
    expect(error.message).toMatch(/http\.request@1 \(node "big"\): The value is \d+ bytes, over this workspace's blob size limit \(maxBlobBytes = 1048576\)/);
    await setWorkspaceLimits(db, ws.small, {});
  });
});

describe('long loops', () => {
  it('a forEach over 1,000 items (a data step and an HTTP call each) runs in child-workflow batches; every output is retrievable; no history is long', async () => {
    const workflowId = newWorkflowId();
    const started = Date.now();
    const state = await runFlow(runner.client, runner.taskQueue, input(loopFlow(1000)), { workflowId });
    const ms = Date.now() - started;
    expect(state.status).toBe('completed');
    expect(state.nodes.each!.progress).toEqual({ done: 1000, total: 1000, batches: 5 });
    const output = state.nodes.each!.output as BlobRef;
    expect(isBlobRef(output)).toBe(true);
    expect(output.$blob.length).toBe(1000);
    const outputs = (await blobs.getJson(ws.big, output.$blob.key)) as {
      shape: { result: { n: number } };
      call: { body: { ok: boolean; n: { double: number } } };
    }[];
    expect(outputs).toHaveLength(1000);
    outputs.forEach((o, i) => {
      expect(o.shape.result.n).toBe(i + 1);
      expect(o.call.body).toEqual({ ok: true, n: { n: i + 1, double: 2 * (i + 1) } });
    });
    // Item node states are not kept in the run's state (only waiting ones are mirrored there).
    expect(Object.keys(state.nodes)).toEqual(['each']);
    // Each item called once, with the run's idempotency key for its node.
    for (let i = 0; i < 1000; i++) expect(seenKeys.get(`${workflowId}:each[${i}].call`)).toBe(1);
    const counts = await workflowTreeEventCounts(runner.client, workflowId);
    expect(counts.length).toBe(6); // the run and its 5 batches
    expect(Math.max(...counts.map((c) => c.events))).toBeLessThan(10_240);
    console.log(`1,000-item loop: ${ms} ms; history events ${JSON.stringify(counts.map((c) => c.events))}`);
  }, 240_000);

  it('a loop item that fails parks the run; it shows in the run state and a retry through the run finishes the loop', async () => {
    brokenOpen = false;
    const workflowId = newWorkflowId();
    const doc = loopFlow(150, { concurrency: 10 });
    // Item 120 calls the broken path.
    (doc.nodes[0]!.body.nodes[1]!.inputs as Record<string, unknown>).url = { $expr: `item = 120 ? "${peer.url}/broken" : "${peer.url}/item"` };
    const handle = await runner.client.workflow.start('runFlow', { args: [input(doc)], taskQueue: runner.taskQueue, workflowId });
    const key = 'each[119].call';
    const deadline = Date.now() + 60_000;
    let live: RunState;
    for (;;) {
      live = await handle.query<RunState>(RunQueries.state);
      // The batch reports the parked item to the run, which then shows it and parks: wait for both.
      if (live.nodes[key]?.status === 'parked' && live.status === 'parked') break;
      if (Date.now() > deadline) throw new Error(`item node ${key} did not park: ${JSON.stringify(live.nodes)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(live.status).toBe('parked');
    expect(live.nodes[key]).toMatchObject({ status: 'parked', error: { status: 400 } });
    brokenOpen = true;
    await handle.executeUpdate(RunUpdates.decideNode, { args: [{ nodeKey: key, action: 'retry' }] });
    const final = (await handle.result()) as RunState;
    expect(final.status).toBe('completed');
    expect(final.nodes[key]).toMatchObject({ status: 'succeeded' });
    expect(final.nodes.each!.progress).toMatchObject({ done: 150, total: 150 });
    // The item's end came back with its batch's result (settled), whether or not the batch's last signal was first.
    const history = await handle.fetchHistory();
    const patches = history.events!.flatMap((e) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch'
        ? [Buffer.from(e.markerRecordedEventAttributes.details!['patch-data']!.payloads![0]!.data!).toString('utf8')]
        : [],
    );
    expect(patches.some((p) => p.includes(SETTLE_ITEMS_PATCH))).toBe(true);
  }, 120_000);

  it('a loop over more items than the workspace allows fails, naming the limit', async () => {
    await setWorkspaceLimits(db, ws.small, { maxLoopItems: 120 });
    const error = await expectRunError(runFlow(runner.client, runner.taskQueue, input(loopFlow(150), ws.small)));
    expect(error.message).toMatch(/150 items, over this workspace's limit of 120 items per loop \(maxLoopItems\)/);
  });
});

describe('long graphs', () => {
  it('a run whose history reaches its limit continues as new, carrying its state: one run, every node, outputs read across', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const doc = {
      trigger: { type: 'manual' },
      nodes: ids.map((id, i) => ({
        id,
        type: 'action',
        action: 'data.transform@1',
        inputs: i === 0 ? { expression: '1' } : { data: { $expr: `nodes.${ids[i - 1]}.result` }, expression: 'data + 1' },
      })),
      edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })),
    };
    const workflowId = newWorkflowId();
    const run = input(doc);
    run.options.historyEventLimit = 60;
    const state = await runFlow(runner.client, runner.taskQueue, run, { workflowId });
    expect(state.status).toBe('completed');
    expect(Object.keys(state.nodes)).toEqual(ids);
    expect(state.nodes.n39!.output).toEqual({ result: 40 });
    expect(state.continuedAsNew).toBeGreaterThanOrEqual(2);
    // The event log is continuous: one run.started, every node once started and once succeeded, one run.ended.
    const { events } = await runner.client.workflow.getHandle(workflowId).query<RunEventsPage, [RunEventsRequest]>(RunQueries.events, { after: 0 });
    expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'node.succeeded').map((e) => e.nodeKey)).toEqual(ids);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const runs = await historiesOfWorkflow(runner.client, workflowId);
    expect(runs.length).toBe((state.continuedAsNew ?? 0) + 1);
    // Each Temporal run stops near the limit (it drains the node running when the limit is reached).
    expect(Math.max(...runs.map((r) => r.events))).toBeLessThan(80);
  });
});
