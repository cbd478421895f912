import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlowDocument } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import type { TestCodeStepResult } from '#core/code';
import { api } from './client';
import type {
  ActionInfo,
  Flow,
  FlowSummary,
  FlowVersion,
  IntegrationSummary,
  PublishCheck,
  TestStepAnswer,
  RunDetail,
  RunSummary,
  SecretSummary,
} from './types';
import type { BulkRetryFilter, BulkRetryResult, NodeDecisionRequest, NodeDecisionResult, ResetRunResult } from './types';
import type { Connection, ConnectionTestResult, ConnectStarted, OAuthProviderInfo } from './types';
import type {
  AssistantAnswer,
  CurlImportResult,
  OpenApiImportResult,
  PublishResult,
  ReplayResult,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookEndpoint,
  WebhookSourceInfo,
} from './types';

/** Server data hooks (TanStack Query). Keys: ['flows'], ['flow', id], ['runs', filters], ['run', id], … */

export const useActions = () =>
  useQuery({ queryKey: ['actions'], queryFn: () => api<{ actions: ActionInfo[] }>('GET', '/api/catalog/actions').then((r) => r.actions), staleTime: 60_000 });

export const useFlows = () =>
  useQuery({ queryKey: ['flows'], queryFn: () => api<{ flows: FlowSummary[] }>('GET', '/api/flows?limit=200').then((r) => r.flows) });

export const useFlow = (id: string) => useQuery({ queryKey: ['flow', id], queryFn: () => api<Flow>('GET', `/api/flows/${id}`) });

export const useVersions = (flowId: string) =>
  useQuery({ queryKey: ['versions', flowId], queryFn: () => api<{ versions: FlowVersion[] }>('GET', `/api/flows/${flowId}/versions`).then((r) => r.versions) });

export const useVersion = (flowId: string, version: number | undefined) =>
  useQuery({
    queryKey: ['version', flowId, version],
    enabled: version !== undefined,
    queryFn: () => api<FlowVersion>('GET', `/api/flows/${flowId}/versions/${version}`),
  });

export function useCreateFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; document: FlowDocument }) => api<Flow>('POST', '/api/flows', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['flows'] }),
  });
}

export function useSaveFlow(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name?: string; document?: FlowDocument; operations?: FlowOperation[] }) => api<Flow>('PATCH', `/api/flows/${flowId}`, body),
    onSuccess: (flow) => {
      qc.setQueryData(['flow', flowId], flow);
      void qc.invalidateQueries({ queryKey: ['flows'] });
    },
  });
}

/** POST /api/flows/:id/check for the document on screen: problems, estimate and changes (refetched when it changes). */
export function usePublishCheck(flowId: string, doc: FlowDocument | null) {
  return useQuery({
    queryKey: ['publish-check', flowId, doc],
    queryFn: () => api<PublishCheck>('POST', `/api/flows/${flowId}/check`, { document: doc }),
    enabled: doc !== null,
    staleTime: 0,
    gcTime: 0,
  });
}

export function usePublish(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (note: string | undefined) => api<PublishResult>('POST', `/api/flows/${flowId}/publish`, note ? { note } : {}),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['flow', flowId] });
      void qc.invalidateQueries({ queryKey: ['webhook-endpoints'] });
      void qc.invalidateQueries({ queryKey: ['versions', flowId] });
      void qc.invalidateQueries({ queryKey: ['flows'] });
    },
  });
}

export function useStartRun(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { input: unknown; mode?: 'live' | 'test'; version?: number }) => api<{ runId: string }>('POST', `/api/flows/${flowId}/runs`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['runs'] }),
  });
}

export interface RunFilters {
  flowId?: string;
  status?: string;
  mode?: string;
  /** How the runs started: `schedule`, `event`, `manual`, `webhook`. */
  trigger?: string;
  from?: string;
}

export const useRuns = (filters: RunFilters, refetchInterval: number | false = 2000) =>
  useQuery({
    queryKey: ['runs', filters],
    refetchInterval,
    queryFn: () => {
      const q = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => !!e[1]));
      q.set('limit', '100');
      return api<{ runs: RunSummary[] }>('GET', `/api/runs?${q}`).then((r) => r.runs);
    },
  });

/** Polls while the run is live (every 750 ms), then stops. */
export const useRun = (runId: string) =>
  useQuery({
    queryKey: ['run', runId],
    queryFn: () => api<RunDetail>('GET', `/api/runs/${runId}`),
    refetchInterval: (q) => (q.state.data && !['running', 'starting'].includes(q.state.data.status) ? false : 750),
  });

export function useCancelRun() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (runId: string) => api('POST', `/api/runs/${runId}/cancel`), onSuccess: () => qc.invalidateQueries({ queryKey: ['run'] }) });
}

export const useCatalog = (q = '') =>
  useQuery({
    queryKey: ['catalog', q],
    queryFn: () => api<{ integrations: IntegrationSummary[] }>('GET', `/api/catalog${q ? `?q=${encodeURIComponent(q)}` : ''}`).then((r) => r.integrations),
  });

export const useIntegration = (key: string) =>
  useQuery({ queryKey: ['integration', key], queryFn: () => api<IntegrationSummary>('GET', `/api/catalog/${key}`) });

/** "Test this step" of a code step (POST /api/code/test): one execution in test mode. */
/** POST /api/flows/:id/nodes/:nodeId/test: one action step of the document on screen, once, in test mode. */
export function useTestStep(flowId: string) {
  return useMutation({
    mutationFn: (body: { nodeId: string; document: FlowDocument; outputs: Record<string, unknown> }) =>
      api<TestStepAnswer>('POST', `/api/flows/${flowId}/nodes/${encodeURIComponent(body.nodeId)}/test`, { document: body.document, outputs: body.outputs }),
  });
}

export function useTestCodeStep() {
  return useMutation({
    mutationFn: (body: { nodeId: string; source: string; language: string; input: unknown; secrets: string[]; limits?: object }) =>
      api<TestCodeStepResult>('POST', '/api/code/test', body),
  });
}

export const useSecrets = () =>
  useQuery({ queryKey: ['secrets'], queryFn: () => api<{ secrets: SecretSummary[] }>('GET', '/api/secrets').then((r) => r.secrets) });

export function usePutSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, ...values }: { name: string; live?: string | null; test?: string | null }) =>
      api<SecretSummary>('PUT', `/api/secrets/${name}`, values),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['secrets'] });
      void qc.invalidateQueries({ queryKey: ['integration'] });
    },
  });
}

export function useDeleteSecret() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (name: string) => api('DELETE', `/api/secrets/${name}`), onSuccess: () => qc.invalidateQueries({ queryKey: ['secrets'] }) });
}

export const useSettings = () => useQuery({ queryKey: ['settings'], queryFn: () => api<{ backendFunctions: boolean }>('GET', '/api/settings') });

/** Runs that are over: nothing about them changes unless someone resets them. */
const DONE_RUN_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

/**
 * Like useRun, but also polls while the run is parked (a parked node waits for a decision while the rest
 * of the run goes on): it stops only once the run is completed, failed or cancelled. A reset run polls again.
 */
export const useLiveRun = (runId: string) =>
  useQuery({
    queryKey: ['run', runId],
    queryFn: () => api<RunDetail>('GET', `/api/runs/${runId}`),
    refetchInterval: (q) => (q.state.data && DONE_RUN_STATUSES.includes(q.state.data.status) ? false : 750),
  });

/** Retry, skip or abort a parked node of a run. */
export function useDecideNode(runId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ nodeKey, action, ...body }: NodeDecisionRequest) =>
      api<NodeDecisionResult>('POST', `/api/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(nodeKey)}/${action}`, body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['run', runId] });
      void qc.invalidateQueries({ queryKey: ['runs'] });
    },
  });
}

/** Retries a failed run from its failed step (completed steps keep their results). */
export function useResetRun(runId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<ResetRunResult>('POST', `/api/runs/${encodeURIComponent(runId)}/reset`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['run', runId] });
      void qc.invalidateQueries({ queryKey: ['runs'] });
    },
  });
}

/** Retries every parked or failed run matching a filter; reports each outcome. */
export function useBulkRetry() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (filter: BulkRetryFilter) => api<BulkRetryResult>('POST', '/api/runs/bulk-retry', filter),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['runs'] });
      void qc.invalidateQueries({ queryKey: ['run'] });
    },
  });
}

/** The webhook sources the catalog verifies (stripe, github, …), with their default secret and where to find it. */
export const useWebhookSources = () =>
  useQuery({
    queryKey: ['webhook-sources'],
    queryFn: () => api<{ webhookSources?: WebhookSourceInfo[] }>('GET', '/api/catalog').then((r) => r.webhookSources ?? []),
    staleTime: 60_000,
  });

export const useWebhookEndpoints = () =>
  useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: () => api<{ endpoints: WebhookEndpoint[] }>('GET', '/api/webhooks/endpoints').then((r) => r.endpoints),
  });

/** Creates (or updates) the workspace's inbox of a source: where waitForWebhook nodes receive events. */
export function useCreateInbox() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { source: string; secrets?: string[]; header?: string }) => api<WebhookEndpoint>('POST', '/api/webhooks/inboxes', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['webhook-endpoints'] }),
  });
}

/** Disables an endpoint: its URLs answer 410 from then on. */
export function useDisableEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/webhooks/endpoints/${encodeURIComponent(id)}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['webhook-endpoints'] }),
  });
}

export interface DeliveryFilters {
  endpointId?: string;
  status?: string;
}

export const useWebhookDeliveries = (filters: DeliveryFilters, refetchInterval: number | false = 3000) =>
  useQuery({
    queryKey: ['webhook-deliveries', filters],
    refetchInterval,
    queryFn: () => {
      const q = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => !!e[1]));
      q.set('limit', '100');
      return api<{ deliveries: WebhookDelivery[] }>('GET', `/api/webhooks/deliveries?${q}`).then((r) => r.deliveries);
    },
  });

export const useWebhookDelivery = (id: string | null) =>
  useQuery({
    queryKey: ['webhook-delivery', id],
    enabled: id !== null,
    queryFn: () => api<WebhookDeliveryDetail>('GET', `/api/webhooks/deliveries/${encodeURIComponent(id!)}`),
  });

/** Delivers a stored delivery again (a live one needs a live key: the API says so when refused). */
export function useReplayDelivery() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<ReplayResult>('POST', `/api/webhooks/deliveries/${encodeURIComponent(id)}/replay`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['webhook-deliveries'] });
      void qc.invalidateQueries({ queryKey: ['runs'] });
    },
  });
}

/** The assistant: a prompt (and the flow being edited) → a draft, a question or why not. Changes nothing by itself. */
export function useAskAssistant() {
  return useMutation({
    mutationFn: (body: { prompt: string; flow?: FlowDocument }) => api<AssistantAnswer>('POST', '/api/assistant', body),
  });
}

/** Installs a catalog integration (what the assistant's draft says is missing). */
export function useInstallIntegration() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api<unknown>('POST', `/api/catalog/${key}/install`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['catalog'] });
      void qc.invalidateQueries({ queryKey: ['integration'] });
    },
  });
}

export interface OpenApiImportRequest {
  document?: string;
  url?: string;
  key?: string;
  operations?: string[];
  auth?: { type: 'bearer' } | { type: 'basic' } | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string };
  preview?: boolean;
}

/** An OpenAPI document → the next version of a workspace integration (or, with `preview`, what it would hold). */
export function useImportOpenApi() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (request: OpenApiImportRequest) => api<OpenApiImportResult>('POST', '/api/integrations/import/openapi', request),
    onSuccess: (result) => {
      if (!result.stored) return;
      void qc.invalidateQueries({ queryKey: ['catalog'] });
      void qc.invalidateQueries({ queryKey: ['actions'] });
      void qc.invalidateQueries({ queryKey: ['integration', result.key] });
    },
  });
}

/** A pasted cURL command → an HTTP request step; credentials found in it are saved as workspace secrets. */
export function useImportCurl() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (command: string) => api<CurlImportResult>('POST', '/api/integrations/import/curl', { command }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['secrets'] }),
  });
}

// ---- OAuth connections

/** Connections, polled every 2 s while `watching` (a sign-in pop-up is open): the status changes when the provider calls back. */
export const useConnections = (watching = false) =>
  useQuery({
    queryKey: ['connections'],
    queryFn: () => api<{ connections: Connection[] }>('GET', '/api/connections').then((r) => r.connections),
    refetchInterval: watching ? 2000 : 30_000,
  });

export const useOAuthProviders = () =>
  useQuery({ queryKey: ['oauth-providers'], queryFn: () => api<{ providers: OAuthProviderInfo[] }>('GET', '/api/oauth/providers').then((r) => r.providers) });

export function usePutOAuthClient() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ provider, ...body }: { provider: string; clientId: string; clientSecret: string; config?: Record<string, unknown> }) =>
      api<{ providers: OAuthProviderInfo[] }>('PUT', `/api/oauth/providers/${provider}/client`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['oauth-providers'] }),
  });
}

/**
 * Starts a sign-in (a new connection, or a reconnect) and sends the pop-up the caller opened (synchronously, in the
 * click: browsers block pop-ups opened after an await) to the provider. Client-credentials providers connect at once.
 */
export function useConnect() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({
      popup,
      ...o
    }: {
      popup: Window | null;
      provider?: string;
      name?: string;
      scopes?: string[];
      reconnect?: string;
      mode?: 'live' | 'test';
    }) => {
      try {
        const started = o.reconnect
          ? await api<ConnectStarted>('POST', `/api/connections/${o.reconnect}/reconnect`, o.mode ? { mode: o.mode } : {})
          : await api<ConnectStarted>('POST', '/api/connections', {
              provider: o.provider,
              name: o.name,
              ...(o.mode ? { mode: o.mode } : {}),
              ...(o.scopes?.length ? { scopes: o.scopes } : {}),
            });
        if (started.authorizeUrl && popup) popup.location.href = started.authorizeUrl;
        else popup?.close();
        return started;
      } catch (err) {
        popup?.close();
        throw err;
      }
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: ['connections'] }),
  });
}

export function useRenameConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) => api<Connection>('PATCH', `/api/connections/${id}`, { name }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['connections'] }),
  });
}

export function useTestConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, mode }: { id: string; mode: 'live' | 'test' }) => api<ConnectionTestResult>('POST', `/api/connections/${id}/test`, { mode }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['connections'] }),
  });
}

export function useDisconnect() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/connections/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['connections'] }),
  });
}
