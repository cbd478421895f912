import { z } from 'zod';
import { Email, Password, PASSWORD_MAX, Role, Scope } from './access';
import { RunModes } from './catalog-sdk';
import { FlowDocument, JsonValue } from './flow';
import { NotificationTypes } from './notifications';
import { ConnectionStatuses, OAuthGrants } from './oauth';
import { NodeStatuses, RunEventTypes, RunStatuses, TriggerTypes } from './run';
import { ProblemCodes } from './validate';

/**
 * The API's answers, defined once: the server declares them as its routes' response schemas (so they are the
 * OpenAPI document, and tests check every answer against them), and the editor takes its types from them
 * (`editor/src/api/types.ts`, type-only imports). Change a shape here and both sides move together.
 */

const Timestamp = z.string();

// ---- Flows and versions

export const FlowProblem = z.object({
  code: z.enum(Object.keys(ProblemCodes) as [keyof typeof ProblemCodes, ...(keyof typeof ProblemCodes)[]]),
  message: z.string(),
  nodeId: z.string().optional(),
  field: z.string().optional(),
});

export const FlowSummary = z.object({
  id: z.string(),
  name: z.string(),
  publishedVersion: z.number().int().nullable(),
  trigger: z.string().nullable(),
  event: z.string().nullable(),
  /** Published, then disabled (unpublished): its trigger starts nothing until it is enabled. */
  unpublished: z.boolean(),
  tags: z.array(z.string()),
  updatedAt: Timestamp,
});
export const FlowList = z.object({ flows: z.array(FlowSummary) });

export const Flow = z.object({
  id: z.string(),
  name: z.string(),
  document: FlowDocument,
  publishedVersion: z.number().int().nullable(),
  /** Published once, then disabled (unpublished): nothing starts it (no events, webhook or schedule) until it is enabled. */
  unpublished: z.boolean(),
  tags: z.array(z.string()),
  problems: z.array(FlowProblem),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const PublishResult = z.object({
  flowId: z.string(),
  version: z.number().int(),
  note: z.string().nullable(),
  publishedAt: Timestamp,
  /** A webhook-triggered flow's endpoint: paths under this server's origin. */
  webhook: z.object({ endpointId: z.string(), livePath: z.string(), testPath: z.string() }).optional(),
  /** Not blocking, but to fix: e.g. a signing secret with no value yet. */
  warnings: z.array(FlowProblem).optional(),
});

/** POST /api/flows/:id/check: what the publish dialog shows before the button is pressed. */
export const PublishCheck = z.object({
  problems: z.array(FlowProblem),
  estimate: z.object({
    credits: z.number(),
    nodes: z.array(
      z.object({
        nodeId: z.string(),
        action: z.string(),
        pricing: z.string(),
        credits: z.number(),
        perItemOf: z.string().optional(),
        times: z.number().optional(),
      }),
    ),
    notes: z.array(z.string()),
    balance: z.number(),
    plan: z.string(),
  }),
  publishedVersion: z.number().int().nullable(),
  changes: z.object({
    trigger: z.array(z.string()),
    nodes: z.array(z.object({ nodeId: z.string(), change: z.enum(['added', 'removed', 'changed']), fields: z.array(z.string()).optional() })),
    edges: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
    same: z.boolean(),
  }),
});

/** POST /api/flows/:id/nodes/:nodeId/test: one action step run once in test mode against sample data. */
export const TestStepAnswer = z.union([
  z.object({
    ok: z.literal(true),
    nodeId: z.string(),
    input: JsonValue.optional(),
    output: JsonValue.optional(),
    simulated: z.boolean(),
    credits: z.number(),
    ms: z.number(),
  }),
  z.object({
    ok: z.literal(false),
    nodeId: z.string(),
    input: JsonValue.optional(),
    error: z.object({ message: z.string(), type: z.string().optional() }),
    credits: z.number(),
    ms: z.number(),
  }),
]);

export const FlowVersion = z.object({
  version: z.number().int(),
  note: z.string().nullable(),
  publishedAt: Timestamp,
  /** The immutable snapshot (in the answer for one version, not in the list). */
  snapshot: FlowDocument.omit({ layout: true }).optional(),
});
export const VersionList = z.object({ versions: z.array(FlowVersion.omit({ snapshot: true })) });
export const FlowVersionDetail = FlowVersion.required({ snapshot: true });

// ---- Runs

export const NodeError = z.object({
  message: z.string(),
  /** `NonRetryable`, `Retryable`, `InvalidInput`, `Timeout`, `Expression`… */
  type: z.string(),
  status: z.number().int().optional(),
  /** The OAuth connection a node waiting for a reconnect needs. */
  connectionId: z.string().optional(),
});
export const RunError = NodeError.extend({ nodeId: z.string().optional() });

export const RunSummary = z.object({
  id: z.string(),
  flowId: z.string(),
  version: z.number().int(),
  workflowId: z.string(),
  mode: z.enum(RunModes),
  status: z.enum(RunStatuses),
  /** Why a failed run failed. */
  error: RunError.optional(),
  createdAt: Timestamp,
  endedAt: Timestamp.nullable(),
});
export const RunList = z.object({ runs: z.array(RunSummary) });
export const StartedRun = z.object({ runId: z.string(), workflowId: z.string(), version: z.number().int() });

/** One attempt of an action node, as the worker logged it. */
export const AttemptRecord = z.object({
  activityId: z.string(),
  /** Set for an attempt made before the run was reset (retry from the failed step): before reset 1, 2… */
  beforeReset: z.number().int().optional(),
  attempt: z.number().int(),
  status: z.string(),
  error: z.string().nullable(),
  startedAt: Timestamp,
  endedAt: Timestamp.nullable(),
});

export const NodeRun = z.object({
  key: z.string(),
  nodeId: z.string(),
  type: z.string(),
  status: z.enum(NodeStatuses),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  branch: z.string().optional(),
  attempts: z.number().int(),
  simulated: z.boolean().optional(),
  decisions: z.array(z.object({ action: z.enum(['retry', 'skip', 'abort']), at: Timestamp, editedInput: z.boolean().optional() })).optional(),
  error: NodeError.optional(),
  startedAt: Timestamp.optional(),
  endedAt: Timestamp.optional(),
  dataOmitted: z.literal(true).optional(),
  /** A code step's `ctx.log` lines (bounded, scrubbed). */
  logs: z.array(z.string()).optional(),
  attemptLog: z.array(AttemptRecord).optional(),
  /** A forEach run in batches (child workflows): items done of the total. */
  progress: z.object({ done: z.number().int(), total: z.number().int(), batches: z.number().int() }).optional(),
});

/** `POST /v1/files`: the stored file, as flows take it (an input mapped to it, e.g. an audio file to transcribe). */
export const UploadedFile = z.object({
  file: z.object({
    $blob: z.object({ key: z.string(), size: z.number().int(), mediaType: z.string(), preview: z.string(), name: z.string().optional() }),
  }),
});

const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
/**
 * One Temporal payload in the JSON form of its protobuf (Temporal's codec server protocol, which the Web UI speaks):
 * metadata values and data are base64.
 */
export const CodecPayload = z.object({ metadata: z.record(z.string(), Base64).optional(), data: Base64.optional() });
export type CodecPayload = z.infer<typeof CodecPayload>;
/** The body and the answer of `POST /api/temporal-codec/{encode,decode}`. */
export const CodecPayloads = z.object({ payloads: z.array(CodecPayload).max(10_000) });
export type CodecPayloads = z.infer<typeof CodecPayloads>;

/** A stored value of a run (docs/big-runs.md): a node output or input over 128 KiB, a big loop's outputs. */
export const BlobInfo = z.object({
  key: z.string(),
  /** Bytes of the value (its JSON, UTF-8, for JSON values). */
  size: z.number().int(),
  mediaType: z.string(),
  /** The start of the value (up to 4 KiB of text; empty for binary values). */
  preview: z.string(),
  createdAt: Timestamp,
  /** Where to download the whole value (same authentication). */
  downloadUrl: z.string(),
});

export const TriggerPayload = z.object({
  type: z.enum(TriggerTypes),
  name: z.string().optional(),
  id: z.string().optional(),
  deliveryId: z.string().optional(),
  data: z.unknown(),
});

/** A page of a forEach's items: each item's output, by index (a 10,000-item loop is read a page at a time). */
export const LoopItems = z.object({
  nodeKey: z.string(),
  /** Items the loop ran over. */
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(z.object({ index: z.number().int(), output: z.unknown() })),
});

export const RunDetail = RunSummary.extend({
  /** When the workflow started (the run's row is created just before). */
  startedAt: Timestamp,
  trigger: TriggerPayload,
  output: z.unknown().optional(),
  nodes: z.array(NodeRun),
  /** What the run cost: credits charged (0 in test mode), their list price, API requests sent. */
  cost: z.object({ credits: z.number(), listCredits: z.number(), requests: z.number().int() }).optional(),
  /** Temporal keeps retrying a workflow task of this run that fails (the message names the failure). */
  stuck: z.object({ message: z.string(), attempts: z.number().int() }).optional(),
});

export const NodeDecisionActions = ['retry', 'skip', 'abort'] as const;
export const NodeDecisionResult = z.object({ runId: z.string(), nodeKey: z.string(), action: z.enum(NodeDecisionActions), accepted: z.literal(true) });
/** POST /api/runs/:runId/reset: a failed run retried from its failed step. */
export const ResetRunResult = z.object({ runId: z.string(), status: z.literal('running'), resetToEventId: z.number().int() });
/** POST /api/runs/bulk-retry: which runs to retry. */
export const BulkRetryRequest = z.object({
  status: z.enum(['parked', 'failed']),
  flowId: z.string().optional(),
  /** Only runs whose error has this type: `NonRetryable`, `Retryable`, `Timeout`, `GaveUp`, … */
  errorType: z.string().max(100).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export const BulkRetryResult = z.object({
  matched: z.number().int(),
  retried: z.number().int(),
  failed: z.number().int(),
  results: z.array(z.object({ runId: z.string(), ok: z.boolean(), error: z.string().optional() })),
});

// ---- Catalog and secrets

export const SetupVariableStatus = z.object({
  name: z.string(),
  description: z.string(),
  whereToGet: z.string(),
  required: z.boolean(),
  secret: z.boolean(),
  testPrefix: z.string().optional(),
  live: z.boolean().optional(),
  test: z.boolean().optional(),
});

export const IntegrationSummary = z.object({
  key: z.string(),
  version: z.number().int(),
  title: z.string(),
  description: z.string(),
  category: z.string(),
  auth: z.object({ type: z.string(), variable: z.string().optional(), provider: z.string().optional(), scopes: z.array(z.string()).optional() }),
  setup: z.array(SetupVariableStatus),
  actions: z.array(
    z.object({
      ref: z.string(),
      key: z.string(),
      title: z.string(),
      description: z.string(),
      sideEffects: z.boolean(),
      idempotent: z.boolean(),
      hasSandbox: z.boolean(),
      example: JsonValue.optional(),
    }),
  ),
  examplePrompts: z.array(z.string()),
  docs: z.array(z.object({ title: z.string(), url: z.string() })),
  testConnection: z.boolean(),
  /** When it was installed by hand, or else first published in a flow; null: neither. */
  installedAt: Timestamp.nullable(),
  /** How many published flows use one of its actions (an integration a published flow uses is installed). */
  usedByFlows: z.number().int().optional(),
  setupStatus: z.array(SetupVariableStatus).optional(),
  /** An instant integration: the generic HTTP action, or one imported from an OpenAPI document (its key starts with `x-`). It needs Backend functions on. */
  instant: z.boolean().optional(),
});

export const SecretSummary = z.object({
  name: z.string(),
  live: z.object({ last4: z.string() }).nullable(),
  test: z.object({ last4: z.string() }).nullable(),
  updatedAt: Timestamp,
});

// ---- Webhooks

/** A webhook source the catalog verifies (GET /api/catalog `webhookSources`). */
export const WebhookSourceInfo = z.object({
  id: z.string(),
  title: z.string(),
  integration: z.string(),
  /** The workspace secret that holds the signing secret by default, e.g. STRIPE_WEBHOOK_SECRET. */
  secretVariable: z.string(),
  whereToGet: z.string(),
  /** Example payloads of its common events (the editor's sample data for a webhook trigger). */
  examples: z.array(z.object({ type: z.string(), title: z.string(), payload: JsonValue })).optional(),
});

/** GET /api/webhooks/endpoints: one per webhook-triggered flow (`trigger`), one inbox per source (`inbox`). */
export const WebhookEndpoint = z.object({
  id: z.string(),
  kind: z.enum(['trigger', 'inbox']),
  flowId: z.string().nullable(),
  source: z.string(),
  secrets: z.array(z.string()),
  header: z.string().optional(),
  events: z.array(z.string()).optional(),
  urls: z.object({ live: z.string(), test: z.string() }),
  createdAt: Timestamp,
  disabledAt: Timestamp.nullable(),
});

export const WebhookDeliveryStatuses = ['received', 'delivered', 'matched', 'unmatched', 'duplicate', 'ignored', 'rejected', 'failed'] as const;

export const WebhookDelivery = z.object({
  id: z.string(),
  endpointId: z.string(),
  mode: z.enum(RunModes),
  receivedAt: Timestamp,
  verified: z.boolean(),
  status: z.enum(WebhookDeliveryStatuses),
  error: z.string().nullable(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  /** The delivery this one repeats (same provider event id): it started nothing. */
  duplicateOf: z.string().nullable(),
  runId: z.string().nullable(),
  waitId: z.string().nullable(),
  latencyMs: z.number().nullable(),
});
/** GET /api/webhooks/deliveries/:id: headers without signatures, and the body as received. */
export const WebhookDeliveryDetail = WebhookDelivery.extend({ headers: z.record(z.string(), z.string()), body: z.string() });

/** POST /api/webhooks/deliveries/:id/replay: the new delivery and where it went. */
export const ReplayResult = z.object({
  replayOf: z.string(),
  deliveryId: z.string(),
  status: z.enum(WebhookDeliveryStatuses),
  runId: z.string().optional(),
  reason: z.string().optional(),
});

// ---- Assistant

/** POST /api/assistant: a draft that passes the publish validator, one precise question, or why it can't be done. */
export const AssistantAnswer = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('draft'),
    draft: FlowDocument,
    explanation: z.string(),
    missing: z.object({
      integrations: z.array(z.object({ key: z.string(), title: z.string() })),
      setupVariables: z.array(z.object({ name: z.string(), integration: z.string(), description: z.string(), whereToGet: z.string() })),
      connections: z.array(z.object({ integration: z.string() })),
      backendFunctions: z.boolean(),
      inputs: z.array(z.object({ nodeId: z.string(), field: z.string(), message: z.string() })),
    }),
    /** Node ids the draft adds, changes (`trigger` when the trigger changed) and removes, against the flow sent. */
    changes: z.object({ added: z.array(z.string()), changed: z.array(z.string()), removed: z.array(z.string()) }),
  }),
  z.object({ kind: z.literal('question'), question: z.string() }),
  z.object({ kind: z.literal('unsupported'), message: z.string() }),
]);

// ---- Instant integrations

/** POST /api/integrations/import/curl: the step, the secrets it names (`saved`: which value was stored, null when none was in the command). */
/** POST /api/integrations/import/openapi: what was (or, with `preview`, would be) imported. */
export const OpenApiImportResult = z.object({
  key: z.string(),
  version: z.number().int(),
  stored: z.boolean(),
  title: z.string(),
  source: z.string(),
  baseUrl: z.string(),
  operations: z.array(
    z.object({ key: z.string(), ref: z.string(), method: z.string(), path: z.string(), title: z.string(), tags: z.array(z.string()), deprecated: z.boolean() }),
  ),
  setup: z.array(z.object({ name: z.string(), description: z.string(), whereToGet: z.string(), required: z.boolean(), secret: z.boolean() })),
  connections: z.array(z.object({ scheme: z.string(), flows: z.array(z.string()).optional(), scopes: z.array(z.string()).optional() })),
  backendFunctions: z.boolean(),
  notes: z.array(z.string()),
});

export const CurlImportResult = z.object({
  node: z.object({
    id: z.string(),
    type: z.literal('action'),
    action: z.literal('http.request@1'),
    label: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()),
  }),
  secrets: z.array(z.object({ name: z.string(), where: z.string(), saved: z.enum(RunModes).nullable() })),
  notes: z.array(z.string()),
});

// ---- OAuth connections

/** One side (live or test) of a connection. Tokens never appear in any answer. */
export const ConnectionSide = z.object({
  status: z.enum(ConnectionStatuses),
  scopes: z.array(z.string()),
  expiresAt: Timestamp.nullable(),
  lastRefreshAt: Timestamp.nullable(),
  refreshCount: z.number().int(),
  lastError: z.string().nullable(),
  connectedAt: Timestamp,
});

/** A connection: its live and test sides (a test key sees the test side only), and the flows whose draft or published version use it. */
export const Connection = z.object({
  id: z.string(),
  provider: z.string(),
  providerTitle: z.string(),
  name: z.string(),
  createdAt: Timestamp,
  live: ConnectionSide.nullable(),
  test: ConnectionSide.nullable(),
  usedBy: z.array(z.object({ flowId: z.string(), name: z.string() })),
});
export const ConnectionList = z.object({ connections: z.array(Connection) });

/** An OAuth provider the workspace can connect to, with the redirect URI to register and whether its client is set. */
export const OAuthProviderInfo = z.object({
  key: z.string(),
  title: z.string(),
  grant: z.enum(OAuthGrants),
  scopes: z.array(z.string()),
  pkce: z.boolean(),
  revocation: z.boolean(),
  configurable: z.boolean(),
  redirectUri: z.string(),
  whereToGet: z.string(),
  clientSecrets: z.object({ clientId: z.string(), clientSecret: z.string() }),
  client: z.object({ live: z.boolean(), test: z.boolean() }),
});
export const OAuthProviderList = z.object({ providers: z.array(OAuthProviderInfo) });

/** POST /api/connections (and reconnect): the URL to open for an authorization-code provider, or the connection made at once (client credentials). */
export const ConnectStarted = z.object({
  connectionId: z.string(),
  mode: z.enum(RunModes),
  authorizeUrl: z.string().optional(),
  expiresAt: Timestamp.optional(),
  connection: Connection.optional(),
});

export const ConnectionTestResult = z.object({ ok: z.boolean(), mode: z.enum(RunModes), status: z.enum(ConnectionStatuses).nullable(), detail: z.string() });

/** How long `POST /v1/flows/:flowKey/invoke` waits for the run's answer before it answers 202 (seconds). */
export const InvokeWait = { defaultSeconds: 10, maxSeconds: 60 } as const;

/** The input of `POST /v1/flows/:flowKey/invoke`: what the flow reads as `trigger.data`. */
export const InvokeRequest = z.object({ input: JsonValue.default({}) }).meta({ id: 'InvokeRequest' });

/** A run that answered within the wait: a respond node's output (the run may still be going), or the run's output. */
export const InvokeResult = z
  .object({
    runId: z.string(),
    /** `running` when a respond node answered and the run goes on; `completed` when it ended. */
    status: z.enum(RunStatuses),
    output: z.unknown().optional(),
    /** The respond node that answered (absent: the run's end). */
    respondedBy: z.string().optional(),
    /** This Idempotency-Key was seen before: the same run's answer, nothing new started. */
    duplicate: z.boolean(),
    mode: z.enum(RunModes),
  })
  .meta({ id: 'InvokeResult' });
export type InvokeResult = z.infer<typeof InvokeResult>;

/** No answer within the wait: the run goes on; follow it at `links`. */
export const InvokeAccepted = z
  .object({
    runId: z.string(),
    status: z.enum(RunStatuses),
    duplicate: z.boolean(),
    mode: z.enum(RunModes),
    links: z.object({ run: z.string(), events: z.string() }),
  })
  .meta({ id: 'InvokeAccepted' });
export type InvokeAccepted = z.infer<typeof InvokeAccepted>;

/** `GET /v1/runs/:runId`: a run as an app sees it — status, output, answer, error, cost; nodes only when asked (`?nodes=true`). */
export const AppRun = z
  .object({
    id: z.string(),
    flowId: z.string(),
    version: z.number().int(),
    mode: z.enum(RunModes),
    status: z.enum(RunStatuses),
    trigger: z.object({ type: z.enum(TriggerTypes), id: z.string().optional(), name: z.string().optional() }),
    output: z.unknown().optional(),
    error: RunError.optional(),
    cost: z.object({ credits: z.number(), listCredits: z.number(), requests: z.number().int() }).optional(),
    createdAt: Timestamp,
    startedAt: Timestamp,
    endedAt: Timestamp.nullable().optional(),
    nodes: z.array(NodeRun).optional(),
  })
  .meta({ id: 'AppRun' });
export type AppRun = z.infer<typeof AppRun>;

/** One event of `GET /v1/runs/:runId/events` (the SSE message's `data`; its `id` is `seq`, its `event` is `type`). */
export const RunEventSchema = z.object({
  seq: z.number().int().min(1),
  type: z.enum(RunEventTypes),
  at: Timestamp,
  nodeKey: z.string().optional(),
  nodeId: z.string().optional(),
  nodeType: z.string().optional(),
  status: z.string(),
  error: RunError.optional(),
  output: z.unknown().optional(),
  outputOmitted: z.literal(true).optional(),
});

/**
 * One message of that stream as OpenAPI 3.1 describes an event stream (each event's `id`, `event` and `data`
 * fields): `data` is a RunEvent as JSON, its JSON Schema given as `contentSchema`.
 */
export const RunEventMessage = z
  .object({
    id: z.string().regex(/^\d+$/),
    event: z.enum(RunEventTypes),
    data: z.string().meta({
      contentMediaType: 'application/json',
      contentSchema: (({ $schema: _dialect, ...schema }) => schema)(z.toJSONSchema(RunEventSchema, { target: 'draft-2020-12', io: 'output' })),
    }),
  })
  .meta({ id: 'RunEventMessage' });

// ---- Notifications (docs/app-side.md)

export const NotificationEndpointRequest = z.object({
  /** Where to POST notifications: http(s), a public address (private ones are refused). */
  url: z.url({ protocol: /^https?$/ }).max(2000),
  /** What to send; default all of NotificationTypes. */
  events: z.array(z.enum(NotificationTypes)).min(1).optional(),
  description: z.string().max(500).optional(),
});
export const NotificationEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(NotificationTypes)),
    description: z.string().optional(),
    /** Test keys register test endpoints: they hear about test runs only. */
    mode: z.enum(RunModes),
    createdAt: Timestamp,
  })
  .meta({ id: 'NotificationEndpoint' });
/** Created: with its Standard Webhooks signing secret (`whsec_…`), shown this once. */
export const CreatedNotificationEndpoint = NotificationEndpoint.extend({ secret: z.string() });
export const NotificationEndpointList = z.object({ endpoints: z.array(NotificationEndpoint) });
export const NotificationDelivery = z.object({
  id: z.string(),
  /** The notification's id: the `webhook-id` header, the same for every attempt and replay. */
  notificationId: z.string(),
  type: z.string(),
  runId: z.string().nullable(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  replayOf: z.string().nullable(),
  createdAt: Timestamp,
  endedAt: Timestamp.nullable(),
  attemptLog: z.array(
    z.object({ attempt: z.number().int(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), at: Timestamp }),
  ),
});
export const NotificationDeliveryList = z.object({ deliveries: z.array(NotificationDelivery) });

// ---- Publishable keys (docs/app-side.md)

/** An exact web origin: scheme, host and port, no path (`https://shop.example.com`, `http://localhost:5173`). */
export const WebOrigin = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'an origin such as https://shop.example.com (scheme, host and port; no path, no *)');
export const PublishableKeyRequest = z.object({
  allowedOrigins: z.array(WebOrigin).min(1).max(50),
  /** Requests a minute with this key, from everywhere (default 120). */
  perMinute: z.number().int().min(1).max(100_000).default(120),
  /** Requests a minute with this key from one client address (default 30). */
  perAddressPerMinute: z.number().int().min(1).max(100_000).default(30),
  /** `test` keys start test runs. Default `live`. */
  mode: z.enum(RunModes).default('live'),
  description: z.string().max(500).optional(),
});
export const PublishableKey = z.object({
  id: z.string(),
  /** The first characters of the key, to recognise it. */
  prefix: z.string(),
  mode: z.enum(RunModes),
  allowedOrigins: z.array(z.string()),
  perMinute: z.number().int(),
  perAddressPerMinute: z.number().int(),
  description: z.string().optional(),
  createdAt: Timestamp,
});
/** Created: with the key itself (`sy_pub_…`), shown this once. */
export const CreatedPublishableKey = PublishableKey.extend({ key: z.string() });
export const PublishableKeyList = z.object({ keys: z.array(PublishableKey) });

// ---- People, roles and scoped keys (docs/people-and-roles.md)

export const WorkspaceMembership = z.object({ id: z.string(), name: z.string(), role: Role });
/** The signed-in person: who, their workspaces and the CSRF token their writes must send in `X-CSRF-Token`. */
export const SessionInfo = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  workspaces: z.array(WorkspaceMembership),
  csrfToken: z.string(),
  sessionExpiresAt: Timestamp.optional(),
});
export const SignUpRequest = z.object({
  email: Email,
  name: z.string().trim().min(1).max(200),
  password: Password,
  /** The token of an invitation link (`…/signup?invite=<token>`): joins its workspace with its role. */
  invitation: z.string().min(10).max(200).optional(),
});
export const SignInRequest = z.object({ email: Email, password: z.string().min(1).max(PASSWORD_MAX) });
export const PasswordResetRequest = z.object({ token: z.string().min(10).max(200), password: Password });
export const SignOutRequest = z.object({ everywhere: z.boolean().default(false) });
/** One of the signed-in person's live sessions (a browser where they are signed in); `current`: the one asking. */
export const SessionSummary = z.object({
  id: z.string(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
export const SessionList = z.object({ sessions: z.array(SessionSummary) });
export const WorkspaceCreateRequest = z.object({ name: z.string().trim().min(1).max(200) });
export const WorkspaceList = z.object({ workspaces: z.array(WorkspaceMembership) });
export const Member = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: Role, joinedAt: Timestamp });
export const PendingInvitation = z.object({ id: z.string(), role: Role, email: z.string().nullable(), createdAt: Timestamp, expiresAt: Timestamp });
export const MemberList = z.object({ members: z.array(Member), invitations: z.array(PendingInvitation) });
export const RoleChange = z.object({ role: Role });
export const InvitationRequest = z.object({ role: Role, email: Email.optional() });
/** Created: the link to hand to the person (shown this once; only its hash is stored). */
export const CreatedInvitation = PendingInvitation.extend({ token: z.string(), url: z.string() });
export const AcceptInvitationRequest = z.object({ token: z.string().min(10).max(200) });
export const ApiKeyRequest = z.object({
  name: z.string().trim().min(1).max(200),
  /** `test` keys start test runs and stay behind the test-mode wall. */
  mode: z.enum(RunModes).default('live'),
  scopes: z.array(Scope).min(1).max(Scope.options.length),
});
export const ApiKeySummary = z.object({
  id: z.string(),
  name: z.string().nullable(),
  mode: z.enum(RunModes),
  prefix: z.string(),
  scopes: z.array(Scope),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export const CreatedApiKey = ApiKeySummary.extend({ key: z.string() });
export const ApiKeyList = z.object({ keys: z.array(ApiKeySummary) });
export const AuditEntry = z.object({
  id: z.string(),
  at: Timestamp,
  actor: z.object({ type: z.enum(['user', 'key', 'admin', 'system', 'anonymous']), id: z.string().nullable(), label: z.string().nullable() }),
  action: z.string(),
  target: z.string().nullable(),
  /** What changed: names, modes, roles, field paths; never a secret value. */
  details: z.record(z.string(), JsonValue),
  address: z.string().nullable(),
});
export const AuditList = z.object({ entries: z.array(AuditEntry), next: z.string().optional() });
/** One readiness check: whether it passed, how long it took, and what went wrong. */
export const ReadinessCheck = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
/** `GET /api/ready`: 503 when a check failed; `failed` names them. */
export const Readiness = z.object({
  ready: z.boolean(),
  failed: z.array(z.enum(['database', 'temporal', 'migrations'])),
  checks: z.object({ database: ReadinessCheck, temporal: ReadinessCheck, migrations: ReadinessCheck }),
});
export type Readiness = z.infer<typeof Readiness>;
