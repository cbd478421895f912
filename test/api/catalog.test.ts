import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { integrations } from '#catalog';
import { defineAction, defineIntegration } from '#core/catalog-sdk';
import { errorForStatus } from '#core/http-errors';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker, temporalClient } from '../helpers/temporal';

/**
 * A small integration written with the real SDK, so the catalog, setup-variable, secrets and test-mode
 * paths are exercised end to end without depending on any one provider.
 */
const ping = defineAction({
  key: 'ping',
  title: 'Ping',
  description: 'Calls the Acme API with the workspace key.',
  input: z.object({ message: z.string() }),
  output: z.object({ echoed: z.string(), keySeen: z.string() }),
  sideEffects: true,
  async run(input, ctx) {
    const key = await ctx.secrets.get('ACME_API_KEY');
    const res = await ctx.http.request({
      url: `${ctx.endpoint ?? 'https://api.acme.example'}/ping`,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const error = errorForStatus(res, 'Acme');
    if (error) throw error;
    return res.json() as { echoed: string; keySeen: string };
  },
  async sandbox(input) {
    return { echoed: input.message, keySeen: 'sandbox' };
  },
});

const acme = defineIntegration({
  key: 'acme',
  version: 1,
  title: 'Acme',
  description: 'The Acme API, for tests.',
  category: 'Testing',
  auth: { type: 'apiKey', variable: 'ACME_API_KEY' },
  setup: [{ name: 'ACME_API_KEY', description: 'Acme API key', whereToGet: 'Create one at https://acme.example/settings/keys.', testPrefix: 'acme_test_' }],
  actions: [ping],
  docs: [{ title: 'Acme API', url: 'https://acme.example/docs' }],
  examplePrompts: ['Ping Acme when a user signs up'],
  async testConnection(ctx) {
    const key = await ctx.secrets.get('ACME_API_KEY');
    const res = await ctx.http.request({ url: `${ctx.endpoint}/me`, headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`Acme refused the key (${res.status})`);
    return { detail: 'Connected to Acme' };
  },
});

const all = [...integrations, acme];
const taskQueue = `catalog-${crypto.randomUUID()}`;
const liveKey = `acme_live_${crypto.randomUUID()}`;
const testKey = `acme_test_${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
let temporal: Awaited<ReturnType<typeof temporalClient>>;

beforeAll(async () => {
  peer = await startHttpPeer((hit) => {
    const key = String(hit.headers.authorization ?? '').replace('Bearer ', '');
    if (key !== liveKey && key !== testKey) return { status: 401, body: { error: 'bad key' } };
    if (hit.path === '/me') return { body: { ok: true } };
    return { body: { echoed: JSON.parse(hit.body).message, keySeen: key } };
  });
  api = await startTestApi({ taskQueue, integrations: all, backendFunctions: false });
  [worker, temporal] = await Promise.all([startTestWorker({ db: api.db, taskQueue, integrations: all, endpoints: { acme: peer.url } }), temporalClient()]);
});

afterAll(async () => {
  await worker?.stop();
  await temporal?.close();
  await api?.close();
  await peer?.close();
});

const acmeFlow = (event: string) => ({
  trigger: { type: 'event', event },
  nodes: [{ id: 'ping', type: 'action', action: 'acme.ping@1', inputs: { message: { $expr: 'trigger.data.message' } } }],
  edges: [{ from: 'trigger', to: 'ping' }],
});

async function settle(runId: string, key?: string) {
  return pollUntil(
    `run ${runId}`,
    async () => {
      const r = await api.request('GET', `/api/runs/${runId}`, key ? { key } : {});
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    },
    30_000,
    100,
  );
}

describe('catalog, setup variables, secrets and test mode', () => {
  it('lists and searches integrations with their setup variables', async () => {
    const list = await api.request('GET', '/api/catalog');
    expect(list.status).toBe(200);
    const keys = list.body.integrations.map((i: { key: string }) => i.key);
    expect(keys).toEqual(expect.arrayContaining(['http', 'data', 'acme']));
    // Every webhook source, whatever the search: the editor's webhook trigger and inbox forms list them.
    expect(list.body.webhookSources.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(['stripe', 'github', 'slack', 'standard', 'hmac']));
    expect(list.body.webhookSources.find((s: { id: string }) => s.id === 'stripe')).toMatchObject({
      integration: 'stripe',
      secretVariable: 'STRIPE_WEBHOOK_SECRET',
    });
    const found = await api.request('GET', '/api/catalog?q=acme%20ping');
    expect(found.body.integrations.map((i: { key: string }) => i.key)).toEqual(['acme']);
    expect(found.body.integrations[0]).toMatchObject({
      setup: [{ name: 'ACME_API_KEY', required: true, secret: true, testPrefix: 'acme_test_' }],
      actions: [{ ref: 'acme.ping@1', hasSandbox: true }],
    });
    expect((await api.request('GET', '/api/catalog/nope')).status).toBe(404);
  });

  it('installing lists what is still missing, and leaves the Backend functions switch as it is', async () => {
    expect((await api.request('GET', '/api/settings')).body.backendFunctions).toBe(false);
    const installed = await api.request('POST', '/api/catalog/acme/install');
    expect(installed.status).toBe(200);
    expect(installed.body).toMatchObject({
      key: 'acme',
      backendFunctions: false,
      missing: [{ name: 'ACME_API_KEY', whereToGet: expect.stringContaining('https://acme.example') }],
    });
    expect((await api.request('GET', '/api/settings')).body.backendFunctions).toBe(false);
    const detail = await api.request('GET', '/api/catalog/acme');
    expect(detail.body.installedAt).toEqual(expect.any(String));
    expect(detail.body.setupStatus).toEqual([expect.objectContaining({ name: 'ACME_API_KEY', live: false, test: false })]);
  });

  it('runs the generic HTTP action (an instant integration) only with Backend functions on: refused at publish and at run, naming the node and the switch', async () => {
    const ws = await api.createWorkspace('Instant');
    const as = (method: string, path: string, body?: unknown) => api.request(method, path, { key: ws.keys.live, ...(body !== undefined ? { body } : {}) });
    expect((await as('GET', '/api/settings')).body.backendFunctions).toBe(false);
    const created = await as('POST', '/api/flows', {
      name: 'Instant',
      document: {
        trigger: { type: 'event', event: 'instant.ping' },
        nodes: [{ id: 'call_api', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/me` } }],
        edges: [{ from: 'trigger', to: 'call_api' }],
      },
    });
    expect(created.status).toBe(201);
    const refused = await as('POST', `/api/flows/${created.body.id}/publish`, {});
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.problems).toEqual([
      {
        code: 'BACKEND_FUNCTIONS_OFF',
        nodeId: 'call_api',
        message: expect.stringMatching(/Backend functions are off.*"call_api".*generic HTTP action.*Switch on Backend functions in App Settings/),
      },
    ]);
    // The editor's publish dialog shows it before publishing (the cost estimate carries what would refuse it).
    expect((await as('GET', `/api/flows/${created.body.id}/estimate`)).body.problems).toEqual([
      expect.objectContaining({ code: 'BACKEND_FUNCTIONS_OFF', nodeId: 'call_api' }),
    ]);
    // Installing the HTTP integration does not turn the switch on: it is an instant one, not ready-made.
    expect((await as('POST', '/api/catalog/http/install')).body.backendFunctions).toBe(false);
    expect((await as('PATCH', '/api/settings', { backendFunctions: true })).body.backendFunctions).toBe(true);
    expect((await as('POST', `/api/flows/${created.body.id}/publish`, {})).status).toBe(201);
    // Switched off after publishing: the published version does not start, and nothing is left claimed.
    await as('PATCH', '/api/settings', { backendFunctions: false });
    const event = await as('POST', '/v1/events', { name: 'instant.ping', id: 'instant-1', data: {} });
    expect(event.status).toBe(403);
    expect(event.body.error.message).toMatch(/Backend functions are off.*"call_api"/);
    const manual = await as('POST', `/api/flows/${created.body.id}/runs`, { data: {} });
    expect(manual.status).toBe(403);
    expect((await as('GET', '/api/runs')).body.runs).toEqual([]);
    // On again: the same event runs.
    await as('PATCH', '/api/settings', { backendFunctions: true });
    expect((await as('POST', '/v1/events', { name: 'instant.ping', id: 'instant-1', data: {} })).status).toBe(202);
    // It calls the peer the next test counts: let it finish first.
    await pollUntil(
      'the instant run to end',
      async () => {
        const [run] = (await as('GET', '/api/runs')).body.runs as { status: string }[];
        return run && run.status !== 'running' ? run : undefined;
      },
      30_000,
    );
  });

  it('refuses to publish while a setup variable is missing, naming it and where to get it; adding it makes publish succeed', async () => {
    const created = await api.request('POST', '/api/flows', { body: { name: 'acme', document: acmeFlow('acme.signup') } });
    const refused = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('FLOW_INVALID');
    expect(refused.body.error.message).toContain('ACME_API_KEY');
    expect(refused.body.error.details.problems).toEqual([
      expect.objectContaining({
        code: 'MISSING_SETUP_VARIABLE',
        nodeId: 'ping',
        field: 'setup.ACME_API_KEY',
        message: expect.stringMatching(/ACME_API_KEY.*https:\/\/acme\.example\/settings\/keys/),
      }),
    ]);
    // The cost estimate (the editor's publish dialog) says exactly what publish says: one list of checks.
    const estimate = await api.request('GET', `/api/flows/${created.body.id}/estimate`);
    expect(estimate.body.problems).toEqual(refused.body.error.details.problems);
    // So does a schedule publish refuses (an unknown time zone).
    const scheduled = await api.request('POST', '/api/flows', {
      body: {
        name: 'acme, scheduled',
        document: { ...acmeFlow('acme.signup'), trigger: { type: 'schedule', cron: '0 9 * * *', timezone: 'Atlantis/Capital' } },
      },
    });
    const scheduleRefused = await api.request('POST', `/api/flows/${scheduled.body.id}/publish`, { body: {} });
    expect(scheduleRefused.body.error.details.problems).toEqual([expect.objectContaining({ code: 'INVALID_SCHEDULE', field: 'trigger.timezone' })]);
    expect((await api.request('GET', `/api/flows/${scheduled.body.id}/estimate`)).body.problems).toEqual(scheduleRefused.body.error.details.problems);

    // A test value only: test runs would work, live runs would stop at the node, so publishing (which is live) is refused.
    const testOnly = await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { test: testKey } });
    expect(testOnly.status).toBe(200);
    const stillRefused = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(stillRefused.status).toBe(422);
    expect(stillRefused.body.error.details.problems).toEqual([
      expect.objectContaining({
        code: 'SETUP_TEST_ONLY',
        nodeId: 'ping',
        field: 'setup.ACME_API_KEY',
        message: expect.stringMatching(/only a test value.*live runs/),
      }),
    ]);
    // The publish dialog's check, for a document that is not even saved, says the same, with the cost and the changes.
    const unsaved = acmeFlow('acme.signup');
    const check = await api.request('POST', `/api/flows/${created.body.id}/check`, { body: { document: unsaved } });
    expect(check.status).toBe(200);
    expect(check.body.problems).toEqual(stillRefused.body.error.details.problems);
    expect(check.body).toMatchObject({ publishedVersion: null, estimate: { credits: 1, nodes: [{ nodeId: 'ping', credits: 1 }] } });
    await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { test: null } });

    const saved = await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { live: liveKey } });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ name: 'ACME_API_KEY', live: { last4: `…${liveKey.slice(-4)}` }, test: null, updatedAt: expect.any(String) });
    const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(published.status).toBe(201);
  });

  it('runs live with the live key; test mode with no test key uses the sandbox, marked simulated, and calls nobody', async () => {
    const before = peer.hits.length;
    const live = await api.request('POST', '/v1/events', { body: { name: 'acme.signup', data: { message: 'hello' } } });
    const liveRun = await settle(live.body.runs[0].runId);
    expect(liveRun).toMatchObject({ status: 'completed', mode: 'live' });
    expect(liveRun.nodes[0]).toMatchObject({ status: 'succeeded', output: { echoed: 'hello', keySeen: '[redacted:ACME_API_KEY]' } });
    expect(liveRun.nodes[0].simulated).toBeUndefined();
    expect(peer.hits.length - before).toBe(1);

    const sandboxed = await api.request('POST', '/v1/events', { body: { name: 'acme.signup', data: { message: 'in the sandbox' } }, key: api.keys.test });
    const sandboxRun = await settle(sandboxed.body.runs[0].runId, api.keys.test);
    expect(sandboxRun).toMatchObject({ status: 'completed', mode: 'test' });
    expect(sandboxRun.nodes[0]).toMatchObject({ status: 'succeeded', simulated: true, output: { echoed: 'in the sandbox', keySeen: 'sandbox' } });
    expect(peer.hits.length - before).toBe(1);
  });

  it('test mode with a test key uses the test value and never the live one, and is labelled test everywhere', async () => {
    await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { test: testKey } });
    const before = peer.hits.length;
    const sent = await api.request('POST', '/v1/events', { body: { name: 'acme.signup', data: { message: 'test mode' } }, key: api.keys.test });
    const run = await settle(sent.body.runs[0].runId, api.keys.test);
    expect(run).toMatchObject({ status: 'completed', mode: 'test' });
    expect(run.nodes[0].simulated).toBeUndefined();
    const hits = peer.hits.slice(before);
    expect(hits.map((h) => h.headers.authorization)).toEqual([`Bearer ${testKey}`]);
    expect(peer.hits.some((h) => h.body.includes('test mode') && String(h.headers.authorization).includes(liveKey))).toBe(false);

    const listed = await api.request('GET', '/api/runs?mode=test');
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toContain(run.id);
    expect(listed.body.runs.every((r: { mode: string }) => r.mode === 'test')).toBe(true);
    const description = await temporal.client.workflow.getHandle(run.workflowId).describe();
    expect(description.memo).toMatchObject({ mode: 'test' });
    expect(run.workflowId).toContain(':test:');
  });

  it('a test key acts only in test mode: no live runs, no live secret values, no live connection test', async () => {
    const key = api.keys.test;
    const liveWrite = await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { live: 'acme_live_overwrite' }, key });
    expect(liveWrite.status).toBe(403);
    expect(liveWrite.body.error.message).toMatch(/test key.*live/);
    expect((await api.request('DELETE', '/api/secrets/ACME_API_KEY', { key })).status).toBe(403);
    expect((await api.request('POST', '/api/catalog/acme/test-connection', { body: { mode: 'live' }, key })).status).toBe(403);
    const flows = await api.request('GET', '/api/flows', { key });
    const flowId = flows.body.flows[0].id as string;
    expect((await api.request('POST', `/api/flows/${flowId}/runs`, { body: { mode: 'live' }, key })).status).toBe(403);
    // The test value is still the test key's to set.
    expect((await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { test: testKey }, key })).status).toBe(200);
  });

  it('never returns a secret value, validates names, and deletes', async () => {
    const listed = await api.request('GET', '/api/secrets');
    expect(JSON.stringify(listed.body)).not.toContain(liveKey);
    expect(JSON.stringify(listed.body)).not.toContain(testKey);
    expect(listed.body.secrets).toEqual([
      { name: 'ACME_API_KEY', live: { last4: `…${liveKey.slice(-4)}` }, test: { last4: `…${testKey.slice(-4)}` }, updatedAt: expect.any(String) },
    ]);
    expect((await api.request('PUT', '/api/secrets/not-a-name', { body: { live: 'x' } })).status).toBe(400);
    expect((await api.request('PUT', '/api/secrets/EMPTY', { body: {} })).status).toBe(400);
    await api.request('PUT', '/api/secrets/TEMP_TOKEN', { body: { live: 'temporary-value' } });
    expect((await api.request('DELETE', '/api/secrets/TEMP_TOKEN')).status).toBe(204);
    expect((await api.request('DELETE', '/api/secrets/TEMP_TOKEN')).status).toBe(404);
  });

  it('tests a connection in the worker with the mode’s key', async () => {
    const ok = await api.request('POST', '/api/catalog/acme/test-connection', { body: { mode: 'live' } });
    expect(ok.body).toEqual({ ok: true, detail: 'Connected to Acme' });
    await api.request('PUT', '/api/secrets/ACME_API_KEY', { body: { test: 'acme_test_wrong_key' } });
    const bad = await api.request('POST', '/api/catalog/acme/test-connection', { body: { mode: 'test' } });
    expect(bad.body).toEqual({ ok: false, error: 'Acme refused the key (401)' });
    expect((await api.request('POST', '/api/catalog/data/test-connection', { body: {} })).status).toBe(409);
  });

  it('serves the integration prompt as Markdown with every section', async () => {
    const res = await fetch(`${api.url}/api/catalog/http/prompt`);
    expect(res.headers.get('content-type')).toMatch(/text\/markdown/);
    const md = await res.text();
    for (const heading of [
      '# HTTP integration',
      '## Overview',
      '## Setup variables',
      '## Backend function code',
      '## Frontend snippet',
      '## Example usage',
      '## Documentation',
    ])
      expect(md).toContain(heading);
    expect(md).toContain('defineAction({'); // the action's own source
    expect(md).toContain('/v1/events');
    expect(md).toContain("import { createClient } from '@switchyard/client'");
    expect(md).toContain('switchyard.flows.invoke(');
    expect(md).toContain('"action": "http.request@1"');
    const acmePrompt = await (await fetch(`${api.url}/api/catalog/acme/prompt`)).text();
    expect(acmePrompt).toContain('`ACME_API_KEY`: Acme API key. Create one at https://acme.example/settings/keys.');
    expect(acmePrompt).toContain('"Ping Acme when a user signs up"');
  });
});
