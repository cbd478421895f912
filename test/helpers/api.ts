import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { catalog, integrations } from '#catalog';
import { catalogIndex, type IntegrationDefinition, type RunMode } from '#core/catalog-sdk';
import { createApp } from '#server/app';
import type { RouteDef } from '#server/http/route';
import { ensureWorkspace } from '#server/bootstrap';
import { setBackendFunctions } from '#store/settings.repository';
import { generateApiKey } from '#server/http/auth';
import type { AuthFailureLimits } from '#server/http/auth-limits';
import { connectTemporal, type TemporalAccess } from '#server/temporal';
import { DEFAULT_PEOPLE_CONFIG, type PeopleConfig } from '#server/services/people.service';
import type { OidcConfig } from '#server/services/oidc.service';
import type { Db } from '#store/database';
import { SecretStore } from '#store/secrets';
import type { BlobStore } from '#store/blobs';
import { createWorkspace, insertApiKey } from '#store/workspaces.repository';
import { silentLogger, testDb, testMasterKey, testPayloadCodec } from './temporal';

/** A parsed JSON response body (tests read into it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiBody = any;

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when the response is not JSON, or undefined when empty. */
  body: ApiBody;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (content-type application/json unless `headers` says otherwise). */
  rawBody?: string;
  /** `Authorization: Bearer <key>`; defaults to the live key. Pass `null` to send no key at all. */
  key?: string | null;
  headers?: Record<string, string>;
}

export interface WorkspaceKeys {
  workspaceId: string;
  keys: { live: string; test: string };
}

export interface TestApi {
  url: string;
  db: Db;
  temporal: TemporalAccess;
  secrets: SecretStore;
  workspaceId: string;
  keys: { live: string; test: string };
  /** `SWITCHYARD_ADMIN_TOKEN` of this API (random per test API), or undefined when started with `adminToken: null`. */
  adminToken: string | undefined;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** Every route the API mounts (its route table). */
  routes: RouteDef[];
  /** Another workspace with its own live and test keys, in the same database (for isolation tests). */
  createWorkspace(name?: string): Promise<WorkspaceKeys>;
  close(): Promise<void>;
}

/**
 * The real API in-process: real app, real SQLite (in memory; TEST_DATABASE=postgres: a fresh PostgreSQL database), a lazy Temporal connection (the shared dev
 * server unless `temporalAddress` says otherwise), listening on a free port of 127.0.0.1.
 */
export async function startTestApi(o: {
  taskQueue: string;
  temporalAddress?: string;
  deadlineMs?: number;
  bodyLimit?: string;
  webhookBodyLimit?: string;
  db?: Db;
  integrations?: IntegrationDefinition[];
  /** The admin token; default a random one; `null` starts the API without one (the admin API is off). */
  adminToken?: string | null;
  /** App Settings' Backend functions switch of the bootstrap workspace (default on: most tests use the HTTP action). */
  backendFunctions?: boolean;
  /** The assistant's model (an OpenAI-compatible server the test started). */
  llm?: { baseUrl: string; apiKey: string; model: string };
  /** Failed authentications allowed per minute; default high, since every test of a file shares 127.0.0.1. */
  authFailureLimits?: AuthFailureLimits;
  /** The shortest schedule interval publish accepts (SWITCHYARD_SCHEDULE_MIN_INTERVAL); schedule tests lower it to seconds. */
  scheduleMinIntervalMs?: number;
  /** The built editor to serve at `/` (browser tests). */
  editorDir?: string;
  /** Private addresses notification endpoints may use (SWITCHYARD_HTTP_ALLOW); default loopback, where test receivers listen. */
  httpAllow?: string[];
  /** Sessions and sign-in limits (default: open sign-up, the production limits). */
  people?: Partial<PeopleConfig>;
  /** SWITCHYARD_PUBLIC_URL (an https one makes session cookies Secure). */
  publicUrl?: string;
  /** OpenID Connect sign-in. */
  oidc?: OidcConfig;
  /** The blob store (stored run values, uploaded files); default none (those routes answer 404). */
  blobs?: BlobStore;
  fileUploadLimit?: string;
  /** TLS or an API key for Temporal (a cluster that requires them); default none. */
  temporalConnection?: Parameters<typeof connectTemporal>[0]['connectionOptions'];
  /** Origins of the Temporal Web UI allowed to call the codec endpoint. */
  codecCorsOrigins?: string[];
}): Promise<TestApi> {
  const adminToken = o.adminToken === null ? undefined : (o.adminToken ?? `sy_admin_${crypto.randomBytes(24).toString('hex')}`);
  const db = o.db ?? (await testDb());
  const temporal = connectTemporal({
    address: o.temporalAddress ?? inject('temporalAddress'),
    namespace: 'default',
    taskQueue: o.taskQueue,
    ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}),
    ...(o.temporalConnection ? { connectionOptions: o.temporalConnection } : {}),
    // Payloads encrypted as in production (a key derived from the test master key), so every test runs through the codec.
    codec: testPayloadCodec,
  });
  const secrets = new SecretStore(db, testMasterKey);
  const all = o.integrations ?? integrations;
  const app = createApp({
    db,
    temporal,
    catalog: o.integrations ? catalogIndex(all) : catalog,
    integrations: all,
    secrets,
    logger: silentLogger,
    bodyLimit: o.bodyLimit ?? '100kb',
    authFailureLimits: o.authFailureLimits ?? { perAddress: 10_000, perKey: 10_000 },
    webhookBodyLimit: o.webhookBodyLimit ?? '1mb',
    checkResponses: true,
    ...(o.codecCorsOrigins ? { codecCorsOrigins: o.codecCorsOrigins } : {}),
    httpAllow: o.httpAllow ?? ['127.0.0.1/32', '::1/128', 'localhost'],
    ...(o.llm ? { llm: o.llm } : {}),
    ...(o.scheduleMinIntervalMs !== undefined ? { scheduleMinIntervalMs: o.scheduleMinIntervalMs } : {}),
    ...(adminToken !== undefined ? { adminToken } : {}),
    ...(o.editorDir ? { editorDir: o.editorDir } : {}),
    ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
    ...(o.oidc ? { oidc: o.oidc } : {}),
    people: { ...DEFAULT_PEOPLE_CONFIG, signup: 'open', ...o.people },
    ...(o.blobs ? { blobs: o.blobs } : {}),
    ...(o.fileUploadLimit ? { fileUploadLimit: o.fileUploadLimit } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const bootstrap = await ensureWorkspace(db, ALL_SCOPES);
  if (!bootstrap.keys) throw new Error('startTestApi needs a fresh database: ensureWorkspace returned no keys');
  const keys = bootstrap.keys;
  if (o.backendFunctions !== false) await setBackendFunctions(db, bootstrap.workspaceId, true);

  return {
    url,
    db,
    temporal,
    secrets,
    workspaceId: bootstrap.workspaceId,
    keys,
    routes: app.locals.routes as RouteDef[],
    adminToken,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const key = opts.key === undefined ? keys.live : opts.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let payload: string | undefined;
      if (opts.rawBody !== undefined) payload = opts.rawBody;
      else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      Object.assign(headers, opts.headers);
      const res = await fetch(url + path, { method: method.toUpperCase(), headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await res.text();
      let body: ApiBody = undefined;
      if (text.length > 0) body = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
      return { status: res.status, headers: res.headers, body };
    },
    async createWorkspace(name = 'Other workspace') {
      const ws = await createWorkspace(db, name);
      const live = generateApiKey('live' satisfies RunMode);
      const test = generateApiKey('test' satisfies RunMode);
      // Owner-equivalent keys, as the bootstrap workspace's: the tests of other features act as full owners.
      await insertApiKey(db, { workspaceId: ws.id, mode: 'live', prefix: live.prefix, hash: live.hash, scopes: ALL_SCOPES });
      await insertApiKey(db, { workspaceId: ws.id, mode: 'test', prefix: test.prefix, hash: test.hash, scopes: ALL_SCOPES });
      if (o.backendFunctions !== false) await setBackendFunctions(db, ws.id, true);
      return { workspaceId: ws.id, keys: { live: live.key, test: test.key } };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await temporal.close();
      await db.destroy();
    },
  };
}

/**
 * One call to a Switchyard API at `baseUrl` (a server in another process, where startTestApi's `request` is not
 * at hand) with a workspace key; the body is sent as JSON and the answer read as JSON (undefined when empty).
 */
export async function callApi(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as ApiBody) : undefined };
}
