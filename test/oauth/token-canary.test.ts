import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog, integrations } from '#catalog';
import { createApp } from '#server/app';
import { ensureWorkspace } from '#server/bootstrap';
import { connectTemporal, type TemporalAccess } from '#server/temporal';
import { masterKeyFrom } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { storedDatabaseBytes, testDatabaseUrl } from '../helpers/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { setBackendFunctions } from '#store/settings.repository';
import { createSwitchyardWorker } from '#worker/worker';
import { pollUntil } from '../helpers/processes';
import { PEER_CLIENT, signIn, startOAuthPeer, type OAuthPeer } from '../peers/oauth-peer';

/**
 * The OAuth token canary: a connection is made, its 3 s access tokens are refreshed (rotating refresh tokens) while
 * runs use them against an API that echoes the token back (in an answer, a header and a 403 error). Then every token
 * the provider ever saw, and the stored ones, are searched for in Temporal histories (payloads decoded), the server's
 * and the worker's logs, the database (SQLite files, or a pg_dump under PostgreSQL; outside the encrypted columns: the raw value anywhere) and
 * every API response. Each must appear 0 times.
 */
describe('OAuth tokens never leak (canary)', () => {
  const taskQueue = `oauth-canary-${crypto.randomUUID()}`;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let secrets: SecretStore;
  let temporal: TemporalAccess;
  let server: Server;
  let api: string;
  let keys: { live: string; test: string };
  let workspaceId: string;
  let worker: Awaited<ReturnType<typeof createSwitchyardWorker>>;
  let workerRun: Promise<void>;
  let connection: NativeConnection;
  let peer: OAuthPeer;
  const logs: string[] = [];
  const responses: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'trace' }, capture);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-oauth-canary-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    keys = boot.keys!;
    workspaceId = boot.workspaceId;
    await setBackendFunctions(db, workspaceId, true);
    secrets = new SecretStore(db, masterKeyFrom(crypto.randomBytes(32), 'oauth canary master key'));
    temporal = connectTemporal({ address: inject('temporalAddress'), namespace: 'default', taskQueue });
    // The provider runs on this machine: its address is allowed, as SWITCHYARD_HTTP_ALLOW would allow it.
    const app = createApp({
      db,
      temporal,
      catalog,
      integrations,
      secrets,
      logger: logger.child({ name: 'server' }),
      bodyLimit: '1mb',
      httpAllow: ['127.0.0.1/32'],
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    peer = await startOAuthPeer({ redirectUris: [`${api}/api/oauth/callback`], accessTokenTtl: 3 });
    connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createSwitchyardWorker({
      connection,
      namespace: 'default',
      taskQueue,
      db,
      secrets,
      integrations,
      logger: logger.child({ name: 'worker' }),
      httpAllow: ['127.0.0.1/32'],
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    workerRun = worker.run();
  }, 60_000);

  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await worker?.closeHttp();
    await connection?.close();
    server?.close();
    await temporal?.close();
    await db?.destroy();
    await peer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${api}${p}`, {
      method,
      headers: { authorization: `Bearer ${keys.live}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    responses.push(text, JSON.stringify([...res.headers]));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads loose JSON
    return { status: res.status, headers: res.headers, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as any };
  };

  it('access and refresh tokens appear 0 times in histories, logs, the database file and API responses', { timeout: 90_000 }, async () => {
    const client = await call('PUT', '/api/oauth/providers/generic/client', {
      clientId: PEER_CLIENT.clientId,
      clientSecret: PEER_CLIENT.clientSecret,
      config: { authorizeUrl: peer.authorizeUrl, tokenUrl: peer.tokenUrl, revocationUrl: peer.revocationUrl, issuer: peer.issuer, scopes: ['api'] },
    });
    expect(client.status).toBe(200);
    const started = await call('POST', '/api/connections', { provider: 'generic', name: 'canary' });
    const cookie = started.headers.getSetCookie()[0]!.split(';')[0]!;
    const signedIn = await signIn(started.body.authorizeUrl, peer.issuer);
    const back = await fetch(signedIn.callbackUrl!, { headers: { cookie } });
    responses.push(await back.text(), JSON.stringify([...back.headers]));
    expect(back.status).toBe(200);
    const connectionId = started.body.connectionId as string;

    const echo = (id: string, where: string, extra: Record<string, unknown> = {}) => ({
      id,
      type: 'action',
      action: 'http.request@1',
      inputs: { url: `${peer.issuer}${where}`, auth: { type: 'connection', connection: connectionId } },
      ...extra,
    });
    const document = {
      trigger: { type: 'manual' },
      nodes: [
        echo('first', '/echo'),
        { id: 'pause', type: 'delay', duration: '3500ms' },
        echo('second', '/echo'),
        echo('refused', '/forbidden', { onError: 'branch' }),
      ],
      edges: [
        { from: 'trigger', to: 'first' },
        { from: 'first', to: 'pause' },
        { from: 'pause', to: 'second' },
        { from: 'second', to: 'refused' },
      ],
    };
    const flow = await call('POST', '/api/flows', { name: 'echoes tokens', document });
    expect((await call('POST', `/api/flows/${flow.body.id}/publish`, {})).status).toBe(201);
    const runs = await Promise.all([0, 1].map(() => call('POST', `/api/flows/${flow.body.id}/runs`, {})));
    const ended = [];
    for (const run of runs) {
      ended.push(
        await pollUntil(
          `run ${run.body.runId} to end`,
          async () => {
            const r = await call('GET', `/api/runs/${run.body.runId}`);
            return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
          },
          60_000,
        ),
      );
    }
    expect(ended.map((r) => r.status)).toEqual(['completed', 'completed']);
    // The echoes reached the run (redacted), and the tokens were refreshed in between.
    expect(JSON.stringify(ended)).toContain('[redacted:connection:');
    await call('GET', '/api/runs');
    await call('GET', '/api/connections');
    await call('GET', `/api/connections/${connectionId}`);
    await call('POST', `/api/connections/${connectionId}/test`, {});
    expect(peer.counts.refresh_token).toBeGreaterThanOrEqual(1);

    // Every token: those the provider saw, and the newest pair (stored, never sent yet).
    const row = await db.selectFrom('oauth_tokens').select('tokens').where('connection_id', '=', connectionId).executeTakeFirstOrThrow();
    const stored = JSON.parse(await secrets.open(workspaceId, `oauth-token:${workspaceId}:${connectionId}:live`, row.tokens!, 'canary')) as {
      accessToken: string;
      refreshToken: string;
    };
    const tokens = new Set([...peer.seenTokens, stored.accessToken, stored.refreshToken].filter((t) => t.length >= 20));
    expect(tokens.size).toBeGreaterThanOrEqual(4);

    const { client: temporalClient } = temporal;
    const histories: string[] = [];
    const rows = await db.selectFrom('runs').select('workflow_id').where('workspace_id', '=', workspaceId).execute();
    for (const r of rows) {
      const history = await temporalClient.workflow.getHandle(r.workflow_id).fetchHistory();
      histories.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
    expect(histories).toHaveLength(2);
    await db.destroy(); // flushes the WAL into the file
    db = openDatabase(dbUrl);
    const dbText = (await storedDatabaseBytes(dbUrl)).toString('latin1');
    const places = { histories: histories.join('\n'), logs: logs.join('\n'), database: dbText, responses: responses.join('\n') };
    const found: string[] = [];
    for (const token of tokens) {
      for (const [where, text] of Object.entries(places)) if (text.includes(token)) found.push(`${where}: …${token.slice(-6)}`);
    }
    expect(found).toEqual([]);
    expect(logs.length).toBeGreaterThan(10);
  });
});
