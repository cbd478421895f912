import crypto from 'node:crypto';
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_FLOW_WORKFLOW } from '#core/names';
import { isEncrypted } from '#store/payload-codec';
import { startTemporalCluster, TEMPORAL_SERVER_DIR, type TemporalCluster } from '../../scripts/lib/temporal-cluster';
import { startTestApi, type TestApi } from '../helpers/api';
import { signUpPerson } from '../helpers/people';
import { startTestWorker } from '../helpers/temporal';
import { toJson } from '#server/services/temporal-codec.service';

/**
 * Temporal's own server (built from its Go module by scripts/setup-temporal-server.sh) on PostgreSQL: a flow runs
 * through Switchyard's API and worker and completes, its history is in PostgreSQL, and with payload encryption on
 * (the default) a canary in the run's input and output is nowhere in Temporal's tables, while the codec endpoint
 * decodes it for a caller of the run's workspace only.
 */
const built = fs.existsSync(`${TEMPORAL_SERVER_DIR}/bin/temporal-server`);
const mustRun = built || process.env.CI === 'true';

describe.skipIf(!mustRun)('a Temporal cluster on PostgreSQL (skipped locally without .tools/temporal-server: bash scripts/setup-temporal-server.sh)', () => {
  const taskQueue = `pg-${crypto.randomUUID()}`;
  const uiOrigin = 'http://127.0.0.1:8233';
  let cluster: TemporalCluster;
  let api: TestApi;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporalDb: pg.Client;
  /** A client without the codec: it sees payloads as Temporal stores them. */
  let raw: { client: Client; connection: Connection };

  beforeAll(async () => {
    cluster = await startTemporalCluster();
    api = await startTestApi({ taskQueue, temporalAddress: cluster.address, codecCorsOrigins: [uiOrigin] });
    worker = await startTestWorker({ db: api.db, taskQueue, temporal: { address: cluster.address } });
    const connection = await Connection.connect({ address: cluster.address });
    raw = { client: new Client({ connection }), connection };
    temporalDb = new pg.Client({ connectionString: cluster.postgresUrl.replace(/\/postgres$/, `/${cluster.databases.temporal}`) });
    await temporalDb.connect();
  }, 180_000);

  afterAll(async () => {
    await temporalDb?.end();
    await raw?.connection.close();
    await worker?.stop();
    await api?.close();
    await cluster?.stop();
  });

  /** Rows of Temporal's tables (every bytea and text column) that contain these bytes. */
  async function tablesContaining(needle: string): Promise<string[]> {
    const columns = await temporalDb.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('bytea', 'text', 'character varying', 'jsonb')`,
    );
    const found: string[] = [];
    for (const c of columns.rows) {
      const haystack = c.data_type === 'bytea' ? `"${c.column_name}"` : `convert_to("${c.column_name}"::text, 'UTF8')`;
      const r = await temporalDb.query<{ n: string }>(`SELECT count(*) AS n FROM "${c.table_name}" WHERE position(convert_to($1, 'UTF8') IN ${haystack}) > 0`, [
        needle,
      ]);
      if (Number(r.rows[0]!.n) > 0) found.push(`${c.table_name}.${c.column_name}`);
    }
    return found;
  }

  async function runFlowWithCanary(canary: string): Promise<{ runId: string; workflowId: string; run: Record<string, unknown> }> {
    const document = {
      trigger: { type: 'manual' },
      nodes: [
        { id: 'echo', type: 'action', action: 'data.transform@1', inputs: { expression: '{ "echo": data & "-out" }', data: { $expr: 'trigger.data.canary' } } },
      ],
      edges: [{ from: 'trigger', to: 'echo' }],
    };
    const created = await api.request('POST', '/api/flows', { body: { name: 'canary', document } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
    const started = await api.request('POST', `/api/flows/${created.body.id}/runs`, { body: { input: { canary } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await api.request('GET', `/api/runs/${started.body.runId}`);
      if (['completed', 'failed', 'cancelled'].includes(res.body.status)) return { ...started.body, run: res.body };
      if (Date.now() > deadline) throw new Error(`the run did not end in 60 s: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('runs a flow through the worker to completion, with its history in PostgreSQL, encrypted', async () => {
    const canary = `CANARY-${crypto.randomUUID()}`;
    const { workflowId, run } = await runFlowWithCanary(canary);
    expect(run.status).toBe('completed');
    // The run's output really carries the canary (so its absence below means something).
    expect(JSON.stringify(run)).toContain(`${canary}-out`);
    // Temporal keeps the history in PostgreSQL: its executions and history tables hold this workflow.
    const executions = await temporalDb.query('SELECT count(*) AS n FROM executions');
    expect(Number(executions.rows[0].n)).toBeGreaterThan(0);
    const nodes = await temporalDb.query('SELECT count(*) AS n FROM history_node');
    expect(Number(nodes.rows[0].n)).toBeGreaterThan(0);
    expect(await tablesContaining(workflowId)).toEqual(expect.arrayContaining(['current_executions.workflow_id']));
    // The canary (input and output) is in no table: every payload was encrypted before it left the process.
    expect(await tablesContaining(canary)).toEqual([]);
    const history = await raw.client.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]! as Payload;
    expect(isEncrypted(input)).toBe(true);
  });

  it('the scan finds a payload stored without encryption (the control: the check above can fail)', async () => {
    const canary = `CONTROL-${crypto.randomUUID()}`;
    // A plain client: no codec, so the input is stored as JSON. The workflow fails at once (the input is no run).
    const handle = await raw.client.workflow.start(RUN_FLOW_WORKFLOW, {
      taskQueue: `nobody-${crypto.randomUUID()}`,
      workflowId: `control-${canary}`,
      args: [{ canary }],
    });
    expect((await tablesContaining(canary)).some((c) => c.startsWith('history_node.'))).toBe(true);
    await handle.terminate('control done');
  });

  it('the codec endpoint decodes the history for the run’s workspace only', async () => {
    const canary = `CANARY-${crypto.randomUUID()}`;
    const { workflowId } = await runFlowWithCanary(canary);
    const history = await raw.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads! as Payload[];
    const completed = history.events!.find((e) => e.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!.result!
      .payloads! as Payload[];
    const body = { payloads: [...started, ...completed].map(toJson) };
    expect(JSON.stringify(body)).not.toContain(Buffer.from(canary).toString('base64').slice(0, 20));

    const decoded = await api.request('POST', '/api/temporal-codec/decode', { body, headers: { 'x-namespace': 'default' } });
    expect(decoded.status, JSON.stringify(decoded.body)).toBe(200);
    const texts = (decoded.body.payloads as { metadata: Record<string, string>; data: string }[]).map((p) => Buffer.from(p.data, 'base64').toString('utf8'));
    expect(Buffer.from(decoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(texts[0]).toContain(canary);
    expect(texts[1]).toContain(`${canary}-out`);

    // No credential: 401. Another workspace's owner key: 403, nothing decoded.
    const anonymous = await api.request('POST', '/api/temporal-codec/decode', { body, key: null });
    expect(anonymous.status).toBe(401);
    const other = await api.createWorkspace('elsewhere');
    const foreign = await api.request('POST', '/api/temporal-codec/decode', { body, key: other.keys.live });
    expect(foreign.status, JSON.stringify(foreign.body)).toBe(403);
    expect(foreign.body.error.message).toMatch(/not a run of this workspace/);
    expect(JSON.stringify(foreign.body)).not.toContain(canary);

    // The Web UI, from its configured origin, with an operator's session and no CSRF token (it cannot send one).
    const operator = await signUpPerson(api, { role: 'operator' });
    const fromUi = await operator.request('POST', '/api/temporal-codec/decode', { body, csrf: false, headers: { origin: uiOrigin } });
    expect(fromUi.status, JSON.stringify(fromUi.body)).toBe(200);
    expect(Buffer.from(fromUi.body.payloads[0].data, 'base64').toString()).toContain(canary);
    // The same session from any other origin is a cross-site request: refused.
    const crossSite = await operator.request('POST', '/api/temporal-codec/decode', { body, csrf: false, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.details).toEqual({ csrf: true });
    // A viewer reads runs in the editor but not raw histories.
    const viewer = await signUpPerson(api, { role: 'viewer' });
    const viewing = await viewer.request('POST', '/api/temporal-codec/decode', { body, headers: { origin: uiOrigin }, csrf: false });
    expect(viewing.status).toBe(403);
    expect(viewing.body.error.details).toEqual({ scope: 'runs:operate' });

    // Encode then decode round-trips (the Web UI encodes what a person types, e.g. a signal's input).
    const plain = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') }] };
    const encoded = await api.request('POST', '/api/temporal-codec/encode', { body: plain });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  });

  it('answers the Web UI’s preflight from its configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/api/temporal-codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});
