import crypto from 'node:crypto';
import { z } from 'zod';
import { RunDetail, RunList, StartedRun } from '#core/api';
import { RunModes } from '#core/catalog-sdk';
import { WorkflowIds } from '#core/names';
import { AppError } from '#core/errors';
import { JsonValue } from '#core/flow';
import { RunStatuses, TriggerTypes } from '#core/run';
import { requireLiveKey } from '../http/auth';
import { defineRoute, type RouteDef } from '../http/route';
import { requireFlow, requireVersion } from '../services/flows.service';
import { cancelRun, listRunSummaries, runDetail, startRun } from '../services/runs.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

const StartRunBody = z.object({
  /** What the run sees as `trigger.data`. */
  input: JsonValue.default({}),
  /** Defaults to the mode of the API key. */
  mode: z.enum(RunModes).optional(),
  /** Defaults to the newest published version. */
  version: z.number().int().min(1).optional(),
});
const RunsQuery = z.object({
  flowId: z.string().optional(),
  status: z.enum(RunStatuses).optional(),
  mode: z.enum(RunModes).optional(),
  /** How the runs started (`schedule`: runs started by a flow's schedule). */
  trigger: z.enum(TriggerTypes).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const RunParams = z.object({ runId: z.string().min(1).max(64) });

export function runRoutes({ db, temporal, catalog }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/flows/:flowId/runs',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Start a manual run of a published version',
      params: z.object({ flowId: z.string() }),
      body: StartRunBody,
      responses: {
        201: { description: 'Started', schema: StartedRun },
        404: { description: 'No such flow or version' },
        402: { description: "The workspace's plan does not include an integration the flow uses" },
        413: { description: "The run's input (the version and the trigger's data) is over what a run can start with" },
        409: { description: 'The flow has never been published' },
        503: { description: 'Temporal is unreachable; nothing was started' },
      },
      async handler({ params, body, auth, req }) {
        if (body.mode === 'live') requireLiveKey(auth, 'start a live run');
        const flow = await requireFlow(db, auth.workspaceId, params.flowId);
        const versionNumber = body.version ?? flow.published_version;
        if (!versionNumber) throw new AppError('CONFLICT', `Flow "${flow.name}" has no published version yet; publish it first`);
        if (flow.published_version !== null && flow.trigger_type === null)
          throw new AppError('CONFLICT', `Flow "${flow.name}" is disabled: nothing starts it until it is enabled (POST /api/flows/${flow.id}/enable)`);
        const version = await requireVersion(db, auth.workspaceId, flow.id, versionNumber);
        const runKey = crypto.randomUUID();
        const mode = body.mode ?? auth.mode;
        const started = await startRun(db, temporal, catalog, {
          workspaceId: auth.workspaceId,
          flowId: flow.id,
          version: version.version,
          snapshot: version.snapshot,
          trigger: { type: 'manual', id: runKey, data: body.input },
          mode,
          workflowId: WorkflowIds.manual({ flowId: flow.id, mode, runKey }),
        });
        await audit(db, auth, req, 'run.started', { target: started.runId, details: { flowId: flow.id, version: version.version, mode } });
        return { status: 201, body: { runId: started.runId, workflowId: started.workflowId, version: version.version } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'List runs, newest first, filtered by flow, status, mode, trigger and time',
      query: RunsQuery,
      responses: { 200: { description: 'Runs', schema: RunList } },
      async handler({ query, auth }) {
        return { body: { runs: await listRunSummaries(db, auth, query) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:runId',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'A run with per-node status, input, output, attempts, errors and timing',
      params: RunParams,
      responses: {
        200: {
          description: 'The run',
          schema: RunDetail,
        },
        404: { description: 'No such run in this workspace' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, auth }) {
        return { body: await runDetail(db, temporal, auth, params.runId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:runId/cancel',
      scope: 'runs:operate',
      testKey: 'allowed',
      tag: 'Runs',
      summary: 'Cancel a running run',
      params: RunParams,
      responses: {
        202: {
          description:
            'Cancellation requested (`cancelling`), or a stuck run (its workflow task keeps failing) terminated (`terminated`: it is recorded as failed)',
          schema: z.object({ runId: z.string(), status: z.enum(['cancelling', 'terminated']) }),
        },
        404: { description: 'No such run' },
        409: { description: 'The run is not running' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, auth, req }) {
        const result = await cancelRun(db, temporal, auth, params.runId);
        await audit(db, auth, req, 'run.cancelled', { target: params.runId, details: { runId: params.runId } });
        return { status: 202, body: result };
      },
    }),
  ];
}
