import type { z } from 'zod';
import type * as Api from '#core/api';
import type { ActionInfo } from '#core/catalog-sdk';
import type { FlowDocument } from '#core/flow';
import type { NodeRunState } from '#core/run';
import type { FlowProblem } from '#core/validate';

/**
 * The API's answers as the editor sees them: inferred from the schemas the server declares for its routes
 * (`core/src/api.ts`), which the tests check every answer against. Nothing here is written twice.
 */
export type { ActionInfo, FlowDocument, FlowProblem, NodeRunState };
export { WebhookDeliveryStatuses } from '#core/api';

export type FlowSummary = z.infer<typeof Api.FlowSummary>;
export type Flow = z.infer<typeof Api.Flow>;
export type FlowVersion = z.infer<typeof Api.FlowVersion>;
export type PublishResult = z.infer<typeof Api.PublishResult>;
export type PublishCheck = z.infer<typeof Api.PublishCheck>;
export type TestStepAnswer = z.infer<typeof Api.TestStepAnswer>;

export type RunSummary = z.infer<typeof Api.RunSummary>;
export type RunDetail = z.infer<typeof Api.RunDetail>;
/** One attempt of an action node, as the worker logged it. */
export type AttemptRecord = z.infer<typeof Api.AttemptRecord>;

export type SetupVariableStatus = z.infer<typeof Api.SetupVariableStatus>;
export type IntegrationSummary = z.infer<typeof Api.IntegrationSummary>;
export type SecretSummary = z.infer<typeof Api.SecretSummary>;

/** What someone can decide for a parked node (POST /api/runs/:runId/nodes/:nodeKey/{retry,skip,abort}). */
export type NodeDecisionAction = (typeof Api.NodeDecisionActions)[number];
/** The body of one decision: `input` for retry, `output` for skip, `reason` for abort. */
export type NodeDecisionRequest =
  | { nodeKey: string; action: 'retry'; input?: unknown }
  | { nodeKey: string; action: 'skip'; output?: unknown }
  | { nodeKey: string; action: 'abort'; reason?: string };
export type NodeDecisionResult = z.infer<typeof Api.NodeDecisionResult>;
export type ResetRunResult = z.infer<typeof Api.ResetRunResult>;
/** POST /api/runs/bulk-retry: which runs to retry. */
export type BulkRetryFilter = z.input<typeof Api.BulkRetryRequest>;
export type BulkRetryResult = z.infer<typeof Api.BulkRetryResult>;

export type WebhookSourceInfo = z.infer<typeof Api.WebhookSourceInfo>;
export type WebhookEndpoint = z.infer<typeof Api.WebhookEndpoint>;
export type WebhookDeliveryStatus = (typeof Api.WebhookDeliveryStatuses)[number];
export type WebhookDelivery = z.infer<typeof Api.WebhookDelivery>;
export type WebhookDeliveryDetail = z.infer<typeof Api.WebhookDeliveryDetail>;
export type ReplayResult = z.infer<typeof Api.ReplayResult>;

export type AssistantAnswer = z.infer<typeof Api.AssistantAnswer>;
export type CurlImportResult = z.infer<typeof Api.CurlImportResult>;
export type OpenApiImportResult = z.infer<typeof Api.OpenApiImportResult>;

export type Connection = z.infer<typeof Api.Connection>;
export type ConnectionSide = z.infer<typeof Api.ConnectionSide>;
export type OAuthProviderInfo = z.infer<typeof Api.OAuthProviderInfo>;
export type ConnectStarted = z.infer<typeof Api.ConnectStarted>;
export type ConnectionTestResult = z.infer<typeof Api.ConnectionTestResult>;

// People, roles and scoped keys
export type SessionInfo = z.infer<typeof Api.SessionInfo>;
export type WorkspaceMembership = z.infer<typeof Api.WorkspaceMembership>;
export type MemberList = z.infer<typeof Api.MemberList>;
export type SessionList = z.infer<typeof Api.SessionList>;
export type LoopItems = z.infer<typeof Api.LoopItems>;
export type CreatedInvitation = z.infer<typeof Api.CreatedInvitation>;
export type ApiKeySummary = z.infer<typeof Api.ApiKeySummary>;
export type CreatedApiKey = z.infer<typeof Api.CreatedApiKey>;
export type AuditEntry = z.infer<typeof Api.AuditEntry>;
