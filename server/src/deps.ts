import type { Logger } from 'pino';
import type { ActionInfo, CatalogIndex, IntegrationDefinition } from '#core/catalog-sdk';
import type { NotificationRetry } from '#core/notifications';
import type { SecretStore } from '#store/secrets';
import type { Connections } from '#store/connections';
import type { Db } from '#store/database';
import type { BlobStore } from '#store/blobs';
import type { AuthFailureLimits } from './http/auth-limits';
import type { PeopleConfig } from './services/people.service';
import type { OidcConfig } from './services/oidc.service';
import type { TemporalAccess } from './temporal';
import type { ApiMetrics } from './http/metrics';

/** What routes and services need, injected once at start (tests pass their own). */
export interface ServerDeps {
  db: Db;
  temporal: TemporalAccess;
  catalog: CatalogIndex & { actions: ActionInfo[] };
  integrations: IntegrationDefinition[];
  secrets: SecretStore;
  /** OAuth connections; default one built on `db`, `secrets` and the catalog's providers. */
  connections?: Connections;
  logger: Logger;
  bodyLimit: string;
  /** `SWITCHYARD_ADMIN_TOKEN`: who may change plans and add credits (unset: nobody, the admin API answers 403). */
  adminToken?: string;
  /** Largest webhook body (`/hooks`); larger ones are answered 413. */
  webhookBodyLimit?: string;
  /** Base of webhook URLs shown to users (SWITCHYARD_PUBLIC_URL); default: the request's own address. */
  publicUrl?: string;
  /** Failed authentications allowed per minute before 429 (default DEFAULT_AUTH_FAILURE_LIMITS). */
  authFailureLimits?: AuthFailureLimits;
  /** Check every JSON answer against its route's declared schema (a mismatch is a 500). On in tests. */
  checkResponses?: boolean;
  /** The assistant's model (SWITCHYARD_LLM_BASE_URL, _API_KEY, _MODEL): any OpenAI-compatible endpoint; unset, it plans offline. */
  llm?: { baseUrl: string; apiKey: string; model: string };
  /** The shortest time between two fires of a flow's schedule (SWITCHYARD_SCHEDULE_MIN_INTERVAL), in ms; default 1 minute. */
  scheduleMinIntervalMs?: number;
  /** Private addresses notification endpoints may use (SWITCHYARD_HTTP_ALLOW, as the worker's); default none. */
  httpAllow?: string[];
  /** How replayed notification deliveries are retried (default DEFAULT_NOTIFICATION_RETRY). */
  notificationRetry?: NotificationRetry;
  /** OpenID Connect sign-in (SWITCHYARD_OIDC_*); unset: its routes answer 404. */
  oidc?: OidcConfig;
  /** Sessions, sign-up and sign-in limits (default DEFAULT_PEOPLE_CONFIG). */
  people?: PeopleConfig;
  /** Runs' stored values (large outputs): the run view's size, preview and download. Absent: those routes answer 404. */
  blobs?: BlobStore;
  /** Largest `POST /v1/files` upload (FILE_UPLOAD_LIMIT, default `25mb`). */
  fileUploadLimit?: string;
  /** Origins of the Temporal Web UI that may call the codec endpoint from the browser (SWITCHYARD_CODEC_CORS_ORIGINS). */
  codecCorsOrigins?: string[];
  /** Prometheus metrics: at `/metrics`, or only on their own port (METRICS_PORT, `ownPort`). Absent: none. */
  metrics?: { api: ApiMetrics; ownPort: boolean };
  /** OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT): a span per request. Absent: none. */
  tracer?: import('@opentelemetry/api').Tracer;
  /** Built editor to serve at `/`, if present. */
  editorDir?: string;
}
