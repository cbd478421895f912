import { z } from 'zod';
import { Flow, FlowProblem } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import { duplicateFlow, enableFlow, exportFlow, FlowExport, flowTags, importFlow, restoreVersion, setFlowTags, Tag } from '../services/flow-lifecycle.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';
import { FlowParams } from './flows.routes';

/** A flow's life after its first draft: duplicate, restore a version, disable and enable, tags, export and import. */
export function flowLifecycleRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/duplicate',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Duplicate a flow: a new unpublished flow with a copy of the draft, named "<name> (copy)"',
      params: FlowParams,
      responses: { 201: { description: 'The copy', schema: Flow }, 404: { description: 'No such flow' } },
      async handler({ params, auth }) {
        return { status: 201, body: await duplicateFlow(deps, auth.workspaceId, params.flowId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/versions/:version/restore',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Restore a published version as the draft (nothing is published until you publish it)',
      params: FlowParams.extend({ version: z.coerce.number().int().min(1) }),
      responses: { 200: { description: 'The flow, its draft now the version', schema: Flow }, 404: { description: 'No such flow or version' } },
      async handler({ params, auth, req }) {
        const flow = await restoreVersion(deps, auth.workspaceId, params.flowId, params.version);
        await audit(deps.db, auth, req, 'flow.version_restored', { target: params.flowId, details: { version: params.version } });
        return { body: flow };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/enable',
      scope: 'flows:publish',
      tag: 'Flows',
      summary: 'Enable a disabled (unpublished) flow: its newest published version starts on its trigger again',
      params: FlowParams,
      responses: {
        200: { description: 'Enabled', schema: Flow },
        404: { description: 'No such flow' },
        409: { description: 'The flow was never published' },
        503: { description: "Temporal is unreachable: a schedule trigger's schedule could not be written, nothing changed" },
      },
      async handler({ params, auth, req }) {
        const flow = await enableFlow(deps, auth.workspaceId, params.flowId);
        await audit(deps.db, auth, req, 'flow.enabled', { target: params.flowId });
        return { body: flow };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/flows/:flowId/tags',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary: "Replace a flow's tags",
      params: FlowParams,
      body: z.object({ tags: z.array(Tag).max(20) }),
      responses: {
        200: { description: 'The flow with its tags', schema: Flow },
        400: { description: 'A tag that is not one' },
        404: { description: 'No such flow' },
      },
      async handler({ params, body, auth }) {
        return { body: await setFlowTags(deps, auth.workspaceId, params.flowId, body.tags) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flow-tags',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Every tag in use in the workspace (the flow list filter)',
      responses: { 200: { description: 'Tags, sorted', schema: z.object({ tags: z.array(z.string()) }) } },
      async handler({ auth }) {
        return { body: { tags: await flowTags(deps.db, auth.workspaceId) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId/export',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Export a flow as a file: its draft, tags and the integrations and secret names it needs (never a secret value or pinned sample)',
      params: FlowParams,
      responses: { 200: { description: 'The flow file', schema: FlowExport }, 404: { description: 'No such flow' } },
      async handler({ params, auth }) {
        return { body: await exportFlow(deps, auth.workspaceId, params.flowId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/import',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Import a flow file as a new unpublished flow; reports the actions, secrets and problems it has in this workspace',
      body: z.unknown(),
      responses: {
        201: {
          description: 'The new flow, what this workspace lacks for it, and its problems',
          schema: z.object({ flow: Flow, missing: z.object({ actions: z.array(z.string()), secrets: z.array(z.string()) }), problems: z.array(FlowProblem) }),
        },
        400: { description: 'The file is a flow file, but its document is not valid (field by field)' },
        422: { description: 'Not a Switchyard flow file, or a code step with a syntax error' },
      },
      async handler({ body, auth }) {
        return { status: 201, body: await importFlow(deps, auth.workspaceId, body) };
      },
    }),
  ];
}
