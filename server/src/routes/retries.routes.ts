import { z } from 'zod';
import { BulkRetryRequest, BulkRetryResult, NodeDecisionResult, ResetRunResult } from '#core/api';
import { JsonValue } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import { bulkRetry, decideNodeRecorded, resetRun } from '../services/retries.service';
import type { ServerDeps } from '../deps';
import { RunParams } from './runs.routes';
import { audit } from '../services/audit.service';

const NodeParams = RunParams.extend({ nodeKey: z.string().min(1).max(300) });

/** What people do about runs that need them: retry, skip or abort a parked node; reset a failed run; retry many at once. */
export function retryRoutes({ db, temporal }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/nodes/:nodeKey/retry',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Retry a parked node, as it is or with edited input (secrets are read again, so a fixed secret takes effect)',
      params: NodeParams,
      body: z.object({ input: JsonValue.optional() }),
      responses: {
        200: { description: 'Accepted; the node runs again', schema: NodeDecisionResult },
        404: { description: 'No such run' },
        409: { description: 'The node is not parked' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth, req }) {
        const decision = { nodeKey: params.nodeKey, action: 'retry' as const, ...(body.input !== undefined ? { input: body.input } : {}) };
        return { body: await decideNodeRecorded(db, temporal, auth, req, params.runId, decision) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/nodes/:nodeKey/skip',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Skip a parked node: later nodes read the given output as its output',
      params: NodeParams,
      body: z.object({ output: JsonValue.optional() }),
      responses: {
        200: { description: 'Accepted', schema: NodeDecisionResult },
        404: { description: 'No such run' },
        409: { description: 'The node is not parked' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth, req }) {
        const decision = { nodeKey: params.nodeKey, action: 'skip' as const, ...(body.output !== undefined ? { output: body.output } : {}) };
        return { body: await decideNodeRecorded(db, temporal, auth, req, params.runId, decision) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/nodes/:nodeKey/abort',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Abort the run at a parked node: the run fails with the reason',
      params: NodeParams,
      body: z.object({ reason: z.string().max(500).optional() }),
      responses: {
        200: { description: 'Accepted', schema: NodeDecisionResult },
        404: { description: 'No such run' },
        409: { description: 'The node is not parked' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, auth, req }) {
        const decision = { nodeKey: params.nodeKey, action: 'abort' as const, ...(body.reason ? { reason: body.reason } : {}) };
        return { body: await decideNodeRecorded(db, temporal, auth, req, params.runId, decision) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/reset',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Retry a failed run from its failed step: completed steps keep their results and do not run again',
      params: RunParams,
      responses: {
        200: { description: 'The run is running again', schema: ResetRunResult },
        404: { description: 'No such run' },
        409: { description: 'The run has not failed, or did not fail in a step' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, auth, req }) {
        const result = await resetRun(db, temporal, auth, params.runId);
        await audit(db, auth, req, 'run.reset', { target: params.runId, details: { runId: params.runId, resetToEventId: result.resetToEventId } });
        return { body: result };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/bulk-retry',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Retry every parked or failed run that matches (by flow, error type and time range); reports each outcome',
      body: BulkRetryRequest,
      responses: {
        200: {
          description: 'How many matched, were retried and failed, and each outcome',
          schema: BulkRetryResult,
        },
      },
      async handler({ body, auth, req }) {
        const result = await bulkRetry(db, temporal, auth, body);
        await audit(db, auth, req, 'runs.bulk_retried', {
          details: { filter: body, matched: result.matched, retried: result.retried, runIds: result.results.map((r) => r.runId) },
        });
        return { body: result };
      },
    }),
  ];
}
