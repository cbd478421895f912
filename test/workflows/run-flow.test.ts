import crypto from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '#core/run';
import type { Db } from '#store/database';
import { flowInput, newWorkflowId, runFlow, startFlowRunner, type FlowRunner } from '../helpers/flows';
import { startHttpPeer } from '../helpers/http-peer';
import { testDb } from '../helpers/temporal';

let db: Db;
let runner: FlowRunner;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
const flaky = new Map<string, number>();

beforeAll(async () => {
  db = await testDb();
  peer = await startHttpPeer((hit) => {
    const path = hit.path.split('?')[0]!;
    if (path === '/user') return { body: { id: 42, name: 'Ada', plan: 'pro' } };
    if (path === '/missing') return { status: 404, body: { error: 'no such thing' } };
    if (path === '/bad') return { status: 400, body: { error: 'bad request' } };
    if (path.startsWith('/flaky/')) {
      const n = (flaky.get(path) ?? 0) + 1;
      flaky.set(path, n);
      return n <= 2 ? { status: 503, body: 'down' } : { body: { ok: true, calls: n } };
    }
    if (path === '/slow') return { body: { slow: true }, delayMs: 150 };
    if (path === '/echo') return { body: { got: JSON.parse(hit.body || 'null') } };
    return { status: 500, body: 'unexpected' };
  });
  runner = await startFlowRunner({ db });
});

afterAll(async () => {
  await runner?.stop();
  await peer?.close();
});

const fastRetry = { maximumAttempts: 4, initialInterval: '50ms', backoffCoefficient: 1 };

/** Runs a whole flow document in live mode, with `data` as the trigger's data. */
const run = (doc: unknown, data: unknown = {}) => runFlow(runner.client, runner.taskQueue, flowInput(doc, { mode: 'live', workspaceId: 'ws_test', data }));

const get = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'action', action: 'http.request@1', inputs: { url, ...extra }, retry: fastRetry });

describe('runFlow interpreter (real Temporal dev server)', () => {
  it('runs an action, a condition and a transform, skipping the branch not taken', async () => {
    const state = await run({
      trigger: { type: 'manual' },
      nodes: [
        { id: 'fetch', ...get(`${peer.url}/user`) },
        { id: 'isPro', type: 'condition', condition: 'nodes.fetch.body.plan = "pro"' },
        {
          id: 'shape',
          type: 'action',
          action: 'data.transform@1',
          inputs: { data: { $expr: 'nodes.fetch.body' }, expression: '{ "greeting": "Hello " & data.name }' },
        },
        { id: 'other', type: 'action', action: 'data.transform@1', inputs: { expression: '"free"' } },
      ],
      edges: [
        { from: 'trigger', to: 'fetch' },
        { from: 'fetch', to: 'isPro' },
        { from: 'isPro', to: 'shape', branch: 'true' },
        { from: 'isPro', to: 'other', branch: 'false' },
      ],
    });
    expect(state.status).toBe('completed');
    expect(state.nodes.fetch).toMatchObject({ status: 'succeeded', attempts: 1, output: { status: 200, body: { id: 42, name: 'Ada', plan: 'pro' } } });
    expect(state.nodes.isPro).toMatchObject({ status: 'succeeded', output: { result: true }, branch: 'true' });
    expect(state.nodes.shape).toMatchObject({
      status: 'succeeded',
      input: { data: { id: 42, name: 'Ada', plan: 'pro' } },
      output: { result: { greeting: 'Hello Ada' } },
    });
    expect(state.nodes.other).toMatchObject({ status: 'skipped' });
    expect(state.output).toEqual({ fetch: state.nodes.fetch!.output, isPro: { result: true }, shape: { result: { greeting: 'Hello Ada' } } });
  });

  it('runs parallel branches concurrently and joins them', async () => {
    const before = peer.hitsTo('/slow').length;
    const started = Date.now();
    const state = await run({
      trigger: { type: 'manual' },
      nodes: [
        { id: 'a', ...get(`${peer.url}/slow`) },
        { id: 'b', ...get(`${peer.url}/slow`) },
        { id: 'c', ...get(`${peer.url}/slow`) },
        {
          id: 'join',
          type: 'action',
          action: 'data.transform@1',
          inputs: { data: { $expr: '[nodes.a.status, nodes.b.status, nodes.c.status]' }, expression: '$sum(data)' },
        },
      ],
      edges: [
        { from: 'trigger', to: 'a' },
        { from: 'trigger', to: 'b' },
        { from: 'trigger', to: 'c' },
        { from: 'a', to: 'join' },
        { from: 'b', to: 'join' },
        { from: 'c', to: 'join' },
      ],
    });
    expect(state.status).toBe('completed');
    expect(state.nodes.join!.output).toEqual({ result: 600 });
    expect(peer.hitsTo('/slow').length - before).toBe(3);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('takes the matching switch case, or default', async () => {
    const doc = () => ({
      trigger: { type: 'manual' },
      nodes: [
        { id: 'route', type: 'switch', value: 'trigger.data.plan', cases: ['free', 'pro'] },
        { id: 'free', type: 'action', action: 'data.transform@1', inputs: { expression: '"free path"' } },
        { id: 'pro', type: 'action', action: 'data.transform@1', inputs: { expression: '"pro path"' } },
        { id: 'other', type: 'action', action: 'data.transform@1', inputs: { expression: '"default path"' } },
      ],
      edges: [
        { from: 'trigger', to: 'route' },
        { from: 'route', to: 'free', branch: 'free' },
        { from: 'route', to: 'pro', branch: 'pro' },
        { from: 'route', to: 'other', branch: 'default' },
      ],
    });
    const pro = await run(doc(), { plan: 'pro' });
    expect(pro.nodes.pro).toMatchObject({ status: 'succeeded', output: { result: 'pro path' } });
    expect(pro.nodes.free!.status).toBe('skipped');
    expect(pro.nodes.other!.status).toBe('skipped');
    const other = await run(doc(), { plan: 'enterprise' });
    expect(other.nodes.route).toMatchObject({ branch: 'default' });
    expect(other.nodes.other).toMatchObject({ status: 'succeeded', output: { result: 'default path' } });
  });

  it('walks a list with forEach under a concurrency limit', async () => {
    const state = await run(
      {
        trigger: { type: 'manual' },
        nodes: [
          {
            id: 'each',
            type: 'forEach',
            items: 'trigger.data.ids',
            concurrency: 2,
            body: {
              nodes: [{ id: 'post', ...get(`${peer.url}/echo`, { method: 'POST', body: { id: { $expr: 'item' }, at: { $expr: 'index' } } }) }],
              edges: [{ from: 'each', to: 'post' }],
            },
          },
          { id: 'count', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'nodes.each.post.body.got.id' }, expression: '$count(data)' } },
        ],
        edges: [
          { from: 'trigger', to: 'each' },
          { from: 'each', to: 'count' },
        ],
      },
      { ids: [10, 11, 12, 13, 14] },
    );
    expect(state.status).toBe('completed');
    const out = state.nodes.each!.output as { post: { body: { got: { id: number; at: number } } } }[];
    expect(out.map((o) => o.post.body.got)).toEqual([10, 11, 12, 13, 14].map((id, at) => ({ id, at })));
    expect(state.nodes['each[3].post']).toMatchObject({ status: 'succeeded', nodeId: 'post' });
    expect(state.nodes.count!.output).toEqual({ result: 5 });
  });

  it('waits on a durable delay', async () => {
    const started = Date.now();
    const state = await run({ trigger: { type: 'manual' }, nodes: [{ id: 'wait', type: 'delay', duration: '1s' }], edges: [{ from: 'trigger', to: 'wait' }] });
    expect(state.nodes.wait).toMatchObject({ status: 'succeeded', output: { delayedMs: 1000 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('ends the run at an end node with its output', async () => {
    const state = await run(
      {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'done', type: 'end', output: { email: { $expr: 'trigger.data.email' } } },
          { id: 'slowBranch', type: 'delay', duration: '10m' },
        ],
        edges: [
          { from: 'trigger', to: 'done' },
          { from: 'trigger', to: 'slowBranch' },
        ],
      },
      { email: 'ada@example.com' },
    );
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ email: 'ada@example.com' });
  });

  it('retries a failing node and records its attempts', async () => {
    const path = `/flaky/${crypto.randomUUID()}`;
    const state = await run({ trigger: { type: 'manual' }, nodes: [{ id: 'call', ...get(`${peer.url}${path}`) }], edges: [{ from: 'trigger', to: 'call' }] });
    expect(state.nodes.call).toMatchObject({ status: 'succeeded', attempts: 3, output: { body: { ok: true, calls: 3 } } });
  });

  it('follows the error edge when onError is branch', async () => {
    const state = await run({
      trigger: { type: 'manual' },
      nodes: [
        { id: 'call', ...get(`${peer.url}/missing`), onError: 'branch' },
        { id: 'ok', type: 'action', action: 'data.transform@1', inputs: { expression: '"ok"' } },
        { id: 'handle', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'nodes.call.error.status' }, expression: 'data' } },
      ],
      edges: [
        { from: 'trigger', to: 'call' },
        { from: 'call', to: 'ok' },
        { from: 'call', to: 'handle', branch: 'error' },
      ],
    });
    expect(state.status).toBe('completed');
    expect(state.nodes.call).toMatchObject({ status: 'failed', attempts: 1, branch: 'error', error: { type: 'NonRetryable', status: 404 } });
    expect(state.nodes.ok!.status).toBe('skipped');
    expect(state.nodes.handle!.output).toEqual({ result: 404 });
  });

  it('fails the run on a non-retryable error, naming the node, after one attempt', async () => {
    const before = peer.hitsTo('/bad').length;
    const err = await run({
      trigger: { type: 'manual' },
      nodes: [{ id: 'call', ...get(`${peer.url}/bad`), onError: 'fail' }],
      edges: [{ from: 'trigger', to: 'call' }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/answered 400/);
    expect(peer.hitsTo('/bad').length - before).toBe(1);
  });

  it('refuses a private address unless allow-listed, with a clear error', async () => {
    const err = await run({
      trigger: { type: 'manual' },
      nodes: [{ id: 'meta', ...get('http://169.254.169.254/latest/meta-data/'), onError: 'fail' }],
      edges: [{ from: 'trigger', to: 'meta' }],
    }).catch((e: unknown) => e);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/169\.254\.169\.254.*SWITCHYARD_HTTP_ALLOW/s);
  });

  it('answers the run-state query while running', async () => {
    const doc = {
      trigger: { type: 'manual' },
      nodes: [
        { id: 'first', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } },
        { id: 'wait', type: 'delay', duration: '3s' },
      ],
      edges: [
        { from: 'trigger', to: 'first' },
        { from: 'first', to: 'wait' },
      ],
    };
    const handle = await runner.client.workflow.start('runFlow', {
      args: [flowInput(doc, { mode: 'test', workspaceId: 'ws', flowId: 'f' })],
      taskQueue: runner.taskQueue,
      workflowId: newWorkflowId(),
    });
    let state: RunState | undefined;
    for (let i = 0; i < 50; i++) {
      state = await handle.query<RunState>('runState');
      if (state.nodes.wait) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toMatchObject({ status: 'running', mode: 'test', nodes: { first: { status: 'succeeded' }, wait: { status: 'running' } } });
    await handle.terminate('test done');
  });
});
