import type { ActionInfo } from '#core/catalog-sdk';
import type { FlowDocument, FlowSnapshot } from '#core/flow';
import type { NodeRunState, NodeError, RunStatus, TriggerPayload } from '#core/run';
import type { FlowProblem } from '#core/validate';

export type { ActionInfo, FlowDocument, FlowProblem, NodeRunState };

export interface FlowSummary {
  id: string;
  name: string;
  publishedVersion: number | null;
  trigger: string | null;
  event: string | null;
  updatedAt: string;
}

export interface Flow {
  id: string;
  name: string;
  document: FlowDocument;
  publishedVersion: number | null;
  problems: FlowProblem[];
  createdAt: string;
  updatedAt: string;
}

export interface FlowVersion {
  version: number;
  note: string | null;
  publishedAt: string;
  snapshot?: FlowSnapshot;
}

export interface RunSummary {
  id: string;
  flowId: string;
  version: number;
  workflowId: string;
  mode: 'live' | 'test';
  status: RunStatus;
  error?: NodeError & { nodeId?: string };
  createdAt: string;
  endedAt: string | null;
}

/** One attempt of an action node, as the worker logged it. */
export interface AttemptRecord {
  activityId: string;
  attempt: number;
  status: string;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
}

export interface RunDetail extends RunSummary {
  /** When the workflow started (the run's row is created just before). */
  startedAt: string;
  trigger: TriggerPayload;
  output?: unknown;
  nodes: (NodeRunState & { attemptLog?: AttemptRecord[] })[];
  /** What the run cost: credits charged (0 in test mode), their list price, API requests sent. */
  cost?: { credits: number; listCredits: number; requests: number };
  /** Temporal keeps retrying a workflow task of this run that fails (the message names the failure). */
  stuck?: { message: string; attempts: number };
}

export interface SetupVariableStatus {
  name: string;
  description: string;
  whereToGet: string;
  required: boolean;
  secret: boolean;
  testPrefix?: string;
  live?: boolean;
  test?: boolean;
}

export interface IntegrationSummary {
  key: string;
  version: number;
  title: string;
  description: string;
  category: string;
  auth: { type: string; variable?: string };
  setup: SetupVariableStatus[];
  actions: { ref: string; key: string; title: string; description: string; sideEffects: boolean; idempotent: boolean; hasSandbox: boolean }[];
  examplePrompts: string[];
  docs: { title: string; url: string }[];
  testConnection: boolean;
  installedAt: string | null;
  setupStatus?: SetupVariableStatus[];
}

export interface SecretSummary {
  name: string;
  live: { last4: string } | null;
  test: { last4: string } | null;
  updatedAt: string;
}

/** What someone can decide for a parked node (POST /api/runs/:runId/nodes/:nodeKey/{retry,skip,abort}). */
export type NodeDecisionAction = 'retry' | 'skip' | 'abort';

/** The body of one decision: `input` for retry, `output` for skip, `reason` for abort. */
export type NodeDecisionRequest =
  | { nodeKey: string; action: 'retry'; input?: unknown }
  | { nodeKey: string; action: 'skip'; output?: unknown }
  | { nodeKey: string; action: 'abort'; reason?: string };

export interface NodeDecisionResult {
  runId: string;
  nodeKey: string;
  action: NodeDecisionAction;
  accepted: boolean;
}

/** POST /api/runs/:runId/reset: a failed run retried from its failed step. */
export interface ResetRunResult {
  runId: string;
  status: RunStatus;
  resetToEventId: number;
}

/** POST /api/runs/bulk-retry: which runs to retry. */
export interface BulkRetryFilter {
  status: 'parked' | 'failed';
  flowId?: string;
  errorType?: string;
  from?: string;
  to?: string;
  limit?: number;
}

export interface BulkRetryResult {
  matched: number;
  retried: number;
  failed: number;
  results: { runId: string; ok: boolean; error?: string }[];
}

/** A webhook source the catalog verifies (GET /api/catalog `webhookSources`). */
export interface WebhookSourceInfo {
  id: string;
  title: string;
  integration: string;
  /** The workspace secret that holds the signing secret by default, e.g. STRIPE_WEBHOOK_SECRET. */
  secretVariable: string;
  whereToGet: string;
}

/** GET /api/webhooks/endpoints: one per webhook-triggered flow (`trigger`), one inbox per source (`inbox`). */
export interface WebhookEndpoint {
  id: string;
  kind: 'trigger' | 'inbox';
  flowId: string | null;
  source: string;
  secrets: string[];
  header?: string;
  events?: string[];
  urls: { live: string; test: string };
  createdAt: string;
  disabledAt: string | null;
}

export const WebhookDeliveryStatuses = ['received', 'delivered', 'matched', 'unmatched', 'duplicate', 'ignored', 'rejected', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WebhookDeliveryStatuses)[number];

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  mode: 'live' | 'test';
  receivedAt: string;
  verified: boolean;
  status: WebhookDeliveryStatus;
  error: string | null;
  eventId: string | null;
  eventType: string | null;
  /** The delivery this one repeats (same provider event id): it started nothing. */
  duplicateOf: string | null;
  runId: string | null;
  waitId: string | null;
  latencyMs: number | null;
}

/** GET /api/webhooks/deliveries/:id: headers without signatures, and the body as received. */
export interface WebhookDeliveryDetail extends WebhookDelivery {
  headers: Record<string, string>;
  body: string;
}

/** POST /api/flows/:id/publish. */
export interface PublishResult {
  flowId: string;
  version: number;
  note: string | null;
  publishedAt: string;
  /** The endpoint of a webhook trigger: paths under this server's origin. */
  webhook?: { endpointId: string; livePath: string; testPath: string };
  /** Not blocking, but to fix: e.g. a signing secret with no value yet. */
  warnings?: FlowProblem[];
}

/** POST /api/webhooks/deliveries/:id/replay: the new delivery and where it went. */
export interface ReplayResult {
  replayOf: string;
  deliveryId: string;
  status: WebhookDeliveryStatus;
  runId?: string;
  reason?: string;
}
