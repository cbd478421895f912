import { z } from 'zod';
import { JsonValue } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import { bulkRetry, decideNode, resetRun } from '../services/retries.service';
import type { ServerDeps } from '../deps';
import { RunParams } from './runs.routes';

const NodeDecisionAccepted = z.object({ runId: z.string(), nodeKey: z.string(), action: z.enum(['retry', 'skip', 'abort']), accepted: z.literal(true) });
const NodeParams = RunParams.extend({ nodeKey: z.string().min(1).max(300) });
const BulkRetryBody = z.object({
  status: z.enum(['parked', 'failed']),
  flowId: z.string().optional(),
  /** Only runs whose error has this type: `NonRetryable`, `Retryable`, `Timeout`, `GaveUp`, … */
  errorType: z.string().max(100).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});

/** What people do about runs that need them: retry, skip or abort a parked node; reset a failed run; retry many at once. */
export function retryRoutes({ db, temporal }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/nodes/:nodeKey/retry',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Retry a parked node, as it is or with edited input (secrets are read again, so a fixed secret takes effect)',
      params: NodeParams,
      body: z.object({ input: JsonValue.optional() }),
      responses: {
        200: { description: 'Accepted; the node runs again', schema: NodeDecisionAccepted },
        404: { description: 'No such run' },
        409: { description: 'The node is not parked' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth }) {
        return {
          body: await decideNode(db, temporal, auth, params.runId, {
            nodeKey: params.nodeKey,
            action: 'retry',
            ...(body.input !== undefined ? { input: body.input } : {}),
          }),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/nodes/:nodeKey/skip',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Skip a parked node: later nodes read the given output as its output',
      params: NodeParams,
      body: z.object({ output: JsonValue.optional() }),
      responses: {
        200: { description: 'Accepted', schema: NodeDecisionAccepted },
        404: { description: 'No such run' },
        409: { description: 'The node is not parked' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth }) {
        return {
          body: await decideNode(db, temporal, auth, params.runId, {
            nodeKey: params.nodeKey,
            action: 'skip',
            ...(body.output !== undefined ? { output: body.output } : {}),
          }),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/nodes/:nodeKey/abort',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Abort the run at a parked node: the run fails with the reason',
      params: NodeParams,
      body: z.object({ reason: z.string().max(500).optional() }),
      responses: {
        200: { description: 'Accepted', schema: NodeDecisionAccepted },
        404: { description: 'No such run' },
        409: { description: 'The node is not parked' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth }) {
        return {
          body: await decideNode(db, temporal, auth, params.runId, {
            nodeKey: params.nodeKey,
            action: 'abort',
            ...(body.reason ? { reason: body.reason } : {}),
          }),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/reset',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Retry a failed run from its failed step: completed steps keep their results and do not run again',
      params: RunParams,
      responses: {
        200: { description: 'The run is running again', schema: z.object({ runId: z.string(), status: z.literal('running'), resetToEventId: z.number() }) },
        404: { description: 'No such run' },
        409: { description: 'The run has not failed, or did not fail in a step' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, auth }) {
        return { body: await resetRun(db, temporal, auth, params.runId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/bulk-retry',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Retry every parked or failed run that matches (by flow, error type and time range); reports each outcome',
      body: BulkRetryBody,
      responses: {
        200: {
          description: 'How many matched, were retried and failed, and each outcome',
          schema: z.object({
            matched: z.number().int(),
            retried: z.number().int(),
            failed: z.number().int(),
            results: z.array(z.object({ runId: z.string(), ok: z.boolean(), error: z.string().optional() })),
          }),
        },
      },
      async handler({ body, auth }) {
        return { body: await bulkRetry(db, temporal, auth, body) };
      },
    }),
  ];
}
