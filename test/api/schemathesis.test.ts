import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '#store/database';
import { testDatabaseUrl } from '../helpers/database';
import { firstWorkspace } from '#store/workspaces.repository';
import { callApi } from '../helpers/api';
import { freePort } from '../helpers/ports';
import { pollUntil, repoRoot, spawnTs, type Spawned } from '../helpers/processes';
import { claimFirstStart, sessionCookieOf } from '../helpers/people';

/**
 * schemathesis (PyPI, pinned in scripts/setup-test-tools.sh) fuzzes the whole API from /api/openapi.json against
 * a real Switchyard (`npm start`'s entry point: API, worker, Temporal dev server, fresh data directory): no
 * answer may be a 5xx, have an undocumented status, break its documented schema or content type.
 *
 * Installed by `bash scripts/setup-test-tools.sh` (which .ci/run runs). Without it the test is skipped locally
 * and fails under CI=true.
 */
const SCHEMATHESIS = path.join(repoRoot, '.tools', 'schemathesis', 'bin', 'schemathesis');
const installed = fs.existsSync(SCHEMATHESIS);
const mustRun = installed || process.env.CI === 'true';
/** Fixed so a CI failure reproduces; set SCHEMATHESIS_SEED (and SCHEMATHESIS_MAX_EXAMPLES) to explore further. */
/** The server's database (SQLite: the file in its data folder; TEST_DATABASE=postgres: a fresh database). */
let dbUrl: string;
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261204';
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10';
const SCHEMATHESIS_CHECKS = 'not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance';

describe.skipIf(!mustRun)('schemathesis against a real Switchyard (skipped locally without .tools/schemathesis: bash scripts/setup-test-tools.sh)', () => {
  let app: Spawned | undefined;
  let dataDir: string;
  let base: string;
  let key: string;
  /** The owner's own session (sign-in), for the routes only a signed-in person may call. */
  let session: { token: string; csrfToken: string };
  const adminToken = `sy_admin_${Math.random().toString(36).slice(2)}${Date.now()}`;

  beforeAll(async () => {
    if (!installed) return;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-schemathesis-'));
    dbUrl = await testDatabaseUrl(dataDir);
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    app = spawnTs('scripts/start.ts', {
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_TASK_QUEUE: 'switchyard',
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      // The failed-authentication limits have their own test (test/security); here the fuzzer's many refused keys
      // would turn the rest of the run into 429s, and the other answers would go untested.
      SWITCHYARD_AUTH_FAILURES_PER_ADDRESS: '1000000',
      SWITCHYARD_CHECK_RESPONSES: '1',
      SWITCHYARD_AUTH_FAILURES_PER_KEY: '1000000',
      SWITCHYARD_SIGNIN_FAILURES_PER_ADDRESS: '1000000',
      LOG_LEVEL: 'warn',
    });
    await app.waitForOutput(/everything is up/, 150_000);
    // The printed key is an app key (events:write + runs:read); the fuzzer acts as the owner, with an owner key.
    const claimed = await claimFirstStart(app.waitForOutput, base);
    key = claimed.owner.live;
    const signin = await fetch(`${base}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: claimed.ownerEmail, password: claimed.ownerPassword }),
    });
    expect(signin.status).toBe(200);
    session = { token: sessionCookieOf(signin).slice('sy_session='.length), csrfToken: ((await signin.json()) as { csrfToken: string }).csrfToken };
  }, 180_000);

  afterAll(() => {
    app?.signalGroup('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no 5xx, no undocumented status, no schema or content-type violation, no unresolvable reference', async () => {
    expect(installed, `schemathesis is not installed at ${SCHEMATHESIS}: run bash scripts/setup-test-tools.sh`).toBe(true);
    const config = path.join(dataDir, 'schemathesis.toml');
    fs.writeFileSync(config, configToml(await seed(base, key), key, adminToken, session));
    const args = [
      '--config-file',
      config,
      'run',
      `${base}/api/openapi.json`,
      '--url',
      base,
      '--checks',
      SCHEMATHESIS_CHECKS,
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      MAX_EXAMPLES,
      // One worker: Python 3.11's ast.parse (which Hypothesis calls) is not thread-safe, and the machine is shared.
      '--workers',
      '1',
      '--request-timeout',
      '40',
      '--seed',
      SEED,
      '--no-color',
    ];
    // About 7 minutes on SQLite and up to 14 on PostgreSQL on a loaded 2-core machine: 25 minutes before it is cut.
    const { code, output } = await run(SCHEMATHESIS, args, dataDir, 1_500_000);
    const summary = output.slice(Math.max(0, output.search(/=+ (WARNINGS|SUMMARY) =+/)));
    console.log(`schemathesis ${args.join(' ')}\n${summary}`);
    expect(code, output.slice(-20_000)).toBe(0);
    // Every operation of the document was tested (a filter or a config mistake cannot quietly test none).
    // Every operation but sign-out (left out on purpose, above) is selected, and every selected one was tested.
    const [selected, total] = (/Selected: (\d+)\/(\d+)/.exec(output) ?? []).slice(1).map(Number);
    expect(total).toBeGreaterThanOrEqual(40);
    expect(selected).toBe(total! - 1);
    expect(Number(/Tested: (\d+)/.exec(output)?.[1])).toBe(selected);
  }, 1_560_000);
});

/**
 * Real things for the ids in paths to point at, so the fuzzer gets past 404: a completed run, a run parked at a
 * node, a webhook inbox with a (refused) delivery, a secret. Nothing in them reaches beyond 127.0.0.1: the flows
 * only transform data (one fails on purpose, to park), and the integration keys offered have no connection test.
 */
async function seed(base: string, key: string) {
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await callApi(base, key, method, p, body);
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await call('PATCH', '/api/settings', { backendFunctions: true });
  const flow = async (name: string, expression: string) => {
    const document = {
      trigger: { type: 'manual' },
      nodes: [{ id: 'shape', type: 'action', action: 'data.transform@1', inputs: { expression } }],
      edges: [{ from: 'trigger', to: 'shape' }],
    };
    const { id } = await call('POST', '/api/flows', { name, document });
    await call('POST', `/api/flows/${id}/publish`, {});
    const { runId } = await call('POST', `/api/flows/${id}/runs`, { input: { n: 1 } });
    return { flowId: id as string, runId: runId as string };
  };
  const done = await flow('Completes', '{ "ok": true }');
  const parked = await flow('Parks', '$error("parked on purpose")');
  for (const [runId, status] of [
    [done.runId, 'completed'],
    [parked.runId, 'parked'],
  ] as const)
    await pollUntil(`run ${runId} ${status}`, async () => ((await call('GET', `/api/runs/${runId}`)).status === status ? true : undefined), 60_000);
  await call('PUT', '/api/secrets/PROBE_TOKEN', { live: 'probe-live-value', test: 'probe-test-value' });
  const inbox = await call('POST', '/api/webhooks/inboxes', { source: 'stripe' });
  const hookId = String(inbox.urls.live).split('/hooks/')[1]!;
  await fetch(`${base}/hooks/${hookId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evt_probe","type":"probe"}' });
  const deliveries = (await call('GET', '/api/webhooks/deliveries')).deliveries as { id: string }[];
  const db = openDatabase(dbUrl);
  const workspace = await firstWorkspace(db);
  await db.destroy();
  return {
    flows: [done.flowId, parked.flowId],
    runs: [done.runId, parked.runId],
    nodes: ['shape'],
    integrations: ['http', 'data'],
    secrets: ['PROBE_TOKEN'],
    endpoints: [inbox.id as string],
    hooks: [hookId],
    deliveries: deliveries.map((d) => d.id),
    workspaces: [workspace!.id],
  };
}

/**
 * The run's configuration: each security scheme's credentials (the live key; the admin token for the admin API),
 * and the seeded ids offered for path parameters most of the time (the rest stays random, to reach the 404s).
 * PATCH and DELETE of a flow get no real id: an edited flow could then be published and run with any URL.
 */
function configToml(ids: Awaited<ReturnType<typeof seed>>, key: string, adminToken: string, session: { token: string; csrfToken: string }): string {
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const bind = (param: string, dictionary: string) => `"path.${param}" = { dictionary = "${dictionary}", probability = 0.7 }`;
  return [
    `[auth.openapi.apiKey]\nbearer = ${JSON.stringify(key)}`,
    `[auth.openapi.adminToken]\nbearer = ${JSON.stringify(adminToken)}`,
    `[auth.openapi.session]\napi_key = ${JSON.stringify(session.token)}`,
    ...Object.entries(ids).map(([name, values]) => `[dictionaries.${name}]\nvalues = ${list(values)}`),
    [
      '[parameters]',
      bind('runId', 'runs'),
      bind('nodeKey', 'nodes'),
      bind('workspaceId', 'workspaces'),
      bind('key', 'integrations'),
      bind('name', 'secrets'),
      bind('endpointId', 'hooks'),
    ].join('\n'),
    ...[
      ['^/api/flows/\\\\{flowId\\\\}/', 'flowId', 'flows'],
      ['^/api/webhooks/deliveries/', 'id', 'deliveries'],
      ['^/api/webhooks/endpoints/', 'id', 'endpoints'],
    ].map(([regex, param, dictionary]) => `[[operations]]\ninclude-path-regex = "${regex}"\nparameters = { ${bind(param!, dictionary!)} }`),
    `[[operations]]\ninclude-path = "/api/flows/{flowId}"\ninclude-method = "GET"\nparameters = { ${bind('flowId', 'flows')} }`,
    // The person routes (session cookie): writes carry the session's CSRF token, as the editor sends it. Signing out
    // would end the session the rest of the run uses: it is covered by test/security/sign-in.test.ts instead.
    `[[operations]]\ninclude-path-regex = "^/api/(auth|workspaces|invitations/accept)"\nheaders = { "X-CSRF-Token" = ${JSON.stringify(session.csrfToken)} }`,
    `[[operations]]\ninclude-path = "/api/auth/signout"\nenabled = false`,
  ].join('\n\n');
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: code === null ? `${output}\n[killed after ${timeoutMs} ms]` : output });
    });
  });
}
