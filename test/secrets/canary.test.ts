import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog, integrations } from '#catalog';
import { WorkerMetrics } from '#worker/metrics';
import { createApp } from '#server/app';
import { ensureWorkspace } from '#server/bootstrap';
import { setBackendFunctions } from '#store/settings.repository';
import { connectTemporal, type TemporalAccess } from '#server/temporal';
import { masterKeyFrom } from '#store/crypto';
import { openDatabase, type Db } from '#store/database';
import { storedDatabaseBytes, testDatabaseUrl } from '../helpers/database';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { createSwitchyardWorker } from '#worker/worker';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { leakPieces, secretCorpus, withBase64Decoded } from '../helpers/secret-corpus';

/**
 * A provider that reflects the password of the Basic credentials it receives: `/corpus/json200` in a JSON body
 * (raw, base64 and URL-encoded) and in headers; `/corpus/json/<start>` and `/corpus/text/<start>` in a 4xx body
 * whose text puts the (JSON-escaped or raw) value at character `<start>`, around the error excerpt's cut.
 */
function reflect(path: string, authorization: string) {
  const value = Buffer.from(authorization.replace(/^Basic /, ''), 'base64')
    .toString('utf8')
    .replace(/^[^:]*:/, '');
  const [, , kind, at] = path.split('/');
  const start = Number(at);
  if (kind === 'json200') {
    const headerSafe = /^[\x20-\x7e]*$/.test(value);
    return {
      body: { echoed: value, note: `token was ${value}`, b64: Buffer.from(value).toString('base64'), url: encodeURIComponent(value) },
      headers: { 'x-echo-encoded': encodeURIComponent(value), ...(headerSafe ? { 'x-echo': value } : {}) },
    };
  }
  if (kind === 'json') return { status: 401, body: { error: `${'.'.repeat(Math.max(0, start - '{"error":"'.length))}${value} is not valid` } };
  return { status: 403, body: `${'.'.repeat(start)}${value} is not valid` };
}

/**
 * The canary: a secret with a unique value is used by runs that succeed and runs that fail, and a provider
 * that echoes it back. Then every place it could leak is searched: Temporal histories (payloads decoded),
 * the server's and the worker's logs, the database (SQLite files, or a pg_dump under PostgreSQL), and every API response. It must appear 0 times.
 */
describe('secrets never leak (canary)', () => {
  const canary = `canary-${crypto.randomUUID()}`;
  const canaryTest = `canary-test-${crypto.randomUUID()}`;
  const taskQueue = `canary-${crypto.randomUUID()}`;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let temporal: TemporalAccess;
  let server: Server;
  let api: string;
  let keys: { live: string; test: string };
  let worker: Awaited<ReturnType<typeof createSwitchyardWorker>>;
  let workerRun: Promise<void>;
  let connection: NativeConnection;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
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
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-canary-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    keys = boot.keys!;
    await setBackendFunctions(db, boot.workspaceId, true); // the flow uses the generic HTTP action
    const secrets = new SecretStore(db, masterKeyFrom(crypto.randomBytes(32), 'canary master key'));
    temporal = connectTemporal({ address: inject('temporalAddress'), namespace: 'default', taskQueue });
    const app = createApp({ db, temporal, catalog, integrations, secrets, logger: logger.child({ name: 'server' }), bodyLimit: '1mb' });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
      // Its activity interceptor logs every failed attempt with the run's ids: those lines are checked too.
      metrics: new WorkerMetrics(),
    });
    workerRun = worker.run();
    // A careless provider: it echoes the credentials it receives, in answers and in errors.
    peer = await startHttpPeer((hit) => {
      const auth = String(hit.headers.authorization ?? hit.headers['x-api-key'] ?? '');
      if (hit.path.startsWith('/corpus/')) return reflect(hit.path, auth);
      if (hit.path.startsWith('/echo')) return { body: { youSent: auth, note: `token was ${auth}` } };
      if (hit.path.startsWith('/reject')) return { status: 401, body: { error: `invalid token ${auth}` } };
      return { status: 500, body: `internal error while using ${auth}` };
    });
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

  const call = async (method: string, p: string, body?: unknown, key = keys.live) => {
    const res = await fetch(`${api}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    responses.push(text);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads loose JSON
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };

  const flow = async (name: string, event: string, nodes: unknown[], edges: unknown[]) => {
    const created = await call('POST', '/api/flows', { name, document: { trigger: { type: 'event', event }, nodes, edges } });
    expect(created.status).toBe(201);
    expect((await call('POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
  };

  const settle = async (runId: string, key = keys.live) =>
    pollUntil(
      `run ${runId} to end`,
      async () => {
        const r = await call('GET', `/api/runs/${runId}`, undefined, key);
        return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
      },
      30_000,
    );

  it('leaves no trace of the secret in histories, logs, the database or API responses', async () => {
    const saved = await call('PUT', '/api/secrets/CANARY_TOKEN', { live: canary, test: canaryTest });
    expect(saved.body).toMatchObject({ name: 'CANARY_TOKEN', live: { last4: `…${canary.slice(-4)}` }, test: { last4: `…${canaryTest.slice(-4)}` } });

    const retry = { maximumAttempts: 2, initialInterval: '100ms' };
    await flow(
      'echo',
      'canary.echo',
      [
        { id: 'call', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/echo`, auth: { type: 'bearer', secret: 'CANARY_TOKEN' } }, retry },
        { id: 'copy', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'nodes.call.body' }, expression: 'data' } },
      ],
      [
        { from: 'trigger', to: 'call' },
        { from: 'call', to: 'copy' },
      ],
    );
    await flow(
      'reject',
      'canary.reject',
      [
        {
          id: 'call',
          type: 'action',
          action: 'http.request@1',
          inputs: { url: `${peer.url}/reject`, auth: { type: 'header', header: 'X-Api-Key', secret: 'CANARY_TOKEN' } },
          retry,
          onError: 'fail',
        },
      ],
      [{ from: 'trigger', to: 'call' }],
    );
    await flow(
      'explode',
      'canary.explode',
      [
        {
          id: 'call',
          type: 'action',
          action: 'http.request@1',
          inputs: { url: `${peer.url}/explode`, auth: { type: 'basic', username: 'ada', secret: 'CANARY_TOKEN' } },
          retry,
          onError: 'fail',
        },
      ],
      [{ from: 'trigger', to: 'call' }],
    );

    const runIds: { id: string; key: string }[] = [];
    for (const [event, key] of [
      ['canary.echo', keys.live],
      ['canary.echo', keys.test],
      ['canary.reject', keys.live],
      ['canary.explode', keys.live],
      ['canary.explode', keys.test],
    ] as const) {
      const sent = await call('POST', '/v1/events', { name: event, data: {} }, key);
      runIds.push({ id: sent.body.runs[0].runId, key });
    }
    const runs = [];
    for (const { id, key } of runIds) runs.push(await settle(id, key));
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'failed', 'failed', 'failed']);
    expect(runs.map((r) => r.mode)).toEqual(['live', 'test', 'live', 'live', 'test']);

    // Positive controls: the provider really received the values (and echoed them) ...
    expect(peer.hits.some((h) => String(h.headers.authorization) === `Bearer ${canary}`)).toBe(true);
    expect(peer.hits.some((h) => String(h.headers.authorization) === `Bearer ${canaryTest}`)).toBe(true);
    expect(peer.hits.some((h) => String(h.headers['x-api-key']) === canary)).toBe(true);
    // ... and what came back was scrubbed on its way out of the activity.
    expect(runs[0].nodes.find((n: { nodeId: string }) => n.nodeId === 'copy').output.result.youSent).toBe('Bearer [redacted:CANARY_TOKEN]');
    expect(runs[2].error.message).toContain('[redacted:CANARY_TOKEN]');
    await call('GET', '/api/runs');
    await call('GET', '/api/secrets');

    // Temporal histories, with every payload decoded.
    const client: Client = temporal.client;
    const histories: string[] = [];
    for (const run of runs) {
      const history = await client.workflow.getHandle(run.workflowId).fetchHistory();
      histories.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
    expect(histories.join('').length).toBeGreaterThan(1000);
    expect(histories.join('')).toContain('CANARY_TOKEN'); // the name travels, the value does not

    // The database files (main file and write-ahead log), as raw bytes.
    await db.selectFrom('runs').select('id').execute();
    const dbBytes = await storedDatabaseBytes(dbUrl);
    expect(dbBytes.length).toBeGreaterThan(10_000);

    for (const value of [canary, canaryTest]) {
      const count = (text: string) => text.split(value).length - 1;
      expect(count(histories.join('\n')), 'Temporal histories').toBe(0);
      expect(count(logs.join('')), 'server and worker logs').toBe(0);
      expect(dbBytes.includes(Buffer.from(value)), 'database').toBe(false);
      expect(count(responses.join('\n')), 'API responses').toBe(0);
    }
    // The logs did carry the failures, scrubbed.
    expect(logs.join('')).toContain('[redacted:CANARY_TOKEN]');
    expect(logs.join('')).toContain('activity attempt failed');
  }, 120_000);
  it('a corpus of secrets (quotes, backslashes, unicode, %, +, /, =; 6 to 200 characters), reflected in JSON, text and headers at every offset around the error excerpt cut, leaves no piece of 6 characters or more anywhere', async () => {
    const corpus = secretCorpus();
    const runs: string[] = [];
    for (const [i, value] of corpus.entries()) {
      const name = `CORPUS_${i}`;
      expect((await call('PUT', `/api/secrets/${name}`, { live: value })).status).toBe(200);
      const json = JSON.stringify(value).slice(1, -1);
      // Every start from where the whole form fits before the 299-character cut to just past it.
      const cases = ['/corpus/json200'];
      for (let start = 299 - json.length - 2; start <= 301; start++) cases.push(`/corpus/json/${start}`);
      for (let start = 299 - value.length - 2; start <= 301; start++) cases.push(`/corpus/text/${start}`);
      const event = `canary.corpus.${i}`;
      const call_ = {
        id: 'call',
        type: 'action',
        action: 'http.request@1',
        inputs: { url: { $expr: `"${peer.url}" & item` }, auth: { type: 'basic', username: 'ada', secret: name } },
        retry: { maximumAttempts: 1 },
        onError: 'branch',
      };
      await flow(
        `corpus ${i}`,
        event,
        [{ id: 'each', type: 'forEach', items: 'trigger.data.cases', concurrency: 20, body: { nodes: [call_], edges: [{ from: 'each', to: 'call' }] } }],
        [{ from: 'trigger', to: 'each' }],
      );
      const sent = await call('POST', '/v1/events', { name: event, data: { cases } });
      runs.push(sent.body.runs[0].runId);
    }
    const ended = [];
    for (const run of runs) ended.push(await settle(run));
    expect(ended.map((r) => r.status)).toEqual(corpus.map(() => 'completed'));
    // Positive control: the provider received every value, and the errors did carry the (redacted) reflections.
    for (const value of corpus)
      expect(peer.hits.some((h) => String(h.headers.authorization) === `Basic ${Buffer.from(`ada:${value}`).toString('base64')}`)).toBe(true);
    const shown = JSON.stringify(ended);
    expect(['answered 401', 'answered 403', '[redacted:CORPUS_9]'].filter((s) => !shown.includes(s))).toEqual([]);
    await call('GET', '/api/runs?limit=200');

    // Temporal histories: the history's own fields, and every payload decoded, each read as stored (JSON text).
    const texts: string[] = [];
    for (const run of ended) {
      const history = await temporal.client.workflow.getHandle(run.workflowId).fetchHistory();
      texts.push(
        JSON.stringify(history, (_k, v: unknown) => {
          if (!(v instanceof Uint8Array)) return v;
          texts.push(Buffer.from(v).toString('utf8'));
          return '(payload)';
        }),
      );
    }
    await db.selectFrom('runs').select('id').execute();
    const dbText = (await storedDatabaseBytes(dbUrl)).toString('utf8');
    const places = Object.entries({
      'Temporal histories': texts.join('\n'),
      'server and worker logs': logs.join(''),
      database: dbText,
      'API responses': responses.join('\n'),
    }).map(([where, text]) => [where, withBase64Decoded(text)] as const);
    for (const value of corpus) {
      const pieces = leakPieces(value);
      for (const [where, text] of places) {
        expect(
          pieces.filter((p) => text.includes(p)),
          `${JSON.stringify(value)} in ${where}`,
        ).toEqual([]);
      }
    }
  }, 240_000);
});
