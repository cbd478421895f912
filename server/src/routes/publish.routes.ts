import { z } from 'zod';
import { PublishCheck, PublishResult, TestStepAnswer } from '#core/api';
import { FlowDocument } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import { checkPublish, publishFlow, unpublishFlow } from '../services/flows.service';
import { testStep } from '../services/test-step.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';
import { FlowParams } from './flows.routes';

const PublishBody = z.object({ note: z.string().max(2000).optional() });
const CheckBody = z.object({ document: FlowDocument });
const TestStepBody = z.object({ document: FlowDocument, outputs: z.record(z.string(), z.unknown()).optional() });

/** Before and at publishing: the check the publish dialog shows, Test this step, publish and unpublish. */
export function publishRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/check',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary:
        "Before publishing the document on screen (saved or not): publish's problems, one run's cost per node, and what changes from the published version",
      params: FlowParams,
      body: CheckBody,
      responses: {
        200: { description: 'Problems (empty: publish would succeed), estimate and changes', schema: PublishCheck },
        400: { description: 'The document does not parse' },
        404: { description: 'No such flow' },
      },
      async handler({ params, body, auth }) {
        return { body: await checkPublish(deps, auth.workspaceId, params.flowId, body.document) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/publish',
      scope: 'flows:publish',
      tag: 'Flows',
      summary: 'Publish the draft as a new immutable version',
      params: FlowParams,
      body: PublishBody,
      responses: {
        201: { description: 'The new version', schema: PublishResult },
        404: { description: 'No such flow' },
        422: { description: 'The flow is invalid: every problem, by node' },
        503: { description: "Temporal is unreachable: a schedule trigger's schedule could not be written, nothing was published" },
      },
      async handler({ params, body, auth, req }) {
        const published = await publishFlow(deps, auth.workspaceId, params.flowId, body.note);
        await audit(deps.db, auth, req, 'flow.published', { target: params.flowId, details: { version: published.version, note: body.note ?? null } });
        return { status: 201, body: published };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/unpublish',
      scope: 'flows:publish',
      tag: 'Flows',
      summary: 'Unpublish: the trigger no longer starts the flow and its schedules are deleted (versions and runs stay)',
      params: FlowParams,
      responses: {
        200: { description: 'Unpublished', schema: z.object({ flowId: z.string(), publishedVersion: z.number().int(), published: z.literal(false) }) },
        404: { description: 'No such flow' },
        409: { description: 'The flow was never published' },
      },
      async handler({ params, auth, req }) {
        const result = await unpublishFlow(deps, auth.workspaceId, params.flowId);
        await audit(deps.db, auth, req, 'flow.unpublished', { target: params.flowId });
        return { body: result };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/nodes/:nodeId/test',
      scope: 'flows:write',
      testKey: 'allowed',
      tag: 'Flows',
      summary:
        'Test this step: run one action step of the document on screen once, in test mode, against its pinned samples and upstream outputs; answers the input it resolved, the output or error, and the credits at list price',
      params: FlowParams.extend({ nodeId: z.string().min(1).max(64) }),
      body: TestStepBody,
      responses: {
        200: { description: 'The step ran: `ok` with its output, or not with its error (a failed step is an answer, not an error)', schema: TestStepAnswer },
        402: { description: "The workspace's plan does not include integrations" },
        404: { description: 'No such flow, or no such step in the document' },
        403: { description: "App Settings' Backend functions are off (an instant integration)" },
        422: { description: 'Not an action step, an unknown action, or an expression that fails on the sample data' },
        503: { description: 'Temporal is unreachable' },
      },
      async handler({ params, body, auth }) {
        return { body: await testStep(deps, auth.workspaceId, params.flowId, { document: body.document, nodeId: params.nodeId, outputs: body.outputs }) };
      },
    }),
  ];
}
