import { z } from 'zod';
import { Flow, FlowList } from '#core/api';
import { FlowDocument } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import { defineRoute, type RouteDef } from '../http/route';
import { createFlow, deleteFlow, listFlows, presentFlow, requireFlow, updateDraft } from '../services/flows.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

export const FlowParams = z.object({ flowId: z.string().min(1).max(64) });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  q: z.string().max(200).optional().describe('Words in the name'),
  tag: z.string().max(32).optional().describe('Only flows with this tag'),
});
const CreateFlowBody = z.object({ name: z.string().min(1).max(200), document: FlowDocument });
const UpdateFlowBody = z.object({
  name: z.string().min(1).max(200).optional(),
  document: FlowDocument.optional(),
  operations: z
    .array(z.looseObject({ type: z.string() }))
    .max(500)
    .optional(),
});

export function flowRoutes(deps: ServerDeps): RouteDef[] {
  const { db } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/flows',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Create a flow (saved as a draft)',
      body: CreateFlowBody,
      responses: {
        201: { description: 'Created', schema: Flow },
        400: { description: 'The document does not parse' },
        422: { description: 'A code step has a syntax error (node, line and column in the problems)' },
      },
      async handler({ body, auth }) {
        return { status: 201, body: await createFlow(deps, auth.workspaceId, body) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'List flows',
      query: Page,
      responses: { 200: { description: 'Flows, newest first', schema: FlowList } },
      async handler({ query, auth }) {
        return { body: { flows: await listFlows(db, auth.workspaceId, query) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Read a flow with its draft and its problems',
      params: FlowParams,
      responses: { 200: { description: 'The flow', schema: Flow }, 404: { description: 'No such flow in this workspace' } },
      async handler({ params, auth }) {
        return { body: await presentFlow(deps, auth.workspaceId, await requireFlow(db, auth.workspaceId, params.flowId)) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/flows/:flowId',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Update the draft: rename, replace the document, or apply edit operations',
      params: FlowParams,
      body: UpdateFlowBody,
      responses: {
        200: { description: 'The updated flow', schema: Flow },
        400: { description: 'Invalid document or impossible operation' },
        404: { description: 'No such flow' },
        422: { description: 'A code step has a syntax error (node, line and column in the problems)' },
      },
      async handler({ params, body, auth }) {
        return { body: await updateDraft(deps, auth.workspaceId, params.flowId, { ...body, operations: body.operations as FlowOperation[] | undefined }) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/flows/:flowId',
      scope: 'flows:write',
      tag: 'Flows',
      summary: 'Delete a flow (it stops receiving events; its versions and runs stay readable)',
      params: FlowParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such flow' } },
      async handler({ params, auth, req }) {
        await deleteFlow(deps, auth.workspaceId, params.flowId);
        await audit(deps.db, auth, req, 'flow.deleted', { target: params.flowId });
        return { status: 204 };
      },
    }),
  ];
}
