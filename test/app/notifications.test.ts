/**
 * Issue 22, part 3: outgoing notifications. Real API, dev server and worker; receivers are local HTTP servers that
 * verify every signature with the `standardwebhooks` library.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccount } from '#store/credits.repository';
import { startTestApi, type TestApi } from '../helpers/api';
import { freePort } from '../helpers/ports';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';

let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const flows: Record<'ok' | 'fails' | 'parks', string> = { ok: '', fails: '', parks: '' };

interface Received {
  id: string;
  body: string;
  payload: { type: string; data: { runId: string; status: string; output?: unknown; error?: unknown; nodeKey?: string; balance?: number } };
}

/** A receiver of the app: verifies each delivery's signature with standardwebhooks (401 when it does not verify). */
async function startReceiver(secret: () => string, port = 0) {
  const received: Received[] = [];
  const rejected: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const payload = new Webhook(secret()).verify(body, req.headers as Record<string, string>) as Received['payload'];
        received.push({ id: req.headers['webhook-id'] as string, body, payload });
        res.writeHead(200).end('ok');
      } catch (err) {
        rejected.push(String(err));
        res.writeHead(401).end('bad signature');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/switchyard`,
    received,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function publish(name: string, nodes: unknown[]): Promise<string> {
  const ids = nodes.map((n) => (n as { id: string }).id);
  const document = { trigger: { type: 'invoke' }, nodes, edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })) };
  const created = await api.request('POST', '/api/flows', { body: { name, document } });
  expect(created.body.problems).toEqual([]);
  expect((await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
  return created.body.id as string;
}

async function run(flow: string): Promise<string> {
  const res = await api.request('POST', `/v1/flows/${flow}/invoke?wait=0`, { body: { input: { n: 2 } } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.runId as string;
}

async function register(url: string, events?: string[]) {
  const res = await api.request('POST', '/api/notifications', { body: { url, ...(events ? { events } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  return res.body as { id: string; secret: string };
}

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `notify-${Date.now()}` });
  worker = await startTestWorker({
    db: api.db,
    taskQueue: api.temporal.taskQueue,
    notificationRetry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', giveUpAfter: '5m' },
  });
  const call = (onError: string) => ({
    id: 'call',
    type: 'action',
    action: 'http.request@1',
    inputs: { url: 'http://127.0.0.1:9/x' },
    retry: { maximumAttempts: 1 },
    onError,
  });
  flows.ok = await publish('Doubles', [
    { id: 'double', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: 'data.n * 2' } },
  ]);
  flows.fails = await publish('Fails', [call('fail')]);
  flows.parks = await publish('Parks', [call('pause')]);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

describe('outgoing notifications', () => {
  it('tells a registered endpoint that runs completed, failed and parked, each signed (Standard Webhooks)', async () => {
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      const endpoint = await register(receiver.url);
      secret = endpoint.secret;
      const [ok, fails, parks] = [await run(flows.ok), await run(flows.fails), await run(flows.parks)];
      const got = await pollUntil(
        'three notifications',
        async () => {
          const types = new Map(receiver.received.map((r) => [r.payload.data.runId, r.payload]));
          return types.has(ok) && types.has(fails) && types.has(parks) ? types : undefined;
        },
        30_000,
      );
      expect(got.get(ok)).toMatchObject({ type: 'run.completed', data: { status: 'completed', output: { result: 4 } } });
      expect(got.get(fails)).toMatchObject({ type: 'run.failed', data: { status: 'failed', error: { nodeId: 'call' } } });
      expect(got.get(parks)).toMatchObject({ type: 'run.parked', data: { status: 'parked', nodeKey: 'call' } });
      expect(receiver.rejected).toEqual([]);
      await api.request('POST', `/api/runs/${parks}/cancel`);
      await api.request('DELETE', `/api/notifications/${endpoint.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver down for 30 s still gets every notification, once per id (a repeat has the same id); attempts are logged; a replay resends the same id', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks/switchyard`;
    const endpoint = await register(url, ['run.completed']);
    const runIds = [await run(flows.ok), await run(flows.ok), await run(flows.ok)];
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const receiver = await startReceiver(() => endpoint.secret, port);
    try {
      await pollUntil(
        'every notification after the receiver came back',
        async () => (runIds.every((id) => receiver.received.some((r) => r.payload.data.runId === id)) ? true : undefined),
        30_000,
      );
      expect(receiver.rejected).toEqual([]);
      const byId = new Map<string, Received[]>();
      for (const r of receiver.received) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
      // One id per run; repeats of an id (allowed) carry the same notification.
      expect(new Set([...byId.values()].map((list) => list[0]!.payload.data.runId))).toEqual(new Set(runIds));
      expect(byId.size).toBe(3);
      for (const list of byId.values()) expect(new Set(list.map((r) => r.body)).size).toBe(1);

      const deliveries = await pollUntil(
        'deliveries recorded as succeeded',
        async () => {
          const res = await api.request('GET', `/api/notifications/${endpoint.id}/deliveries`);
          return res.body.deliveries.length === 3 && res.body.deliveries.every((d: { status: string }) => d.status === 'succeeded')
            ? res.body.deliveries
            : undefined;
        },
        15_000,
      );
      for (const d of deliveries) {
        expect(d.attempts).toBeGreaterThan(1);
        expect(d.attemptLog.at(-1)).toMatchObject({ statusCode: 200, error: null });
        expect(d.attemptLog[0].error).toEqual(expect.any(String));
      }

      const replayed = await api.request('POST', `/api/notifications/deliveries/${deliveries[0].id}/replay`);
      expect(replayed.status, JSON.stringify(replayed.body)).toBe(202);
      await pollUntil(
        'the replay',
        async () => (byId.size && receiver.received.filter((r) => r.id === replayed.body.notificationId).length >= 2 ? true : undefined),
        15_000,
      );
    } finally {
      await receiver.close();
      await api.request('DELETE', `/api/notifications/${endpoint.id}`);
    }
  }, 120_000);

  it('tells credits.low once per credit period, when a live run ends under a tenth of the plan’s monthly credits', async () => {
    const other = await api.createWorkspace('Low on credits');
    await openAccount(api.db, { workspaceId: other.workspaceId, plan: 'builder', credits: 500 });
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      const as = { key: other.keys.live };
      const reg = await api.request('POST', '/api/notifications', { ...as, body: { url: receiver.url, events: ['credits.low'] } });
      expect(reg.status, JSON.stringify(reg.body)).toBe(201);
      secret = reg.body.secret;
      const document = {
        trigger: { type: 'invoke' },
        nodes: [{ id: 'one', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } }],
        edges: [{ from: 'trigger', to: 'one' }],
      };
      const flow = await api.request('POST', '/api/flows', { ...as, body: { name: 'Any', document } });
      expect((await api.request('POST', `/api/flows/${flow.body.id}/publish`, { ...as, body: {} })).status).toBe(201);
      for (let i = 0; i < 2; i++) {
        const invoked = await api.request('POST', `/v1/flows/${flow.body.id}/invoke`, { ...as, body: {} });
        expect(invoked.status, JSON.stringify(invoked.body)).toBe(200);
      }
      const low = await pollUntil('credits.low', async () => receiver.received.find((r) => r.payload.type === 'credits.low'), 20_000);
      expect(low.payload.data).toMatchObject({ balance: 500, threshold: 1000, plan: 'builder' });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set([low.id]));
    } finally {
      await receiver.close();
    }
  });

  it('refuses an endpoint on a private, link-local or metadata address, or with credentials in the URL', async () => {
    for (const url of ['http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data', 'http://192.168.0.10:8080/x', 'http://[fd00::1]/x']) {
      const res = await api.request('POST', '/api/notifications', { body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.message).toMatch(/public addresses only/);
    }
    const creds = await api.request('POST', '/api/notifications', { body: { url: 'https://user:pw@example.com/x' } });
    expect(creds.status).toBe(400);
    expect((await api.request('GET', '/api/notifications')).body.endpoints).toEqual([]);
  });
});
