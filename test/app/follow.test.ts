/**
 * Issue 22, part 2: `GET /v1/runs/:id` and `GET /v1/runs/:id/events` (server-sent events, resumable with
 * Last-Event-ID) on the real API, dev server and worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { readSse, type SseMessage } from '../helpers/sse';
import { startTestWorker } from '../helpers/temporal';

let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let flowKey: string;

const transform = (id: string, expression: string) => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs: { data: { $expr: 'trigger.data' }, expression },
});

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `follow-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
  const nodes = [
    transform('first', '{ "n": data.n + 1 }'),
    { id: 'ack', type: 'respond', output: { accepted: true } },
    { id: 'pause', type: 'delay', duration: '1500ms' },
    transform('second', '{ "n": data.n + 2 }'),
    { id: 'done', type: 'end', output: { total: { $expr: 'nodes.second.result.n' } } },
  ];
  const ids = nodes.map((n) => n.id);
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: 'Followed',
      document: { trigger: { type: 'invoke' }, nodes, edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })) },
    },
  });
  expect(created.body.problems).toEqual([]);
  flowKey = created.body.id;
  expect((await api.request('POST', `/api/flows/${flowKey}/publish`, { body: {} })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

async function startRun(): Promise<string> {
  const res = await api.request('POST', `/v1/flows/${flowKey}/invoke?wait=0`, { body: { input: { n: 1 } } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.runId as string;
}

const auth = () => ({ authorization: `Bearer ${api.keys.live}` });

async function collect(runId: string, headers: Record<string, string> = {}, stopWhen?: (m: SseMessage) => boolean): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  const abort = new AbortController();
  try {
    for await (const m of readSse(`${api.url}/v1/runs/${runId}/events`, { ...auth(), ...headers }, abort.signal)) {
      out.push(m);
      if (stopWhen?.(m)) {
        abort.abort();
        break;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return out;
}

/** Node ids in the order of their events of one type. */
const nodesOf = (events: { type: string; nodeId?: string }[], type: string) => events.filter((e) => e.type === type).map((e) => e.nodeId);

describe('GET /v1/runs/:id/events', () => {
  it('streams every node’s events in order, from run.started to run.ended, then ends', async () => {
    const runId = await startRun();
    const messages = await collect(runId);
    const events = messages.map((m) => JSON.parse(m.data));
    expect(messages.map((m) => Number(m.id))).toEqual(events.map((_, i) => i + 1));
    expect(messages.map((m) => m.event)).toEqual(events.map((e) => e.type));
    expect(events[0]).toMatchObject({ type: 'run.started', status: 'running' });
    expect(events.at(-1)).toMatchObject({ type: 'run.ended', status: 'completed', output: { total: 3 } });
    expect(nodesOf(events, 'node.started')).toEqual(['first', 'ack', 'pause', 'second', 'done']);
    expect(nodesOf(events, 'node.succeeded')).toEqual(['first', 'ack', 'pause', 'second', 'done']);
    expect(events.find((e) => e.type === 'run.responded')).toMatchObject({ nodeId: 'ack', output: { accepted: true } });
    // Each node starts before it succeeds, and succeeds before the next one starts (a linear flow).
    const order = events.filter((e) => e.nodeId).map((e) => `${e.nodeId}:${e.type}`);
    expect(order.filter((o) => !o.includes('responded'))).toEqual(
      ['first', 'ack', 'pause', 'second', 'done'].flatMap((id) => [`${id}:node.started`, `${id}:node.succeeded`]),
    );
  });

  it('a client that drops mid-run and reconnects with Last-Event-ID misses nothing and sees nothing twice', async () => {
    const runId = await startRun();
    // Drop while the delay runs.
    const before = await collect(runId, {}, (m) => m.event === 'node.started' && JSON.parse(m.data).nodeId === 'pause');
    expect(before.at(-1)!.event).toBe('node.started');
    const after = await collect(runId, { 'last-event-id': before.at(-1)!.id! });
    expect(after.at(-1)!.event).toBe('run.ended');
    const joined = [...before, ...after];
    expect(joined.map((m) => Number(m.id))).toEqual(joined.map((_, i) => i + 1));
    // The same log as a client that read it all in one go after the end.
    const whole = await collect(runId);
    expect(joined).toEqual(whole);
    // ?after= does what Last-Event-ID does (for clients that cannot set headers).
    const resumed: SseMessage[] = [];
    for await (const m of readSse(`${api.url}/v1/runs/${runId}/events?after=${whole.length - 1}`, auth())) resumed.push(m);
    expect(resumed).toEqual([whole.at(-1)]);
  });

  it('refuses a Last-Event-ID that is not a seq, an unknown run, and a test key reading a live run', async () => {
    const runId = await startRun();
    const bad = await api.request('GET', `/v1/runs/${runId}/events`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/Last-Event-ID/);
    expect((await api.request('GET', '/v1/runs/run_nope/events')).status).toBe(404);
    expect((await api.request('GET', `/v1/runs/${runId}/events`, { key: api.keys.test })).status).toBe(403);
  });
});

describe('GET /v1/runs/:id', () => {
  it('answers status, output and cost without node internals unless ?nodes=true', async () => {
    const runId = await startRun();
    await collect(runId);
    const run = await api.request('GET', `/v1/runs/${runId}`);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body).toMatchObject({ id: runId, flowId: flowKey, status: 'completed', output: { total: 3 }, trigger: { type: 'invoke' }, mode: 'live' });
    expect(run.body.cost).toMatchObject({ credits: expect.any(Number) });
    expect(run.body.nodes).toBeUndefined();
    const withNodes = await api.request('GET', `/v1/runs/${runId}?nodes=true`);
    expect(withNodes.body.nodes.map((n: { nodeId: string }) => n.nodeId)).toEqual(['first', 'ack', 'pause', 'second', 'done']);
    expect((await api.request('GET', `/v1/runs/${runId}`, { key: api.keys.test })).status).toBe(403);
  });
});
