import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureWorkspace } from '#server/bootstrap';
import { openAccount } from '#store/credits.repository';
import { openDatabase, type Db } from '#store/database';
import { migrateToLatest } from '#store/migrate';
import { setBackendFunctions } from '#store/settings.repository';
import { callApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { freePort } from '../helpers/ports';
import { pollUntil, spawnTs, type Spawned } from '../helpers/processes';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/**
 * OpenTelemetry traces from the API request to the workflow to its activity: the real API server and worker, with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this test (JSON, as the exporter sends it).
 */
describe('tracing', () => {
  const taskQueue = `tracing-${crypto.randomUUID()}`;
  let dir: string;
  let db: Db;
  let key: string;
  let receiver: http.Server;
  let endpoint: string;
  const spans: (OtlpSpan & { service: string })[] = [];
  const procs: Spawned[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-tracing-'));
    db = openDatabase(path.join(dir, 'switchyard.db'));
    await migrateToLatest(db);
    const boot = await ensureWorkspace(db, ALL_SCOPES);
    key = boot.keys!.live;
    await setBackendFunctions(db, boot.workspaceId, true);
    await openAccount(db, { workspaceId: boot.workspaceId, plan: 'builder', credits: 100 });
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as {
            resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
          };
          for (const rs of body.resourceSpans) {
            const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
            for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.signalGroup('SIGKILL');
    await db?.destroy();
    receiver?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('links one trace from the API request through the workflow to its activity', async () => {
    const peer = await startHttpPeer(() => ({ body: { ok: true } }));
    try {
      const env = {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: path.join(dir, 'switchyard.db'),
        DATA_DIR: dir,
        SWITCHYARD_MASTER_KEY: 'ef'.repeat(32),
        SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
        // No SWITCHYARD_WORKFLOW_BUNDLE: the tests' bundle has no tracing interceptors; the worker bundles with them
        // at start (or takes dist/workflow-bundle-tracing.js when it is fresh).
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      };
      const port = await freePort();
      const api = spawnTs('server/src/main.ts', { ...env, PORT: String(port) });
      const worker = spawnTs('worker/src/main.ts', env);
      procs.push(api, worker);
      await api.waitForOutput(/API server listening/, 60_000);
      await worker.waitForOutput(/worker running/, 120_000);
      const url = `http://127.0.0.1:${port}`;
      const created = await callApi(url, key, 'POST', '/api/flows', {
        name: 'Traced',
        document: {
          trigger: { type: 'event', event: 'order.traced' },
          nodes: [{ id: 'call', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/traced`, method: 'POST' } }],
          edges: [{ from: 'trigger', to: 'call' }],
        },
      });
      expect((await callApi(url, key, 'POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
      expect((await callApi(url, key, 'POST', '/v1/events', { name: 'order.traced', id: 't1' })).status).toBe(202);

      const trace = await pollUntil(
        'the spans of one trace: API → workflow → activity',
        async () => {
          const request = spans.find((s) => s.name === 'POST /v1/events');
          if (!request) return undefined;
          const inTrace = spans.filter((s) => s.traceId === request.traceId);
          const names = inTrace.map((s) => s.name);
          return names.some((n) => n.startsWith('RunWorkflow:runFlow')) && names.includes('RunActivity:http.request@1') ? { request, inTrace } : undefined;
        },
        60_000,
        250,
      );
      const byId = new Map(trace.inTrace.map((s) => [s.spanId, s]));
      // Walk up from the activity's span: it descends from the workflow's, which descends from the API request's.
      const chain: string[] = [];
      for (let s = trace.inTrace.find((x) => x.name === 'RunActivity:http.request@1'); s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined)
        chain.push(`${s.service}:${s.name}`);
      expect(chain[0]).toBe('switchyard-worker:RunActivity:http.request@1');
      expect(chain).toEqual(expect.arrayContaining([expect.stringMatching(/^switchyard-worker:RunWorkflow:runFlow/)]));
      expect(chain.at(-1)).toBe('switchyard-api:POST /v1/events');
      console.log(`trace ${trace.request.traceId}: ${[...chain].reverse().join(' → ')}`);
      // Span names carry route templates, never a path with ids.
      expect(spans.filter((s) => s.service === 'switchyard-api').every((s) => !/flw_|wh_live_/.test(s.name))).toBe(true);
      api.signalGroup('SIGTERM');
      worker.signalGroup('SIGTERM');
      expect(await api.exited).toBe(0);
      expect(await worker.exited).toBe(0);
    } finally {
      await peer.close();
    }
  }, 180_000);
});
