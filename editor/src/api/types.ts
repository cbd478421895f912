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

export interface RunDetail extends RunSummary {
  /** When the workflow started (the run's row is created just before). */
  startedAt: string;
  trigger: TriggerPayload;
  output?: unknown;
  nodes: NodeRunState[];
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
