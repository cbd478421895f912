import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunMode } from '#core/catalog-sdk';
import { SecretStore } from '#store/secrets';
import { startTestApi, type ApiBody, type ApiResponse, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { startTestWorker, testMasterKey } from '../helpers/temporal';

/**
 * The test-mode wall (issue 11): a test key (sy_test_…) touches test runs, test secrets and test deliveries
 * only. It cannot publish, cannot read or operate live runs, cannot change App Settings, and no run it starts
 * (by event, by hand, by a retry with edited input, by a reset or a bulk retry) ever reads a live secret.
 */

/** A secret store that records every value resolved, by mode: the proof that test-key runs never read live values. */
class RecordingSecretStore extends SecretStore {
  readonly reads: { name: string; mode: RunMode }[] = [];
  override async resolve(workspaceId: string, name: string, mode: RunMode): Promise<string | undefined> {
    this.reads.push({ name, mode });
    return super.resolve(workspaceId, name, mode);
  }
}

const taskQueue = `wall-${crypto.randomUUID()}`;
const liveValue = `live_${crypto.randomBytes(12).toString('hex')}`;
const testValue = `test_${crypto.randomBytes(12).toString('hex')}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
let secrets: RecordingSecretStore;
let flowId: string;
let liveRunId: string;
const event = `wall.${crypto.randomUUID()}`;

/** One HTTP call with the secret as a bearer token; `/fail…` paths answer 400, so the node parks. */
const flowDocument = () => ({
  trigger: { type: 'event', event },
  nodes: [
    {
      id: 'call',
      type: 'action',
      action: 'http.request@1',
      retry: { maximumAttempts: 1 },
      inputs: { url: { $expr: `"${peer.url}/" & trigger.data.path` }, auth: { type: 'bearer', secret: 'WALL_TOKEN' } },
    },
  ],
  edges: [{ from: 'trigger', to: 'call' }],
});

function expectForbidden(res: ApiResponse, pattern = /test key/): void {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body.error.code).toBe('FORBIDDEN');
  expect(res.body.error.message).toMatch(pattern);
}

async function pollRun(runId: string, done: (r: ApiBody) => boolean, key: string): Promise<ApiBody> {
  const deadline = Date.now() + 20_000;
  let last: ApiResponse | undefined;
  while (Date.now() < deadline) {
    last = await api.request('GET', `/api/runs/${runId}`, { key });
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    if (done(last.body)) return last.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} never got there; last: ${JSON.stringify(last?.body)}`);
}
const parked = (r: ApiBody) => r.status === 'parked';
const ended = (r: ApiBody) => ['completed', 'failed', 'cancelled'].includes(r.status);

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  secrets = new RecordingSecretStore(api.db, testMasterKey);
  [worker, peer] = await Promise.all([
    startTestWorker({ db: api.db, taskQueue, secrets }),
    startHttpPeer((hit) => (hit.path.startsWith('/fail') ? { status: 400, body: { error: 'refused' } } : { body: { ok: true } })),
  ]);
  expect((await api.request('PUT', '/api/secrets/WALL_TOKEN', { body: { live: liveValue, test: testValue } })).status).toBe(200);
  const created = await api.request('POST', '/api/flows', { body: { name: 'Wall', document: flowDocument() } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  flowId = created.body.id;
  expect((await api.request('POST', `/api/flows/${flowId}/publish`, { body: {} })).status).toBe(201);
  // A live run, parked on its failed call: the target a test key must not be able to redirect.
  const sent = await api.request('POST', '/v1/events', { body: { name: event, id: 'live-1', data: { path: 'fail-live' } } });
  liveRunId = sent.body.runs[0].runId;
  await pollRun(liveRunId, parked, api.keys.live);
});

afterAll(async () => {
  await worker?.stop();
  await peer?.close();
  await api?.close();
});

describe('the test-mode wall', () => {
  it('a test key cannot publish, delete a flow, change App Settings or install an integration', async () => {
    const key = api.keys.test;
    expectForbidden(await api.request('POST', `/api/flows/${flowId}/publish`, { key, body: {} }));
    // A draft of its own is allowed, but publishing it is not: publishing decides what live events run.
    const draft = await api.request('POST', '/api/flows', { key, body: { name: 'Test draft', document: flowDocument() } });
    expect(draft.status).toBe(201);
    expect((await api.request('PATCH', `/api/flows/${draft.body.id}`, { key, body: { name: 'Renamed' } })).status).toBe(200);
    expectForbidden(await api.request('POST', `/api/flows/${draft.body.id}/publish`, { key, body: {} }));
    expectForbidden(await api.request('DELETE', `/api/flows/${flowId}`, { key }));
    expectForbidden(await api.request('POST', `/api/flows/${flowId}/unpublish`, { key }));
    // A flow's live schedule (test/schedules/schedules.test.ts has the test schedule a test key may operate).
    expectForbidden(await api.request('GET', `/api/flows/${flowId}/schedules/live`, { key }));
    for (const op of ['pause', 'resume', 'run']) expectForbidden(await api.request('POST', `/api/flows/${flowId}/schedules/live/${op}`, { key, body: {} }));
    expectForbidden(
      await api.request('POST', `/api/flows/${flowId}/schedules/live/backfill`, { key, body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } }),
    );
    expectForbidden(await api.request('PATCH', '/api/settings', { key, body: { backendFunctions: false } }));
    expectForbidden(await api.request('POST', '/api/catalog/stripe/install', { key }));
    expectForbidden(await api.request('DELETE', '/api/secrets/WALL_TOKEN', { key }));
    expectForbidden(await api.request('PUT', '/api/secrets/WALL_TOKEN', { key, body: { live: 'attacker' } }));
    expectForbidden(await api.request('POST', '/api/webhooks/inboxes', { key, body: { source: 'stripe' } }));
    // Nothing changed: the flow is published as before and the settings are as they were.
    const flow = await api.request('GET', `/api/flows/${flowId}`);
    expect(flow.body.publishedVersion).toBe(1);
    expect((await api.request('GET', '/api/settings')).body.backendFunctions).toBe(true);
    // Reading is allowed where nothing live is exposed.
    expect((await api.request('GET', '/api/settings', { key })).status).toBe(200);
    expect((await api.request('GET', `/api/flows/${flowId}`, { key })).status).toBe(200);
    const listed = await api.request('GET', '/api/secrets', { key });
    expect(JSON.stringify(listed.body)).not.toContain(liveValue);
  });

  it('a test key cannot read, retry (with edited input), skip, abort, reset or cancel a live run, nor bulk-retry it', async () => {
    const key = api.keys.test;
    const hitsBefore = peer.hits.length;
    expectForbidden(await api.request('GET', `/api/runs/${liveRunId}`, { key }), /live run/);
    const redirected = { url: `${peer.url}/stolen`, auth: { type: 'bearer', secret: 'WALL_TOKEN' } };
    expectForbidden(await api.request('POST', `/api/runs/${liveRunId}/nodes/call/retry`, { key, body: { input: redirected } }), /live run/);
    expectForbidden(await api.request('POST', `/api/runs/${liveRunId}/nodes/call/skip`, { key, body: { output: {} } }), /live run/);
    expectForbidden(await api.request('POST', `/api/runs/${liveRunId}/nodes/call/abort`, { key, body: {} }), /live run/);
    expectForbidden(await api.request('POST', `/api/runs/${liveRunId}/reset`, { key }), /live run/);
    expectForbidden(await api.request('POST', `/api/runs/${liveRunId}/cancel`, { key }), /live run/);
    const bulk = await api.request('POST', '/api/runs/bulk-retry', { key, body: { status: 'parked' } });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: { runId: string }) => r.runId)).not.toContain(liveRunId);
    // Lists show test runs only, whatever the filter asks for.
    for (const query of ['', '?mode=live', `?flowId=${flowId}`, '?status=parked']) {
      const list = await api.request('GET', `/api/runs${query}`, { key });
      expect(list.status).toBe(200);
      expect(
        list.body.runs.every((r: { mode: string }) => r.mode === 'test'),
        query,
      ).toBe(true);
    }
    const usage = await api.request('GET', '/api/credits/usage', { key });
    expect(usage.body.byRun.every((r: { mode: string }) => r.mode === 'test')).toBe(true);
    // The live run is untouched: still parked on its node, and nothing was sent anywhere.
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.hits.length).toBe(hitsBefore);
    const live = await api.request('GET', `/api/runs/${liveRunId}`);
    expect(live.body.status).toBe('parked');
    expect(live.body.nodes.find((n: { nodeId: string }) => n.nodeId === 'call').status).toBe('parked');
  });

  it('no run a test key starts ever reads a live secret: events, manual runs, edited retries, resets, bulk retries', async () => {
    const key = api.keys.test;
    const liveReadsBefore = secrets.reads.filter((r) => r.mode === 'live').length;
    const hitsBefore = peer.hits.length;

    // An event and a manual run: test runs; asking for a live one is refused.
    const sent = await api.request('POST', '/v1/events', { key, body: { name: event, id: 'test-1', data: { path: 'ok-event' } } });
    expect(sent.status).toBe(202);
    const manual = await api.request('POST', `/api/flows/${flowId}/runs`, { key, body: { input: { path: 'ok-manual' } } });
    expect(manual.status).toBe(201);
    expectForbidden(await api.request('POST', `/api/flows/${flowId}/runs`, { key, body: { mode: 'live', input: { path: 'ok-live' } } }));
    for (const runId of [sent.body.runs[0].runId, manual.body.runId]) {
      expect(await pollRun(runId, ended, key)).toMatchObject({ status: 'completed', mode: 'test' });
    }

    // A parked test run retried with edited input: still its test value.
    const parkedRun = await api.request('POST', `/api/flows/${flowId}/runs`, { key, body: { input: { path: 'fail-test' } } });
    await pollRun(parkedRun.body.runId, parked, key);
    const edited = { url: `${peer.url}/ok-edited`, auth: { type: 'bearer', secret: 'WALL_TOKEN' } };
    expect((await api.request('POST', `/api/runs/${parkedRun.body.runId}/nodes/call/retry`, { key, body: { input: edited } })).status).toBe(200);
    expect(await pollRun(parkedRun.body.runId, ended, key)).toMatchObject({ status: 'completed', mode: 'test' });

    // A second parked test run, brought back by a bulk retry (which must not touch the live one).
    const another = await api.request('POST', `/api/flows/${flowId}/runs`, { key, body: { input: { path: 'fail-bulk' } } });
    await pollRun(another.body.runId, parked, key);
    const bulk = await api.request('POST', '/api/runs/bulk-retry', { key, body: { status: 'parked' } });
    expect(bulk.body.results.map((r: { runId: string }) => r.runId)).toEqual([another.body.runId]);
    await pollRun(another.body.runId, (r) => r.status === 'parked' && peer.hitsTo('/fail-bulk').length === 2, key);

    // A failed test run (its node fails the run), reset from its failed step.
    const failing = { ...flowDocument(), trigger: { type: 'manual' } };
    failing.nodes[0] = { ...failing.nodes[0]!, onError: 'fail' } as (typeof failing.nodes)[0];
    const failingFlow = await api.request('POST', '/api/flows', { body: { name: 'Wall, failing', document: failing } });
    expect((await api.request('POST', `/api/flows/${failingFlow.body.id}/publish`, { body: {} })).status).toBe(201);
    const failed = await api.request('POST', `/api/flows/${failingFlow.body.id}/runs`, { key, body: { input: { path: 'fail-reset' } } });
    expect(await pollRun(failed.body.runId, ended, key)).toMatchObject({ status: 'failed', mode: 'test' });
    expect((await api.request('POST', `/api/runs/${failed.body.runId}/reset`, { key })).status).toBe(200);
    await pollRun(failed.body.runId, (r) => r.status === 'failed' && peer.hitsTo('/fail-reset').length === 2, key);

    const testHits = peer.hits.slice(hitsBefore);
    expect(testHits.map((h) => h.path).sort()).toEqual([
      '/fail-bulk',
      '/fail-bulk',
      '/fail-reset',
      '/fail-reset',
      '/fail-test',
      '/ok-edited',
      '/ok-event',
      '/ok-manual',
    ]);
    for (const hit of testHits) expect(hit.headers.authorization).toBe(`Bearer ${testValue}`);
    expect(secrets.reads.filter((r) => r.mode === 'live').length).toBe(liveReadsBefore);
    expect((await api.request('GET', `/api/runs/${liveRunId}`)).body.status).toBe('parked');
  });

  it('the live key still operates its live run (the wall is for test keys only)', async () => {
    const edited = { url: `${peer.url}/ok-live`, auth: { type: 'bearer', secret: 'WALL_TOKEN' } };
    expect((await api.request('POST', `/api/runs/${liveRunId}/nodes/call/retry`, { body: { input: edited } })).status).toBe(200);
    expect(await pollRun(liveRunId, ended, api.keys.live)).toMatchObject({ status: 'completed', mode: 'live' });
    expect(peer.hits.at(-1)).toMatchObject({ path: '/ok-live', headers: { authorization: `Bearer ${liveValue}` } });
  });
});
