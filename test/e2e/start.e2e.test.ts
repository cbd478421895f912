import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemporalCli } from '../../scripts/lib/temporal-dev-server';
import { startHttpPeer } from '../helpers/http-peer';
import { freePort } from '../helpers/ports';
import { ALL_SCOPES } from '#core/access';
import { callApi } from '../helpers/api';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';
import { testDatabaseUrl, usingPostgres } from '../helpers/database';

/**
 * What a user does on a fresh machine: `npm start` (the same entry point), then create, publish and
 * trigger a flow over HTTP, and look at the run in Temporal with the CLI. Then Ctrl-C stops everything.
 */
describe('npm start, end to end', () => {
  let app: Spawned;
  let dataDir: string;
  let api: string;
  let temporalAddress: string;
  let key: string;
  /** The key printed on first start: an app's key (events:write + runs:read), not an owner key. */
  let appKey: string;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  const ports = { api: 0, temporal: 0, ui: 0 };

  beforeAll(async () => {
    peer = await startHttpPeer((hit) =>
      hit.path.startsWith('/users/')
        ? { body: { id: hit.path.split('/')[2], plan: 'pro', name: 'Ada Lovelace' } }
        : { status: 404, body: { error: 'not found' } },
    );
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-start-'));
    ports.api = await freePort();
    ports.temporal = await freePort();
    ports.ui = await freePort();
    api = `http://127.0.0.1:${ports.api}`;
    temporalAddress = `127.0.0.1:${ports.temporal}`;
    app = spawnTs('scripts/start.ts', {
      DATA_DIR: dataDir,
      DATABASE_URL: await testDatabaseUrl(dataDir),
      PORT: String(ports.api),
      TEMPORAL_DEV_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_TASK_QUEUE: 'switchyard',
      SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
      SWITCHYARD_CHECK_RESPONSES: '1',
      LOG_LEVEL: 'warn',
    });
    await app.waitForOutput(/everything is up/, 150_000);
    appKey = (await app.waitForOutput(/live: (sy_live_\S+)/, 1000))[1]!;
    // The owner signs up with the printed one-time link, then makes an owner key for this test's API calls.
    const invite = (await app.waitForOutput(/\/signup\?invite=([A-Za-z0-9_-]+)/, 1000))[1]!;
    const signup = await fetch(`${api}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@example.com', name: 'Owner', password: 'a long enough password', invitation: invite }),
    });
    expect(signup.status).toBe(201);
    const session = (await signup.json()) as { csrfToken: string; workspaces: { id: string; role: string }[] };
    expect(session.workspaces).toEqual([expect.objectContaining({ role: 'owner' })]);
    const cookie = /sy_session=[^;]+/.exec(signup.headers.get('set-cookie') ?? '')![0];
    const created = await fetch(`${api}/api/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ name: 'e2e owner key', scopes: [...ALL_SCOPES] }),
    });
    expect(created.status).toBe(201);
    key = ((await created.json()) as { key: string }).key;
  }, 180_000);

  afterAll(async () => {
    app?.signalGroup('SIGKILL');
    await peer?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown) => callApi(api, key, method, p, body);

  it("prints an app key that sends events and reads runs but cannot publish, and the owner's sign-up link (used once)", async () => {
    expect(app.output()).toMatch(/Keys for your app's backend \(events:write \+ runs:read/);
    const sent = await callApi(api, appKey, 'POST', '/v1/events', { name: 'nothing.listens', data: {} });
    expect(sent.status).toBe(202);
    expect((await callApi(api, appKey, 'GET', '/api/runs')).status).toBe(200);
    const flows = await callApi(api, key, 'GET', '/api/flows');
    expect(flows.status).toBe(200);
    const publish = await callApi(api, appKey, 'POST', '/api/flows/any/publish', {});
    expect(publish.status).toBe(403);
    expect(publish.body.error.details).toEqual({ scope: 'flows:publish' });
    expect((await callApi(api, appKey, 'POST', '/api/flows', { name: 'x', document: { trigger: { type: 'manual' }, nodes: [], edges: [] } })).status).toBe(403);
  });

  it('prints the URLs and serves the API', async () => {
    expect(app.output()).toContain(`http://127.0.0.1:${ports.api}/`);
    expect(app.output()).toContain(`Temporal UI http://127.0.0.1:${ports.ui}`);
    const health = await fetch(`${api}/api/health`);
    expect(await health.json()).toEqual({ ok: true, database: 'up', temporal: 'up' });
    // SQLite: the database file in DATA_DIR; TEST_DATABASE=postgres: none (the data is in PostgreSQL).
    expect(fs.existsSync(path.join(dataDir, 'switchyard.db'))).toBe(!usingPostgres);
    expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
    // The dev server's SQLite keeps a write-ahead log (TEMPORAL_DEV_SYNC=normal; README, Durability).
    expect(fs.existsSync(path.join(dataDir, 'temporal.db-wal'))).toBe(true);
  });

  it('runs a published flow once per event id, with the expected outputs, visible to `temporal workflow list`', async () => {
    const document = {
      trigger: { type: 'event', event: 'user.signed_up' },
      nodes: [
        { id: 'lookup', type: 'action', action: 'http.request@1', inputs: { url: { $expr: `"${peer.url}/users/" & trigger.data.userId` } } },
        { id: 'isPro', type: 'condition', condition: 'nodes.lookup.body.plan = "pro"' },
        {
          id: 'welcome',
          type: 'action',
          action: 'data.transform@1',
          inputs: { data: { $expr: 'nodes.lookup.body' }, expression: '{ "subject": "Welcome, " & data.name, "tier": $uppercase(data.plan) }' },
        },
      ],
      edges: [
        { from: 'trigger', to: 'lookup' },
        { from: 'lookup', to: 'isPro' },
        { from: 'isPro', to: 'welcome', branch: 'true' },
      ],
      layout: { lookup: { x: 0, y: 100 }, isPro: { x: 0, y: 200 }, welcome: { x: 0, y: 300 } },
    };
    const created = await call('POST', '/api/flows', { name: 'Welcome pro users', document });
    expect(created.status).toBe(201);
    expect(created.body.problems).toEqual([]);
    // As the README says: the generic HTTP action needs Backend functions on.
    expect((await call('PATCH', '/api/settings', { backendFunctions: true })).status).toBe(200);
    const published = await call('POST', `/api/flows/${created.body.id}/publish`, { note: 'first version' });
    expect(published).toMatchObject({ status: 201, body: { version: 1 } });

    const event = { name: 'user.signed_up', id: 'evt_signup_0001', data: { userId: 'u_42' } };
    const first = await call('POST', '/v1/events', event);
    const second = await call('POST', '/v1/events', event);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(first.body.runs).toHaveLength(1);
    expect(second.body.runs[0].runId).toBe(first.body.runs[0].runId);
    expect(second.body.runs[0].duplicate).toBe(true);
    const runId: string = first.body.runs[0].runId;

    const run = await pollUntil(
      'the run to complete',
      async () => {
        const r = await call('GET', `/api/runs/${runId}`);
        return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
      },
      60_000,
    );
    expect(run.status).toBe('completed');
    const nodes = Object.fromEntries((run.nodes as { nodeId: string }[]).map((n) => [n.nodeId, n]));
    expect(nodes.lookup).toMatchObject({ status: 'succeeded', attempts: 1, output: { status: 200, body: { id: 'u_42', plan: 'pro' } } });
    expect(nodes.isPro).toMatchObject({ status: 'succeeded', output: { result: true }, branch: 'true' });
    expect(nodes.welcome).toMatchObject({ status: 'succeeded', output: { result: { subject: 'Welcome, Ada Lovelace', tier: 'PRO' } } });
    expect(peer.hitsTo('/users/u_42')).toHaveLength(1);

    const runs = await call('GET', `/api/runs?flowId=${created.body.id}`);
    expect(runs.body.runs).toHaveLength(1);

    const cli = resolveTemporalCli();
    expect(cli, 'the Temporal CLI is installed by npm install').toBeDefined();
    const list = spawnSync(
      cli!,
      ['workflow', 'list', '--address', temporalAddress, '--namespace', 'default', '--query', `WorkflowId = '${run.workflowId}'`, '--output', 'json'],
      { encoding: 'utf8' },
    );
    expect(list.status, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as { execution: { workflowId: string }; status: string; type: { name: string } }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ execution: { workflowId: run.workflowId }, type: { name: 'runFlow' } });
    expect(String(listed[0]!.status)).toMatch(/COMPLETED/);
  });

  it('stops every child on Ctrl-C and frees the ports', async () => {
    app.signalGroup('SIGINT');
    const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('timeout'), 45_000))]);
    expect(code).toBe(0);
    for (const port of [ports.api, ports.temporal, ports.ui]) {
      const inUse = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      expect(inUse, `port ${port} is still in use`).toBe(false);
    }
  }, 60_000);
});
