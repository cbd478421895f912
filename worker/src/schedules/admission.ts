/**
 * The start path of a scheduled run, in the worker (the schedule fires in Temporal, not through the API): the same
 * checks as the API's `startRun` (core/src/run-admission.ts: plan, Backend functions, input size) and the same claim
 * of the run row, keyed by the fire's scheduled time so a double fire starts one run. A refused start is recorded
 * as a failed run naming the reason, visible in the runs list, and the schedule goes on.
 */
import type { Logger } from 'pino';
import { catalogIndex, type CatalogIndex, type IntegrationDefinition } from '#core/catalog-sdk';
import type { FlowSnapshot } from '#core/flow';
import { walkNodes } from '#core/graph';
import { withImported } from '#core/instant';
import { WorkflowIds } from '#core/names';
import { actionDefaultsOf, backendFunctionsProblemsFor, instantIntegrationNodes, needsPlanCheck, planProblemsFor, runInputTooLarge } from '#core/run-admission';
import type { RunFlowInput, RunState, TriggerPayload } from '#core/run';
import type { ScheduledFlowInput } from '#core/schedule';
import { ensureAccount } from '#store/credits.repository';
import type { Db } from '#store/database';
import { getFlow, getVersion } from '#store/flows.repository';
import { claimRun, finishRun, markRunStarted } from '#store/runs.repository';
import { getSettings } from '#store/settings.repository';
import { importedForRefs } from '#store/imported-integrations.repository';

export interface AdmitScheduledRunInput extends ScheduledFlowInput {
  /** The fire's nominal time (Temporal's TemporalScheduledStartTime). */
  scheduledTime: string;
  /** When the schedule's workflow actually started (after jitter, or a catch-up). */
  actualTime: string;
  /** The schedule's workflow for this fire. */
  scheduleWorkflowId: string;
}

/** What one fire came to: a run started, the same fire seen again, a refused start, or nothing to run. */
export type ScheduledFireResult =
  | { outcome: 'ran' | 'duplicate'; runId: string; workflowId: string }
  | { outcome: 'refused'; runId: string; workflowId: string; message: string }
  | { outcome: 'notScheduled'; message: string };

export type Admission =
  | Exclude<ScheduledFireResult, { outcome: 'ran' }>
  | { outcome: 'start'; runId: string; workflowId: string; input: RunFlowInput; memo: Record<string, unknown> };

export type AdmitScheduledRunActivity = (input: AdmitScheduledRunInput) => Promise<Admission>;
export type MarkScheduledRunStartedActivity = (input: { runId: string; temporalRunId: string }) => Promise<void>;

export function createAdmitScheduledRunActivity(o: { db: Db; integrations: IntegrationDefinition[]; logger: Logger }): AdmitScheduledRunActivity {
  const staticCatalog = catalogIndex(o.integrations);
  return async (fire) => {
    const { db } = o;
    const flow = await getFlow(db, fire.workspaceId, fire.flowId);
    // Unpublished, deleted or re-published with another trigger since the schedule fired: its schedule is going away.
    if (!flow || flow.published_version === null || flow.trigger_type !== 'schedule') {
      o.logger.warn({ ...fire }, 'a schedule fired for a flow that is no longer a published schedule flow; nothing started');
      return { outcome: 'notScheduled', message: `Flow "${fire.flowId}" is no longer published with a schedule trigger` };
    }
    const version = await getVersion(db, fire.workspaceId, fire.flowId, flow.published_version);
    if (!version) return { outcome: 'notScheduled', message: `Flow "${fire.flowId}" has no version ${flow.published_version}` };
    const trigger: TriggerPayload = {
      type: 'schedule',
      id: fire.scheduledTime,
      data: { scheduledTime: fire.scheduledTime, actualTime: fire.actualTime },
    };
    const workflowId = WorkflowIds.schedule({ workspaceId: fire.workspaceId, flowId: fire.flowId, mode: fire.mode, scheduledAt: fire.scheduledTime });
    const run = { workspaceId: fire.workspaceId, flowId: fire.flowId, version: version.version, workflowId, mode: fire.mode, trigger };
    // The workspace's imported integrations are part of its catalog: the versions this snapshot pins.
    const refs = [...walkNodes(version.snapshot)].flatMap(({ node }) => (node.type === 'action' ? [node.action] : []));
    const catalog = withImported(staticCatalog, await importedForRefs(db, fire.workspaceId, refs));
    const refusal = await refusalOf(db, catalog, fire.workspaceId, version.snapshot, trigger);
    const claim = await claimRun(db, run);
    if (!claim.created && claim.run.status !== 'starting') return { outcome: 'duplicate', runId: claim.run.id, workflowId };
    if (refusal) {
      await finishRun(db, { runId: claim.run.id, workspaceId: fire.workspaceId, state: refusedState(fire, refusal) });
      o.logger.warn({ ...fire, runId: claim.run.id, reason: refusal }, 'a scheduled run was refused');
      return { outcome: 'refused', runId: claim.run.id, workflowId, message: refusal };
    }
    const input: RunFlowInput = {
      snapshot: version.snapshot,
      trigger,
      options: {
        runId: claim.run.id,
        workspaceId: fire.workspaceId,
        flowId: fire.flowId,
        version: version.version,
        mode: fire.mode,
        actionDefaults: actionDefaultsOf(version.snapshot, catalog),
        record: true,
      },
    };
    const memo = { runId: claim.run.id, flowId: fire.flowId, version: version.version, mode: fire.mode };
    return { outcome: 'start', runId: claim.run.id, workflowId, input, memo };
  };
}

/** Why the API's start path would refuse this run now, or undefined: the plan, Backend functions, the input's size. */
async function refusalOf(db: Db, catalog: CatalogIndex, workspaceId: string, snapshot: FlowSnapshot, trigger: TriggerPayload): Promise<string | undefined> {
  const tooLarge = runInputTooLarge({ snapshot, trigger });
  if (tooLarge) return tooLarge;
  if (needsPlanCheck(snapshot, catalog)) {
    const [problem] = planProblemsFor((await ensureAccount(db, workspaceId)).plan, snapshot, catalog);
    if (problem) return problem.message;
  }
  const instant = instantIntegrationNodes(snapshot, catalog);
  if (instant.length > 0 && !(await getSettings(db, workspaceId)).backendFunctions) return backendFunctionsProblemsFor(instant)[0]!.message;
  return undefined;
}

/** A refused start, stored as a run that failed before its first node (its error says why). */
function refusedState(fire: AdmitScheduledRunInput, message: string): RunState {
  return {
    status: 'failed',
    mode: fire.mode,
    nodes: {},
    error: { type: 'StartRefused', message: `The scheduled run was not started: ${message}` },
    startedAt: fire.actualTime,
    endedAt: new Date().toISOString(),
  };
}

export function createMarkScheduledRunStartedActivity(db: Db): MarkScheduledRunStartedActivity {
  return ({ runId, temporalRunId }) => markRunStarted(db, runId, temporalRunId);
}
