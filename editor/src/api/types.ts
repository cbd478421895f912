import type { ActionInfo } from '../../../core/src/catalog-sdk';
import type { FlowDocument, FlowSnapshot } from '../../../core/src/flow';
import type { NodeRunState, NodeError, RunStatus, TriggerPayload } from '../../../core/src/run';
import type { FlowProblem } from '../../../core/src/validate';

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
