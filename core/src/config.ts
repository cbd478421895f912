import { z } from 'zod';
import { Plans } from './credits';

/**
 * Every setting, read once at start from the environment and parsed here. A bad value stops the process
 * with a message naming the variable.
 */
export const Config = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where the SQLite file, the Temporal dev server's file and generated keys live. */
  DATA_DIR: z.string().default('data'),
  /** A SQLite file path (default `<DATA_DIR>/switchyard.db`), or a PostgreSQL URL `postgres://user:password@host:5432/db` (docs/postgres.md). */
  DATABASE_URL: z.string().optional(),
  /** PostgreSQL: most connections each process (server, worker) keeps open to the database. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** When set, connect to this Temporal cluster and start no dev server. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** The task queue of flows and most actions; heavy actions (AI, files) go to `<TEMPORAL_TASK_QUEUE>-heavy`. */
  TEMPORAL_TASK_QUEUE: z.string().default('switchyard'),
  /**
   * Which task queues this worker serves, comma-separated: `default` (flows and every other action), `heavy` (AI and
   * file actions, on `<TEMPORAL_TASK_QUEUE>-heavy`). Run big-machine workers with `heavy` alone to keep AI calls off the
   * flow workers; some worker must serve each queue.
   */
  WORKER_QUEUES: z
    .string()
    .default('default,heavy')
    .transform((text, ctx) => {
      const queues = [
        ...new Set(
          text
            .split(',')
            .map((q) => q.trim())
            .filter(Boolean),
        ),
      ];
      if (queues.length === 0 || queues.some((q) => q !== 'default' && q !== 'heavy')) {
        ctx.addIssue({ code: 'custom', message: "a comma-separated list of 'default' and 'heavy'" });
        return z.NEVER;
      }
      return queues as ('default' | 'heavy')[];
    }),
  /**
   * Further connection settings are Temporal's own (read by core/src/temporal-connection.ts with @temporalio/envconfig):
   * TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
   * TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME (and their _DATA forms), TEMPORAL_PROFILE,
   * TEMPORAL_CONFIG_FILE. See docs/temporal.md.
   */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_PROFILE: z.string().optional(),
  TEMPORAL_CONFIG_FILE: z.string().optional(),
  /** `on` (default): Temporal payloads (run inputs, outputs, activity data) are encrypted with a key derived from the master key. */
  SWITCHYARD_PAYLOAD_ENCRYPTION: z.enum(['on', 'off']).default('on'),
  /** Earlier master keys, comma-separated (hex or base64): histories written before a rotation still decrypt. */
  SWITCHYARD_PREVIOUS_MASTER_KEYS: z.string().optional(),
  /** Origins (comma-separated) of the Temporal Web UI allowed to call the codec endpoint `/api/temporal-codec` from the browser. */
  SWITCHYARD_CODEC_CORS_ORIGINS: z.string().default(''),
  /** Ports of the dev server `npm start` runs when TEMPORAL_ADDRESS is not set. */
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(0).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(0).max(65535).default(8233),
  /**
   * How the dev server's SQLite file commits (README, Durability). `normal`: write-ahead log, fsync at checkpoints; a
   * killed process loses nothing, an OS crash or power cut can lose the last commits. `full`: fsync every commit.
   */
  TEMPORAL_DEV_SYNC: z.enum(['normal', 'full']).default('normal'),
  /** Path of the `temporal` CLI; else PATH, else the copy `npm install` put in `.tools/`. */
  TEMPORAL_CLI_PATH: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated CIDRs or host names the HTTP integrations may reach although private (e.g. `127.0.0.1/32`). */
  SWITCHYARD_HTTP_ALLOW: z.string().default(''),
  /** Most connections the worker keeps open to one origin (further requests queue); unset: no limit. */
  SWITCHYARD_HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).optional(),
  /** The key that wraps every workspace's data key (64 hex or 44 base64 characters); else `<DATA_DIR>/master.key`, created on first start. */
  SWITCHYARD_MASTER_KEY: z.string().optional(),
  /** Base URL overrides for providers, as JSON: `{"stripe":"http://127.0.0.1:12111"}` (self-hosted or compatible servers). */
  SWITCHYARD_PROVIDER_ENDPOINTS: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.url()).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of integration key → URL' });
        return z.NEVER;
      }
    }),
  /** The token of the admin API (plans, credits); unset: the admin API refuses every request (403). */
  SWITCHYARD_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The plan of a workspace's credit account when it is opened; a hosted, multi-tenant setup should set `free`. */
  SWITCHYARD_DEFAULT_PLAN: z.enum(Plans).default('builder'),
  /** Serve the API's Prometheus metrics on this port only (`GET /metrics`, on HOST); unset: at `/metrics` on PORT. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The worker's Prometheus metrics (its own and the Temporal SDK's) on this port (`GET /metrics`, on HOST); unset: none. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** On SIGTERM, how long in-flight API requests and worker activities may take to finish before they are cut off. */
  SHUTDOWN_GRACE: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '30s'")
    .default('30s'),
  /** Send OpenTelemetry traces (API request → workflow → activity) to this OTLP/HTTP endpoint (`http://collector:4318`); unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** This worker's identity (its lease and send journal in the database); default: host name, pid and a random part. */
  WORKER_ID: z.string().min(1).max(200).optional(),
  /** A worker that has not renewed its lease for this long is taken for dead: another one settles its send journal. */
  WORKER_LEASE_TTL: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '30s'")
    .default('30s'),
  /** A prebuilt workflow bundle for the worker (tests); unset: the workflows are bundled at start. */
  SWITCHYARD_WORKFLOW_BUNDLE: z.string().optional(),
  /** Failed authentications (wrong or missing key, wrong admin token) allowed per client address per minute; then 429. */
  SWITCHYARD_AUTH_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(30),
  /** Failed authentications allowed per presented key prefix (`sy_live_abcd`) per minute, from any address; then 429. */
  SWITCHYARD_AUTH_FAILURES_PER_KEY: z.coerce.number().int().min(1).default(10),
  /** The assistant's model: an OpenAI-compatible endpoint (`https://api.openai.com/v1`, a local server…); unset, the assistant plans offline. */
  SWITCHYARD_LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SWITCHYARD_LLM_API_KEY: z.string().optional(),
  SWITCHYARD_LLM_MODEL: z.string().default('gpt-4o-mini'),
  /** `1`: check every API answer against its declared schema, a mismatch being a 500 (the tests and schemathesis run turn it on). */
  SWITCHYARD_CHECK_RESPONSES: z.enum(['0', '1']).default('0'),
  /** Largest request body the API accepts. */
  BODY_LIMIT: z.string().default('1mb'),
  /** The address providers reach Switchyard at (`https://hooks.example.com`), used in webhook URLs; default: the address of the request. */
  SWITCHYARD_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Largest webhook body `/hooks` accepts (larger: 413). */
  WEBHOOK_BODY_LIMIT: z.string().default('1mb'),
  /** How long an event no run waits for is kept for a waitForWebhook node registered just after it. */
  WEBHOOK_BUFFER_WINDOW: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '10m'")
    .default('10m'),
  /** The shortest time between two fires a flow's schedule may have; a shorter cron or interval is refused at publish (422). */
  SWITCHYARD_SCHEDULE_MIN_INTERVAL: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '1m'")
    .default('1m'),
  /** How long runs' stored values (blobs: large outputs, big loops' outputs) are kept; older ones are deleted. */
  RUN_DATA_RETENTION: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '30d'")
    .default('30d'),
  /** Largest file `POST /v1/files` accepts (the workspace's maxBlobBytes and total storage apply too). */
  FILE_UPLOAD_LIMIT: z.string().default('25mb'),
  /** Where blobs are stored: `file` (under DATA_DIR/blobs, one machine) or `s3` (S3-compatible storage, BLOB_S3_*). */
  BLOB_STORE: z.enum(['file', 's3']).default('file'),
  /** The bucket (BLOB_STORE=s3); credentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID…, a profile, a role). */
  BLOB_S3_BUCKET: z.string().min(3).optional(),
  /** A compatible server's URL (MinIO, Ceph, R2…); unset: AWS. */
  BLOB_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  BLOB_S3_REGION: z.string().default('us-east-1'),
  /** Prefix of every object key (several installations sharing one bucket). */
  BLOB_S3_PREFIX: z.string().default(''),
  /** `1`: path-style URLs, which most compatible servers need. */
  BLOB_S3_FORCE_PATH_STYLE: z.enum(['0', '1']).default('0'),
  /** How long webhook deliveries (bodies included) and finished waits are kept in the delivery log. */
  WEBHOOK_RETENTION: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '30d'")
    .default('30d'),
  /** A signed-in person's session ends after this long without a request (sliding). */
  SWITCHYARD_SESSION_TTL: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '7d'")
    .default('7d'),
  /** `invite` (default): people sign up with an invitation link only (the first owner's is printed on first start); `open`: anyone may sign up. */
  SWITCHYARD_SIGNUP: z.enum(['invite', 'open']).default('invite'),
  /** Failed sign-ins allowed per client address per minute; then 429. */
  SWITCHYARD_SIGNIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(10),
  /** Wrong passwords in a row that lock an account for SWITCHYARD_SIGNIN_LOCK_FOR. */
  SWITCHYARD_SIGNIN_LOCK_AFTER: z.coerce.number().int().min(1).default(5),
  SWITCHYARD_SIGNIN_LOCK_FOR: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '15m'")
    .default('15m'),
  /** OpenID Connect sign-in: the identity provider's issuer URL, and this install's client there (redirect URI: <public URL>/api/auth/oidc/callback). */
  SWITCHYARD_OIDC_ISSUER: z.url().optional(),
  SWITCHYARD_OIDC_CLIENT_ID: z.string().optional(),
  SWITCHYARD_OIDC_CLIENT_SECRET: z.string().optional(),
  /** How long audit log entries are kept. */
  SWITCHYARD_AUDIT_RETENTION: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '400d'")
    .default('400d'),
});
export type Config = z.infer<typeof Config> & { databaseUrl: string };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = Config.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (result.data.BLOB_STORE === 's3' && !result.data.BLOB_S3_BUCKET)
    throw new ConfigError('Invalid configuration:\n  BLOB_S3_BUCKET: required when BLOB_STORE=s3 (the bucket that holds run data)');
  return { ...result.data, databaseUrl: result.data.DATABASE_URL ?? `${result.data.DATA_DIR}/switchyard.db` };
}
