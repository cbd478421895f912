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
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { BLOCKED_HOSTS } from '../helpers/ssrf-corpus';

/**
 * Code steps end to end: the real API, a real worker (sandbox threads included) on the shared Temporal dev server,
 * a file-backed SQLite database or a PostgreSQL one (searched as bytes, or as a pg_dump, for the canary), a local provider peer, every log line captured.
 */
describe('code steps', () => {
  const canary = `canary-${crypto.randomUUID()}`;
  const canaryTest = `canary-test-${crypto.randomUUID()}`;
  const taskQueue = `code-steps-${crypto.randomUUID()}`;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let temporal: TemporalAccess;
  let server: Server;
  let api: string;
  let workspaceId: string;
  let keys: { live: string; test: string };
  let worker: Awaited<ReturnType<typeof createSwitchyardWorker>>;
  let workerRun: Promise<void>;
  let connection: NativeConnection;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  let flaky = 0;
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
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-code-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    keys = boot.keys!;
    workspaceId = boot.workspaceId;
    await setBackendFunctions(db, workspaceId, true);
    const secrets = new SecretStore(db, masterKeyFrom(crypto.randomBytes(32), 'code steps master key'));
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
      // The provider peer listens on 127.0.0.1; every other address of the SSRF corpus stays blocked.
      httpAllow: ['127.0.0.1/32'],
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    workerRun = worker.run();
    peer = await startHttpPeer((hit) => {
      if (hit.path.startsWith('/flaky')) return ++flaky === 1 ? { status: 503, body: { error: 'try later' } } : { body: { ok: true, n: flaky } };
      return {
        body: { path: hit.path, method: hit.method, auth: hit.headers.authorization ?? null, idem: hit.headers['idempotency-key'] ?? null, body: hit.body },
      };
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

  const createFlow = async (name: string, event: string, nodes: unknown[], edges: unknown[]) => {
    const created = await call('POST', '/api/flows', { name, document: { trigger: { type: 'event', event }, nodes, edges } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };
  const publish = async (name: string, event: string, nodes: unknown[], edges: unknown[]) => {
    const id = await createFlow(name, event, nodes, edges);
    const published = await call('POST', `/api/flows/${id}/publish`, {});
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    return id;
  };
  const start = async (event: string, data: unknown = {}, key = keys.live) => {
    const sent = await call('POST', '/v1/events', { name: event, data }, key);
    expect(sent.status, JSON.stringify(sent.body)).toBeLessThan(300);
    return sent.body.runs[0].runId as string;
  };
  const settle = async (runId: string, key = keys.live) =>
    pollUntil(
      `run ${runId} to end`,
      async () => {
        const r = await call('GET', `/api/runs/${runId}`, undefined, key);
        return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
      },
      60_000,
    );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON
  const node = (run: any, id: string) => run.nodes.find((n: { nodeId: string }) => n.nodeId === id);

  it('runs TypeScript with input, ctx.fetch (1 credit per request), ctx.log and ctx.idempotencyKey; later nodes read its output', async () => {
    const source = `
      interface Input { name: string; items: number[] }
      export default async function (input: Input, ctx: any) {
        ctx.log('hello', input.name);
        const res = await ctx.fetch(input.url + '/orders', { method: 'POST', headers: { 'Idempotency-Key': ctx.idempotencyKey }, body: JSON.stringify({ total: input.items.reduce((a, b) => a + b, 0) }) });
        const sent = await res.json();
        const again = await (await ctx.fetch(input.url + '/second')).json();
        return { greeting: 'hi ' + input.name, status: res.status, sentBody: JSON.parse(sent.body), idem: sent.idem, second: again.path, mode: ctx.mode };
      }`;
    const flowId = await publish(
      'typescript',
      'code.ts',
      [
        {
          id: 'code',
          type: 'code',
          language: 'typescript',
          source,
          inputs: { name: { $expr: 'trigger.data.name' }, items: { $expr: 'trigger.data.items' }, url: peer.url },
        },
        { id: 'after', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'nodes.code' }, expression: 'data.greeting & "!"' } },
      ],
      [
        { from: 'trigger', to: 'code' },
        { from: 'code', to: 'after' },
      ],
    );
    const estimate = await call('GET', `/api/flows/${flowId}/estimate`);
    expect(estimate.body.notes).toContain('code steps cost 1 credit per ctx.fetch request they make, which the estimate cannot count');
    const run = await settle(await start('code.ts', { name: 'Ada', items: [1, 2, 3] }));
    expect(run.status).toBe('completed');
    const code = node(run, 'code');
    expect(code.output).toMatchObject({ greeting: 'hi Ada', status: 200, sentBody: { total: 6 }, second: '/second', mode: 'live' });
    expect(code.output.idem).toBe(`${run.workflowId}:code`);
    expect(code.logs).toEqual(['hello Ada']);
    expect(node(run, 'after').output).toEqual({ result: 'hi Ada!' });
    expect(run.cost).toMatchObject({ credits: 2, requests: 2 });
  }, 90_000);

  it('charges exactly 1 credit per request also across a retry of the step', async () => {
    const source = `export default async (input, ctx) => {
      const res = await ctx.fetch(input.url + '/flaky');
      if (!res.ok) throw new Error('provider answered ' + res.status);
      return await res.json();
    }`;
    await publish(
      'retry',
      'code.retry',
      [{ id: 'flaky', type: 'code', language: 'javascript', source, inputs: { url: peer.url }, retry: { maximumAttempts: 3, initialInterval: '100ms' } }],
      [{ from: 'trigger', to: 'flaky' }],
    );
    flaky = 0;
    const run = await settle(await start('code.retry'));
    expect(run.status).toBe('completed');
    expect(node(run, 'flaky').attempts).toBe(2);
    expect(node(run, 'flaky').output).toEqual({ ok: true, n: 2 });
    expect(run.cost).toMatchObject({ credits: 2, requests: 2 });
    const rows = await db
      .selectFrom('credit_ledger')
      .select(['attempt', 'request_index', 'amount'])
      .where('workflow_id', '=', run.workflowId)
      .where('kind', '=', 'charge')
      .execute();
    expect(rows.map((r) => [r.attempt, r.request_index, r.amount]).sort()).toEqual([
      [1, 0, -1],
      [2, 0, -1],
    ]);
  }, 90_000);

  it('blocks ctx.fetch to the SSRF corpus (beyond the allow-list), and refunds what it charged for them', async () => {
    // This worker allow-lists 127.0.0.1 for the peer, which also lifts its IPv4-mapped form; the escape corpus
    // (test/security/code-sandbox-escape.test.ts) runs the whole list, loopback included, with no allow-list.
    const urls = [...BLOCKED_HOSTS.filter((h) => h !== '[::ffff:127.0.0.1]').map((h) => `http://${h}/latest/meta-data/`), 'file:///etc/passwd'];
    const source = `export default async (input, ctx) => {
      const out = [];
      for (const url of input.urls) { try { await ctx.fetch(url); out.push('reached ' + url) } catch (e) { out.push(e.message) } }
      return out;
    }`;
    await publish('ssrf', 'code.ssrf', [{ id: 'ssrf', type: 'code', language: 'javascript', source, inputs: { urls } }], [{ from: 'trigger', to: 'ssrf' }]);
    const run = await settle(await start('code.ssrf'));
    expect(run.status).toBe('completed');
    const out = node(run, 'ssrf').output as string[];
    expect(out).toHaveLength(urls.length);
    for (const line of out) expect(line).toMatch(/^ctx\.fetch failed: (Blocked request to|Only http: and https: URLs)/);
    expect(run.cost).toMatchObject({ credits: 0 });
  }, 90_000);

  it('stops an infinite loop, a deep recursion and a memory bomb at their limits, and the worker runs the next step', async () => {
    const limited = (id: string, source: string) => ({
      id,
      type: 'code',
      language: 'javascript',
      source,
      limits: { cpuMs: 1_000, memoryMb: 32 },
      onError: 'branch',
    });
    await publish(
      'limits',
      'code.limits',
      [
        limited('loop', 'export default () => { for (;;) {} }'),
        limited('recursion', 'export default () => { const f = (n) => f(n + 1) + 1; return f(0) }'),
        limited('bomb', "export default () => { const a = []; for (;;) a.push('x'.repeat(1e6) + a.length) }"),
        { id: 'next', type: 'code', language: 'javascript', source: 'export default () => ({ healthy: true })' },
      ],
      [
        { from: 'trigger', to: 'loop' },
        { from: 'loop', to: 'recursion', branch: 'error' },
        { from: 'recursion', to: 'bomb', branch: 'error' },
        { from: 'bomb', to: 'next', branch: 'error' },
      ],
    );
    const started = Date.now();
    const run = await settle(await start('code.limits'));
    expect(run.status).toBe('completed');
    expect(node(run, 'loop').error.message).toContain('Limit exceeded: CPU time');
    expect(node(run, 'recursion').error.message).toContain('Limit exceeded: stack depth');
    expect(node(run, 'bomb').error.message).toContain('Limit exceeded: memory');
    // Limits are not retried: one attempt each.
    for (const id of ['loop', 'recursion', 'bomb']) expect(node(run, id).attempts).toBe(1);
    expect(node(run, 'next').output).toEqual({ healthy: true });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);

  it('parks a failing step like an action; a retry with edited input completes it, with a new idempotency key', async () => {
    const source = `export default (input, ctx) => { if (!input.ready) throw new Error('not ready yet'); return { ready: input.ready, idem: ctx.idempotencyKey } }`;
    await publish(
      'parks',
      'code.parks',
      [{ id: 'gate', type: 'code', language: 'javascript', source, inputs: { ready: false }, retry: { maximumAttempts: 1 } }],
      [{ from: 'trigger', to: 'gate' }],
    );
    const runId = await start('code.parks');
    const parked = await pollUntil(
      'the step to park',
      async () => {
        const r = await call('GET', `/api/runs/${runId}`);
        return r.body.status === 'parked' ? r.body : undefined;
      },
      30_000,
    );
    expect(node(parked, 'gate').error.message).toContain('Error: not ready yet');
    const retried = await call('POST', `/api/runs/${runId}/nodes/gate/retry`, { input: { ready: true } });
    expect(retried.status, JSON.stringify(retried.body)).toBeLessThan(300);
    const run = await settle(runId);
    expect(run.status).toBe('completed');
    expect(node(run, 'gate').output).toEqual({ ready: true, idem: `${run.workflowId}:gate:edit1` });
  }, 90_000);

  it("shows a thrown error's message and the user's line numbers", async () => {
    const source = [
      'type T = { n: number };',
      'export default async function (input: T, ctx: any) {',
      "  ctx.log('checking', input.n); check(input.n);",
      '}',
      'function check(n: number) {',
      "  if (n > 1) throw new RangeError('n is too big: ' + n);",
      '}',
    ].join('\n');
    await publish(
      'throws',
      'code.throws',
      [{ id: 'boom', type: 'code', language: 'typescript', source, inputs: { n: 5 }, retry: { maximumAttempts: 1 }, onError: 'fail' }],
      [{ from: 'trigger', to: 'boom' }],
    );
    const run = await settle(await start('code.throws'));
    expect(run.status).toBe('failed');
    expect(run.error.message).toContain('RangeError: n is too big: 5');
    expect(run.error.message).toMatch(/at check \(step:6:\d+\)/);
    expect(run.error.message).toMatch(/\(step:3:\d+\)/);
    // The failed attempt's log is kept: it is what explains the failure.
    expect(node(run, 'boom').logs).toEqual(['checking 5']);
  }, 90_000);

  it('refuses a syntax error at save (422, with line and column), and at publish no default export, a disallowed import, an undeclared secret', async () => {
    const broken = 'export default async function (input) {\n  return input +* 1;\n}';
    const doc = (source: string) => ({
      trigger: { type: 'event', event: 'code.bad' },
      nodes: [{ id: 'bad', type: 'code', source }],
      edges: [{ from: 'trigger', to: 'bad' }],
    });
    const refused = await call('POST', '/api/flows', { name: 'broken', document: doc(broken) });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.problems).toEqual([
      { code: 'CODE_INVALID', nodeId: 'bad', field: 'source', message: 'Node "bad", source: line 2:17: Unexpected "*"' },
    ]);
    const saved = await call('POST', '/api/flows', { name: 'fine', document: doc('export default () => 1') });
    expect(saved.status).toBe(201);
    const update = await call('PATCH', `/api/flows/${saved.body.id}`, { document: doc(broken) });
    expect(update.status).toBe(422);
    expect(update.body.error.message).toContain('line 2:17: Unexpected "*"');

    const problemsOf = async (source: string, secrets: string[] = []) => {
      const id = await createFlow('bad', 'code.bad', [{ id: 'bad', type: 'code', language: 'typescript', source, secrets }], [{ from: 'trigger', to: 'bad' }]);
      const res = await call('POST', `/api/flows/${id}/publish`, {});
      expect(res.status).toBe(422);
      return res.body.error.details.problems as { code: string; nodeId: string; field: string; message: string }[];
    };
    expect((await problemsOf('export function handler() { return 1 }'))[0]!.message).toContain('no default export');
    expect((await problemsOf("import { execSync } from 'child_process';\nexport default () => execSync('id')"))[0]!.message).toBe(
      'Node "bad", source: line 1:26: import "child_process" is not allowed: a code step may import only lodash-es, date-fns, zod',
    );
    const undeclared = await problemsOf('export default (i, ctx) => ctx.secrets.STRIPE_KEY + ctx.secrets["OTHER_KEY"]', ['OTHER_KEY']);
    expect(undeclared.map((p) => [p.code, p.field])).toEqual([
      ['UNDECLARED_SECRET', 'secrets'],
      ['MISSING_SETUP_VARIABLE', 'secrets.OTHER_KEY'],
    ]);
    expect(undeclared[0]!.message).toContain('reads ctx.secrets.STRIPE_KEY but does not declare it');
    // The editor asks the same compiler while the code is typed.
    const checked = await call('POST', '/api/code/check', { source: 'export default () => {\n  return 1 +* 2\n}', language: 'typescript' });
    expect(checked.body).toEqual({ diagnostics: [{ message: 'Unexpected "*"', line: 2, column: 13 }] });
    expect((await call('POST', '/api/code/check', { source: 'export default () => 1', language: 'javascript' })).body).toEqual({ diagnostics: [] });
  }, 60_000);

  it("needs App Settings' Backend functions switch: 422 at publish, 403 at run and for Test this step while it is off", async () => {
    const nodes = [{ id: 'code', type: 'code', language: 'javascript', source: 'export default () => 1' }];
    const edges = [{ from: 'trigger', to: 'code' }];
    const published = await publish('switch', 'code.switch', nodes, edges);
    await setBackendFunctions(db, workspaceId, false);
    try {
      const id = await createFlow('switch off', 'code.switch.off', nodes, edges);
      const refused = await call('POST', `/api/flows/${id}/publish`, {});
      expect(refused.status).toBe(422);
      expect(refused.body.error.details.problems[0]).toMatchObject({ code: 'BACKEND_FUNCTIONS_OFF', nodeId: 'code' });
      expect(refused.body.error.details.problems[0].message).toContain('is a code step, which need');
      const run = await call('POST', `/api/flows/${published}/runs`, { data: {} });
      expect(run.status).toBe(403);
      expect(run.body.error.message).toContain('Backend functions are off');
      const tested = await call('POST', '/api/code/test', { nodeId: 'code', source: 'export default () => 1', language: 'javascript' });
      expect(tested.status).toBe(403);
    } finally {
      await setBackendFunctions(db, workspaceId, true);
    }
  }, 60_000);

  it('Test this step runs the code once in test mode: output, logs, errors and credits', async () => {
    expect((await call('PUT', '/api/secrets/STEP_TOKEN', { live: 'live-step-token-value', test: 'test-step-token-value' })).status).toBe(200);
    const ok = await call(
      'POST',
      '/api/code/test',
      {
        nodeId: 'step',
        language: 'typescript',
        source: `export default async (input: { q: string }, ctx: any) => { ctx.log('q is', input.q); const r = await ctx.fetch(input.url + '/t', { headers: { authorization: 'Bearer ' + ctx.secrets.STEP_TOKEN } }); return { q: input.q, mode: ctx.mode, auth: (await r.json()).auth } }`,
        input: { q: 'x', url: peer.url },
        secrets: ['STEP_TOKEN'],
      },
      keys.test,
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, output: { q: 'x', mode: 'test', auth: 'Bearer [redacted:STEP_TOKEN]' }, logs: ['q is x'], credits: 1 });
    expect(peer.hits.some((h) => h.headers.authorization === 'Bearer test-step-token-value')).toBe(true);
    const failed = await call('POST', '/api/code/test', {
      nodeId: 'step',
      language: 'javascript',
      source: "export default (i, ctx) => { ctx.log('about to spin'); for (;;) {} }",
      limits: { cpuMs: 500 },
    });
    expect(failed.body).toMatchObject({ ok: false, error: { type: 'CODE_LIMIT_EXCEEDED' }, logs: ['about to spin'] });
    expect(failed.body.error.message).toContain('Limit exceeded: CPU time');
    const syntax = await call('POST', '/api/code/test', { nodeId: 'step', language: 'javascript', source: 'export default () => {' });
    expect(syntax.body).toMatchObject({ ok: false, error: { type: 'CODE_INVALID' } });
    expect(syntax.body.error.message).toMatch(/line 1:\d+/);
  }, 60_000);

  it('leaves no trace of a secret that the code returns, logs and throws: histories, logs, database, API responses', async () => {
    expect((await call('PUT', '/api/secrets/CODE_CANARY', { live: canary, test: canaryTest })).status).toBe(200);
    const returns = `export default async (input, ctx) => {
      const s = ctx.secrets.CODE_CANARY;
      ctx.log('the secret is', s, { nested: s });
      console.log(s.split('').join(''));
      const res = await ctx.fetch(input.url + '/echo', { headers: { authorization: 'Bearer ' + s } });
      return { secret: s, echoed: (await res.json()).auth, upper: { deep: [s] } };
    }`;
    const throws = `export default async (input, ctx) => { ctx.log('about to throw', ctx.secrets.CODE_CANARY); throw new Error('bad token ' + ctx.secrets.CODE_CANARY) }`;
    const step = (id: string, source: string, extra: object = {}) => ({
      id,
      type: 'code',
      language: 'javascript',
      source,
      secrets: ['CODE_CANARY'],
      inputs: { url: peer.url },
      ...extra,
    });
    await publish('canary returns', 'code.canary.returns', [step('returns', returns)], [{ from: 'trigger', to: 'returns' }]);
    await publish(
      'canary throws',
      'code.canary.throws',
      [step('throws', throws, { retry: { maximumAttempts: 2, initialInterval: '100ms' }, onError: 'fail' })],
      [{ from: 'trigger', to: 'throws' }],
    );
    const runs = [];
    for (const [event, key] of [
      ['code.canary.returns', keys.live],
      ['code.canary.returns', keys.test],
      ['code.canary.throws', keys.live],
      ['code.canary.throws', keys.test],
    ] as const)
      runs.push(await settle(await start(event, {}, key), key));
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'failed', 'failed']);
    expect(runs.map((r) => r.mode)).toEqual(['live', 'test', 'live', 'test']);
    // Positive controls: the provider received the values, and what came back was redacted on its way out.
    expect(peer.hits.some((h) => h.headers.authorization === `Bearer ${canary}`)).toBe(true);
    expect(peer.hits.some((h) => h.headers.authorization === `Bearer ${canaryTest}`)).toBe(true);
    expect(node(runs[0], 'returns').output).toEqual({
      secret: '[redacted:CODE_CANARY]',
      echoed: 'Bearer [redacted:CODE_CANARY]',
      upper: { deep: ['[redacted:CODE_CANARY]'] },
    });
    expect(node(runs[0], 'returns').logs).toEqual(['the secret is [redacted:CODE_CANARY] {"nested":"[redacted:CODE_CANARY]"}', '[redacted:CODE_CANARY]']);
    expect(runs[2].error.message).toContain('bad token [redacted:CODE_CANARY]');
    expect(node(runs[2], 'throws').logs).toEqual(['about to throw [redacted:CODE_CANARY]']);
    await call('GET', '/api/runs');
    for (const run of runs) await call('GET', `/api/runs/${run.id}`, undefined, run.mode === 'test' ? keys.test : keys.live);

    const histories: string[] = [];
    for (const run of runs) {
      const history = await temporal.client.workflow.getHandle(run.workflowId).fetchHistory();
      histories.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
    expect(histories.join('')).toContain('CODE_CANARY'); // the name travels, the value does not
    await db.selectFrom('runs').select('id').execute();
    const dbBytes = await storedDatabaseBytes(dbUrl);
    for (const value of [canary, canaryTest]) {
      const count = (text: string) => text.split(value).length - 1;
      expect(count(histories.join('\n')), 'Temporal histories').toBe(0);
      expect(count(logs.join('')), 'server and worker logs').toBe(0);
      expect(dbBytes.includes(Buffer.from(value)), 'database').toBe(false);
      expect(count(responses.join('\n')), 'API responses').toBe(0);
    }
    expect(logs.join('')).toContain('[redacted:CODE_CANARY]');
  }, 120_000);
});
