import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startTestApi, type TestApi } from '../helpers/api';
import { flowInput, runFlow } from '../helpers/flows';
import { connectViaPeer, useGenericPeer } from '../helpers/oauth';
import { startTestWorker, temporalClient } from '../helpers/temporal';
import { startOAuthPeer, type OAuthPeer } from '../peers/oauth-peer';

const taskQueue = `oauth-reconnect-${Date.now()}`;
let api: TestApi;
let peer: OAuthPeer;
let worker: { stop(): Promise<void> };
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  peer = await startOAuthPeer({ redirectUris: [`${api.url}/api/oauth/callback`], accessTokenTtl: 3 });
  await useGenericPeer(api, peer);
  worker = await startTestWorker({ db: api.db, taskQueue, secrets: api.secrets });
  ({ client, close: closeClient } = await temporalClient());
});
afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await api?.close();
  await peer?.close();
});

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const callingFlow = (connection: string, pause: string) => ({
  trigger: { type: 'manual' },
  nodes: [
    { id: 'pause', type: 'delay', duration: pause },
    { id: 'call', type: 'action', action: 'http.request@1', inputs: { url: peer.resourceUrl, auth: { type: 'connection', connection } } },
  ],
  edges: [
    { from: 'trigger', to: 'pause' },
    { from: 'pause', to: 'call' },
  ],
});

describe('runs that hit a dead connection wait for a reconnect', () => {
  it('invalid_grant parks 3 running runs as waiting for reconnect; reconnecting resumes all 3, which complete', { timeout: 90_000 }, async () => {
    const connection = await connectViaPeer(api, peer, { name: 'will be revoked' });
    // The app is told, too: a notification endpoint for runs that wait for a reconnect.
    const notified: { type: string; data: { runId: string; nodeKey?: string; status: string } }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        notified.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const endpoint = await api.request('post', '/api/notifications', {
      body: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, events: ['run.waitingForReconnect'] },
    });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    const flow = await api.request('post', '/api/flows', { body: { name: 'calls with a connection', document: callingFlow(connection, '3s') } });
    expect(flow.status).toBe(201);
    expect((await api.request('post', `/api/flows/${flow.body.id}/publish`, { body: {} })).status).toBe(201);
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await api.request('post', `/api/flows/${flow.body.id}/runs`, { body: {} });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      runIds.push(started.body.runId);
    }
    // The person removes the app's access at the provider while the runs are in their delay.
    await peer.revokeAllGrants();
    for (const runId of runIds) {
      const run = await until(
        `run ${runId} to wait for a reconnect`,
        () => api.request('get', `/api/runs/${runId}`),
        (r) => r.body.status === 'waitingForReconnect',
      );
      const node = (run.body.nodes as { nodeId: string; status: string; error?: { connectionId?: string; type: string } }[]).find((n) => n.nodeId === 'call')!;
      expect(node).toMatchObject({ status: 'waitingForReconnect', error: { connectionId: connection, type: 'NeedsReconnect' } });
    }
    await until(
      '3 run.waitingForReconnect notifications',
      async () => notified,
      (n) => n.length >= 3,
    );
    expect(notified.map((n) => [n.type, n.data.runId, n.data.nodeKey, n.data.status]).sort()).toEqual(
      runIds.map((id) => ['run.waitingForReconnect', id, 'call', 'waitingForReconnect']).sort(),
    );
    receiver.close();
    const list = await api.request('get', '/api/runs?status=waitingForReconnect');
    expect(list.body.runs.map((r: { id: string }) => r.id).sort()).toEqual([...runIds].sort());
    const conn = await api.request('get', `/api/connections/${connection}`);
    expect(conn.body.live).toMatchObject({ status: 'needs reconnect' });
    expect(conn.body.live.lastError).toContain('invalid_grant');

    // Reconnect (same connection id): every waiting run resumes where it stopped and completes.
    await connectViaPeer(api, peer, { reconnect: connection });
    for (const runId of runIds) {
      const run = await until(
        `run ${runId} to complete`,
        () => api.request('get', `/api/runs/${runId}`),
        (r) => r.body.status === 'completed',
      );
      const node = (run.body.nodes as { nodeId: string; status: string; output?: { status: number } }[]).find((n) => n.nodeId === 'call')!;
      expect(node).toMatchObject({ status: 'succeeded', output: { status: 200 } });
    }
  });

  it('a run that waits longer than its give-up time fails, as a parked node does', { timeout: 60_000 }, async () => {
    const connection = await connectViaPeer(api, peer, { name: 'never reconnected' });
    await peer.revokeAllGrants();
    const input = flowInput(callingFlow(connection, '2s'), { mode: 'live', workspaceId: api.workspaceId });
    input.options.giveUpAfter = '3s';
    const state = await runFlow(client, taskQueue, input).catch((err: unknown) => err);
    const message = JSON.stringify(state, Object.getOwnPropertyNames(state as object));
    expect(message).toContain('Nobody reconnected');
  });
});
