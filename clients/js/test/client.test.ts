/**
 * @switchyard/client against a started Switchyard (the real API in-process, the dev server, a real worker): every
 * call of the client, and the verification of a notification signed by the server's own library.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/helpers/api';
import { startTestWorker } from '../../../test/helpers/temporal';
import { createClient, NotificationVerificationError, SwitchyardError, type RunEvent, type SwitchyardClient } from '../src/index';

let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let client: SwitchyardClient;
const flows = { quick: '', slow: '', fails: '', onEvent: '' };

async function publish(name: string, trigger: unknown, nodes: { id: string }[]): Promise<string> {
  const edges = nodes.map((n, i) => ({ from: i === 0 ? 'trigger' : nodes[i - 1]!.id, to: n.id }));
  const created = await api.request('POST', '/api/flows', { body: { name, document: { trigger, nodes, edges } } });
  expect(created.body.problems).toEqual([]);
  expect((await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
  return created.body.id as string;
}
const transform = (id: string, expression: string) => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs: { data: { $expr: 'trigger.data' }, expression },
});

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `client-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
  client = createClient({ baseUrl: api.url, apiKey: api.keys.live });
  flows.quick = await publish('Quote', { type: 'invoke' }, [transform('quote', '{ "total": data.qty * 5 }')]);
  flows.slow = await publish('Slow', { type: 'invoke' }, [{ id: 'wait', type: 'delay', duration: '2s' } as never, transform('after', '{ "ok": true }')]);
  flows.fails = await publish('Fails', { type: 'invoke' }, [
    { id: 'call', type: 'action', action: 'http.request@1', inputs: { url: 'http://127.0.0.1:9/x' }, retry: { maximumAttempts: 1 }, onError: 'fail' } as never,
  ]);
  flows.onEvent = await publish('On signup', { type: 'event', event: 'user.signed_up' }, [transform('greet', '{ "hi": data.email }')]);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

describe('@switchyard/client', () => {
  it('flows.invoke answers with the typed output; the same idempotency key answers the same', async () => {
    const answer = await client.flows.invoke<{ result: { total: number } }>(flows.quick, { qty: 3 }, { idempotencyKey: 'quote-1' });
    expect(answer.done).toBe(true);
    if (!answer.done) return;
    expect(answer.output.result.total).toBe(15);
    const again = await client.flows.invoke(flows.quick, { qty: 3 }, { idempotencyKey: 'quote-1' });
    expect(again).toMatchObject({ done: true, runId: answer.runId, duplicate: true });
  });

  it('flows.invoke of a slow flow is not done within the wait; runs.follow yields its events to run.ended; runs.get reads it', async () => {
    const started = await client.flows.invoke(flows.slow, {}, { wait: 0 });
    expect(started.done).toBe(false);
    const events: RunEvent[] = [];
    for await (const e of client.runs.follow(started.runId)) events.push(e);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'run.ended', status: 'completed', output: { result: { ok: true } } });
    expect(events.filter((e) => e.type === 'node.succeeded').map((e) => e.nodeId)).toEqual(['wait', 'after']);
    // Resuming after an event gives the rest only.
    const rest: RunEvent[] = [];
    for await (const e of client.runs.follow(started.runId, { after: events.length - 2 })) rest.push(e);
    expect(rest).toEqual(events.slice(-2));
    const run = await client.runs.get(started.runId);
    expect(run).toMatchObject({ id: started.runId, status: 'completed', trigger: { type: 'invoke' } });
    expect(run.nodes).toBeUndefined();
    expect((await client.runs.get(started.runId, { nodes: true })).nodes).toHaveLength(2);
  });

  it('a failed flow throws SwitchyardError FLOW_FAILED naming the node; an unknown run NOT_FOUND', async () => {
    const err = await client.flows.invoke(flows.fails).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect(err).toMatchObject({ status: 502, code: 'FLOW_FAILED', details: { nodeId: 'call' } });
    expect((err as SwitchyardError).runId).toMatch(/^run_/);
    await expect(client.runs.get('run_nope')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('events.send starts the subscribed flow; a test key works in test mode', async () => {
    const sent = await client.events.send('user.signed_up', { email: 'ada@example.com' }, { id: `evt-${Date.now()}` });
    expect(sent.runs).toEqual([expect.objectContaining({ flowId: flows.onEvent, duplicate: false })]);
    const testClient = createClient({ baseUrl: api.url, apiKey: api.keys.test });
    const answer = await testClient.flows.invoke(flows.quick, { qty: 1 });
    expect(answer).toMatchObject({ done: true, mode: 'test' });
    await expect(testClient.runs.get(sent.runs[0]!.runId)).rejects.toMatchObject({ status: 403 });
  });

  it('notifications.verify accepts what standardwebhooks signs, and refuses a changed body, a wrong secret, an old timestamp', async () => {
    const secret = `whsec_${Buffer.from('a-secret-of-some-length-123456').toString('base64')}`;
    const body = JSON.stringify({
      type: 'run.completed',
      timestamp: new Date().toISOString(),
      data: { runId: 'run_1', flowId: 'flw_1', version: 1, mode: 'live', status: 'completed' },
    });
    const now = new Date();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_1', now, body),
    };
    expect(await client.notifications.verify(body, headers, secret)).toMatchObject({ type: 'run.completed', data: { runId: 'run_1' } });
    expect(await client.notifications.verify(body, new Headers(headers), secret)).toMatchObject({ type: 'run.completed' });
    await expect(client.notifications.verify(body.replace('run_1', 'run_2'), headers, secret)).rejects.toBeInstanceOf(NotificationVerificationError);
    await expect(client.notifications.verify(body, headers, `whsec_${Buffer.from('another').toString('base64')}`)).rejects.toThrow(/No signature matches/);
    await expect(client.notifications.verify(body, headers, secret, { now: new Date(now.getTime() + 600_000) })).rejects.toThrow(/old or future/);
  });
});
