import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, type Generated, type SqliteDatabase } from 'kysely';
import pg from 'pg';

/**
 * The tables. Every query is written with Kysely's builder and stays dialect-neutral (JSON as text,
 * timestamps as ISO-8601 text, booleans as 0/1) so the same code runs on SQLite and PostgreSQL.
 */
export interface Database {
  publishable_keys: import('./publishable-keys.repository').PublishableKeyRow;
  notification_endpoints: {
    id: string;
    workspace_id: string;
    mode: string;
    url: string;
    /** JSON array of notification types. */
    events: string;
    description: string | null;
    /** The workspace secret holding the endpoint's signing secret (whsec_…). */
    secret_name: string;
    created_at: string;
    deleted_at: string | null;
  };
  notifications: { id: string; workspace_id: string; mode: string; type: string; run_id: string | null; payload: string; created_at: string };
  notification_deliveries: {
    id: string;
    workspace_id: string;
    notification_id: string;
    endpoint_id: string;
    /** `pending`, `succeeded`, `failed`. */
    status: string;
    attempts: number;
    last_error: string | null;
    replay_of: string | null;
    created_at: string;
    ended_at: string | null;
  };
  notification_attempts: { delivery_id: string; attempt: number; status_code: number | null; error: string | null; duration_ms: number; at: string };
  workspaces: { id: string; name: string; created_at: string };
  api_keys: {
    id: string;
    workspace_id: string;
    mode: string;
    prefix: string;
    hash: string;
    created_at: string;
    revoked_at: string | null;
    name: string | null;
    /** JSON array of scopes (core/src/access.ts). */
    scopes: string | null;
    last_used_at: string | null;
    created_by: string | null;
  };
  users: {
    id: string;
    email: string;
    name: string;
    password_hash: string | null;
    failed_signins: number;
    locked_until: string | null;
    created_at: string;
    password_changed_at: string | null;
  };
  memberships: { workspace_id: string; user_id: string; role: string; created_at: string };
  sessions: {
    id: string;
    token_hash: string;
    user_id: string;
    created_at: string;
    expires_at: string;
    last_seen_at: string;
    revoked_at: string | null;
    user_agent: string | null;
  };
  invitations: {
    id: string;
    token_hash: string;
    workspace_id: string;
    role: string;
    email: string | null;
    created_by: string | null;
    created_at: string;
    expires_at: string;
    accepted_at: string | null;
    accepted_by: string | null;
    revoked_at: string | null;
  };
  password_resets: { token_hash: string; user_id: string; created_at: string; expires_at: string; used_at: string | null };
  audit_log: {
    id: string;
    workspace_id: string | null;
    at: string;
    actor_type: string;
    actor_id: string | null;
    actor_label: string | null;
    subject_user_id: string | null;
    action: string;
    target: string | null;
    details: string;
    address: string | null;
  };
  flows: {
    id: string;
    workspace_id: string;
    name: string;
    /** The draft document (JSON). */
    draft: string;
    /** The newest published version number, if any. */
    published_version: number | null;
    /** Denormalised from the newest version, so an app event finds its flows with one indexed query. */
    trigger_type: string | null;
    trigger_event: string | null;
    created_at: string;
    updated_at: string;
    deleted_at: string | null;
    /** JSON array of tag strings (the flow list's filter). */
    tags: string;
  };
  flow_versions: { id: string; flow_id: string; workspace_id: string; version: number; snapshot: string; note: string | null; published_at: string };
  runs: {
    id: string;
    workspace_id: string;
    flow_id: string;
    version: number;
    workflow_id: string;
    temporal_run_id: string | null;
    mode: string;
    status: string;
    trigger: string;
    /** The final run state (JSON), written when the run ends. */
    state: string | null;
    error: string | null;
    created_at: string;
    ended_at: string | null;
  };
  workspace_keys: { workspace_id: string; wrapped_key: string; master_fingerprint: string; created_at: string; rotated_at: string | null };
  secrets: {
    id: string;
    workspace_id: string;
    name: string;
    /** Ciphertexts (see crypto.ts); never plain text. */
    live_value: string | null;
    live_last4: string | null;
    test_value: string | null;
    test_last4: string | null;
    created_at: string;
    updated_at: string;
  };
  oauth_connections: { id: string; workspace_id: string; provider: string; name: string; created_at: string; updated_at: string };
  oauth_tokens: {
    connection_id: string;
    mode: string;
    workspace_id: string;
    /** One of ConnectionStatuses (core/src/oauth.ts). */
    status: string;
    /** Ciphertext of `{ accessToken, refreshToken?, tokenType }` (see secrets.ts `seal`); never plain text. */
    tokens: string | null;
    scopes: string | null;
    expires_at: string | null;
    refresh_due_at: string | null;
    last_refresh_at: string | null;
    refresh_count: number;
    last_error: string | null;
    /** Bumped on every token change: a refresher that lost its lease cannot overwrite newer tokens. */
    version: number;
    lease_owner: string | null;
    lease_until: string | null;
    connected_at: string;
    updated_at: string;
  };
  oauth_states: {
    state_hash: string;
    workspace_id: string;
    mode: string;
    provider: string;
    connection_id: string;
    name: string;
    session_hash: string;
    redirect_uri: string;
    /** Ciphertext of the PKCE code verifier. */
    verifier: string;
    expires_at: string;
    created_at: string;
  };
  oauth_clients: { workspace_id: string; provider: string; mode: string; config: string; updated_at: string };
  installations: { workspace_id: string; integration: string; installed_at: string };
  workspace_settings: { workspace_id: string; backend_functions: number; updated_at: string };
  node_attempts: {
    workspace_id: string;
    workflow_id: string;
    node_key: string;
    activity_id: string;
    attempt: number;
    status: string;
    error: string | null;
    started_at: string;
    ended_at: string | null;
  };
  webhook_endpoints: {
    id: string;
    workspace_id: string;
    /** `flow:<flowId>` (a flow's webhook trigger) or `inbox:<source>` (events for waitForWebhook nodes): one endpoint each. */
    slot: string;
    kind: 'trigger' | 'inbox';
    flow_id: string | null;
    /** A WebhookSourceId, or `public`. */
    source: string;
    /** JSON array of workspace secret names holding the signing secrets (or public tokens). */
    secret_names: string;
    header: string | null;
    /** JSON array of event types that start the flow; null: all. */
    events: string | null;
    /** The unguessable ids in the live and test URLs (`/hooks/<path>`). */
    live_path: string;
    test_path: string;
    created_at: string;
    disabled_at: string | null;
  };
  webhook_deliveries: {
    id: string;
    workspace_id: string;
    endpoint_id: string;
    mode: string;
    received_at: string;
    /** JSON; signature, token and cookie headers removed. */
    headers: string;
    body: string;
    /** JSON of the parsed body (verified deliveries), credentials removed. */
    payload: string | null;
    claimed_at: string | null;
    verified: number;
    /** received → delivered | matched | unmatched | duplicate | ignored | rejected | failed. */
    status: string;
    error: string | null;
    event_id: string | null;
    event_type: string | null;
    dedupe_key: string | null;
    duplicate_of: string | null;
    run_id: string | null;
    workflow_id: string | null;
    wait_id: string | null;
    latency_ms: number | null;
  };
  webhook_waits: {
    id: string;
    workspace_id: string;
    run_id: string;
    workflow_id: string;
    node_key: string;
    mode: string;
    source: string;
    event_type: string;
    match_field: string | null;
    match_value: string | null;
    /** waiting → matched | expired. */
    status: string;
    delivery_id: string | null;
    created_at: string;
    expires_at: string;
  };
  /** One per workspace: its plan and balance (allowance credits expire at the monthly reset, top-ups do not). */
  credit_accounts: { workspace_id: string; plan: string; allowance_balance: number; topup_balance: number; period: string; updated_at: string };
  /** Every grant (+) and charge (−); test-mode usage is recorded with amount 0. `credits` is the list price. */
  /** Verdicts of send-journal recoveries (worker/src/credits/send-journal.ts), for the credits reconciliation. */
  credit_send_checks: { charge_id: string; verdict: string; checked_at: string };
  /** A worker process's liveness lease (see leases.repository.ts). */
  worker_leases: import('./leases.repository').WorkerLeaseRow;
  /** One row per step (`I`, `S`, `W`) of each charged request a worker has not finished (see leases.repository.ts). */
  credit_send_journal: import('./leases.repository').SendJournalRow;
  /** Installation-wide settings both processes act on (`default_plan`). */
  system_settings: { key: string; value: string; updated_at: string };
  imported_integrations: { workspace_id: string; key: string; version: number; title: string; operations: number; spec: string; created_at: string };
  credit_ledger: {
    id: string;
    workspace_id: string;
    /** `allowance`, `expire`, `topup`, `adjustment`, `charge`, `refund` (of the charge `id` minus `/refund`). */
    kind: string;
    mode: string;
    amount: number;
    credits: number;
    integration: string | null;
    action: string | null;
    workflow_id: string | null;
    temporal_run_id: string | null;
    activity_id: string | null;
    attempt: number | null;
    request_index: number | null;
    node_key: string | null;
    note: string | null;
    created_at: string;
    /** Of a live charge: the part the top-up bucket paid (the rest came from the allowance); a refund puts it back there. */
    from_topup: number | null;
  };
  /** Large run values stored outside the database (store/src/blobs.ts); the bytes are in the blob backend. */
  blobs: { key: string; workspace_id: string; workflow_id: string; size: number; media_type: string; name: string | null; created_at: string };
  /** Per-workspace limits of big runs; a null column (or no row): the default (core/src/blobs.ts). */
  workspace_limits: {
    workspace_id: string;
    max_loop_items: number | null;
    max_blob_bytes: number | null;
    max_storage_bytes: number | null;
    updated_at: string;
  };
  schema_migrations?: { name: Generated<string> };
}

export type Db = Kysely<Database>;

/** True when `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`); else it is a SQLite file. */
export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** The default size of a PostgreSQL pool (DATABASE_POOL_SIZE). */
export const DEFAULT_POOL_SIZE = 10;

export interface OpenOptions {
  /** For tools that only read (the credits reconciliation): a SQLite file must exist and is never written; a PostgreSQL session is read-only. */
  readonly?: boolean;
  /** PostgreSQL: most connections the pool opens (default {@link DEFAULT_POOL_SIZE}). */
  poolSize?: number;
}

/**
 * Opens the database named by `url`: `postgres://…` / `postgresql://…` (PostgreSQL, a pool of `poolSize`
 * connections), else a SQLite file path or `sqlite:path` (default), `:memory:` for tests.
 */
export function openDatabase(url: string, o: OpenOptions = {}): Db {
  if (isPostgresUrl(url)) return openPostgres(url, o);
  const file = url.replace(/^sqlite:/, '');
  if (o.readonly) {
    const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
    sqlite.pragma('busy_timeout = 5000');
    return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL'); // server and worker processes share the file
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/** How many prepared statements a SQLite connection keeps (the most recently used; Switchyard's queries are a few hundred). */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The connection as Kysely's SQLite dialect sees it, keeping its prepared statements by SQL text: the dialect prepares
 * every query anew, which was 6 % of the API server's CPU per webhook (issue 18). A statement still running (an
 * iterator not finished) is never handed out twice; SQLite re-prepares a kept statement itself after a schema change.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const kept = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = kept.get(sql);
      if (hit && !hit.busy) {
        kept.delete(sql); // most recently used last
        kept.set(sql, hit);
        return hit;
      }
      const statement = sqlite.prepare(sql);
      if (!hit) {
        kept.set(sql, statement);
        if (kept.size > size) kept.delete(kept.keys().next().value!);
      }
      return statement;
    },
  };
}

/**
 * PostgreSQL through the same queries. The pg driver returns `bigint` (count(), sum() of integers) and
 * `numeric` as strings; here they are numbers, as SQLite returns them (every amount fits a double).
 */
function openPostgres(url: string, o: OpenOptions): Db {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === BIGINT_OID || oid === NUMERIC_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'),
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: o.poolSize ?? DEFAULT_POOL_SIZE,
    types: types as pg.CustomTypesConfig,
    ...(o.readonly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // An idle connection the server drops (restart, idle timeout) is an error on the pool; the next query gets a new one.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

const BIGINT_OID = 20;
const NUMERIC_OID = 1700;

/**
 * `select … for update` on PostgreSQL: the rows read stay locked until the transaction ends, so a read-then-write
 * inside it cannot race another (READ COMMITTED lets two transactions read the same row). SQLite has no row locks and
 * needs none: one writer at a time, and Kysely runs one transaction at a time on its one connection.
 */
export function forUpdateOn<Q extends { forUpdate(): Q }>(db: Db, query: Q): Q {
  return dialectOf(db) === 'postgres' ? query.forUpdate() : query;
}

/** `sqlite` or `postgres`: for the few statements that differ (docs/postgres.md). */
export function dialectOf(db: Db): 'sqlite' | 'postgres' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

export const nowIso = (): string => new Date().toISOString();
