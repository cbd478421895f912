import { z } from 'zod';
import { IntegrationSummary, SetupVariableStatus, WebhookSourceInfo } from '#core/api';
import { RunModes } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import type { TestConnectionInput, TestConnectionResult } from '#core/run';
import { requireLiveKey } from '../http/auth';
import { defineRoute, type RouteDef } from '../http/route';
import { install, integrationDetail, integrationPrompt, requireIntegration, searchCatalog } from '../services/catalog.service';
import type { ServerDeps } from '../deps';
import { workspaceActions } from '../services/imported.service';

const KeyParams = z.object({ key: z.string().min(1).max(64) });
const SetupStatus = z.array(SetupVariableStatus);
const ActionInfo = z.looseObject({ ref: z.string(), integration: z.string(), title: z.string() });

export function catalogRoutes(deps: ServerDeps): RouteDef[] {
  const { integrations, temporal } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/catalog',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Catalog',
      summary: 'List and search ready-made integrations',
      query: z.object({ q: z.string().max(200).optional(), category: z.string().max(100).optional() }),
      responses: {
        200: {
          description: 'Integrations, with whether each is installed, and every webhook source (`webhookSources`)',
          schema: z.object({ integrations: z.array(IntegrationSummary), webhookSources: z.array(WebhookSourceInfo) }),
        },
      },
      async handler({ query, auth }) {
        return { body: await searchCatalog(deps, auth.workspaceId, query) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/catalog/actions',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Catalog',
      summary:
        "Every catalog action with its input and output JSON Schema (for editor forms), and the actions of the workspace's imported integrations (newest versions)",
      responses: { 200: { description: 'Actions', schema: z.object({ actions: z.array(ActionInfo) }) } },
      async handler({ auth }) {
        return { body: { actions: await workspaceActions(deps, auth.workspaceId) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/catalog/:key',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Catalog',
      summary: 'One integration: its actions, setup variables and what this workspace still needs',
      params: KeyParams,
      responses: {
        200: { description: 'The integration', schema: IntegrationSummary.extend({ setupStatus: SetupStatus, schemas: z.array(ActionInfo) }) },
        404: { description: 'Not in the catalog' },
      },
      async handler({ params, auth }) {
        return { body: await integrationDetail(deps, auth.workspaceId, params.key) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/catalog/:key/prompt',
      tag: 'Catalog',
      summary: 'The integration prompt as Markdown: overview, setup variables, backend function code, frontend snippet, example usage, documentation',
      auth: 'none',
      params: KeyParams,
      responses: { 200: { description: 'Markdown', schema: z.string(), contentType: 'text/markdown' }, 404: { description: 'Not in the catalog' } },
      async handler({ params }) {
        return { body: integrationPrompt(requireIntegration(integrations, params.key)), contentType: 'text/markdown; charset=utf-8' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/catalog/:key/install',
      scope: 'flows:write',
      tag: 'Catalog',
      summary:
        'Install an integration into the workspace: a ready-made one switches backend functions on (an instant one, the generic HTTP action, does not); lists the setup variables still missing',
      params: KeyParams,
      responses: {
        200: {
          description: 'Installed',
          schema: z.object({ key: z.string(), installedAt: z.string(), backendFunctions: z.boolean(), missing: SetupStatus, setupStatus: SetupStatus }),
        },
        404: { description: 'Not in the catalog' },
      },
      async handler({ params, auth }) {
        return { body: await install(deps, auth.workspaceId, params.key) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/catalog/:key/test-connection',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Catalog',
      summary: "Check the workspace's credentials for an integration with a cheap provider call (runs in the worker)",
      params: KeyParams,
      body: z.object({ mode: z.enum(RunModes).optional() }),
      responses: {
        200: { description: '{ ok, detail } or { ok: false, error }', schema: z.looseObject({ ok: z.boolean() }) },
        404: { description: 'Not in the catalog' },
        409: { description: 'The integration offers no connection test' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth }) {
        const integration = requireIntegration(integrations, params.key);
        if (!integration.testConnection) throw new AppError('CONFLICT', `${integration.title} offers no connection test`);
        const mode = body.mode ?? auth.mode;
        if (mode === 'live') requireLiveKey(auth, 'test the live credentials');
        const input: TestConnectionInput = { workspaceId: auth.workspaceId, integration: integration.key, mode };
        const result = await temporal.call(
          (client) =>
            client.workflow.execute<(i: TestConnectionInput) => Promise<TestConnectionResult>>('testConnection', {
              args: [input],
              taskQueue: temporal.taskQueue,
              workflowId: `test-connection:${auth.workspaceId}:${integration.key}:${Date.now()}`,
              workflowExecutionTimeout: '30s',
            }),
          // The provider call itself may take a while: this waits for the worker, not for Temporal to answer.
          { deadlineMs: 35_000 },
        );
        return { body: result };
      },
    }),
  ];
}
