import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { CatalogIndex, RunMode } from '../../../core/src/catalog-sdk';
import { AppError } from '../../../core/src/errors';
import { walkNodes, type FlowSnapshot } from '../../../core/src/flow';
import { RUN_FLOW_WORKFLOW } from '../../../core/src/names';
import { RunQueries, type RunFlowInput, type RunOptions, type RunState, type TriggerPayload } from '../../../core/src/run';
import type { Db } from '../../../store/src/database';
import { attemptsOfRun } from '../../../store/src/attempts.repository';
import { runCost } from '../../../store/src/credits.repository';
import * as runs from '../../../store/src/runs.repository';
import type { TemporalAccess } from '../temporal';
import { requirePlanForRun } from './credits.service';
import { requireBackendFunctionsForRun } from './settings.service';

/** Who is asking: the workspace of the API key, and its mode (a test key sees and operates test runs only). */
export interface Caller {
  workspaceId: string;
  mode: RunMode;
}

/** The caller's run: 404 outside its workspace, 403 when a test key addresses a live run. */
export async function requireRun(db: Db, caller: Caller, runId: string) {
  const row = await runs.getRun(db, caller.workspaceId, runId);
  if (!row) throw new AppError('NOT_FOUND', `There is no run "${runId}" in this workspace`);
  if (caller.mode === 'test' && row.mode !== 'test')
    throw new AppError('FORBIDDEN', `Run "${runId}" is a live run: a test key (sy_test_…) can read and operate test runs only. Use the workspace's live key.`, {
      testKey: true,
    });
  return row;
}

export interface StartRunRequest {
  workspaceId: string;
  flowId: string;
  version: number;
  snapshot: FlowSnapshot;
  trigger: TriggerPayload;
  mode: RunMode;
  /** Same id → same run: the dedupe key for app events and webhook deliveries. */
  workflowId: string;
  /** Start with this signal (`signalWithStart`): webhook deliveries. */
  signal?: { name: string; args: unknown[] };
}

/**
 * Starts a run exactly once per workflow id. The run row is claimed first (unique workflow id), then the
 * workflow is started; if Temporal refuses or is unreachable the claim is released, so no run is ever
 * recorded as started without a workflow behind it.
 */
export async function startRun(
  db: Db,
  temporal: TemporalAccess,
  catalog: CatalogIndex,
  r: StartRunRequest,
): Promise<{ runId: string; workflowId: string; created: boolean }> {
  // A version published before a downgrade to Free does not run: refused here, naming the plan.
  await requirePlanForRun(db, r.workspaceId, r.snapshot, catalog);
  // And one with the generic HTTP action while Backend functions were switched off after it was published.
  await requireBackendFunctionsForRun(db, r.workspaceId, r.snapshot, catalog);
  const claim = await runs.claimRun(db, {
    workspaceId: r.workspaceId,
    flowId: r.flowId,
    version: r.version,
    workflowId: r.workflowId,
    mode: r.mode,
    trigger: r.trigger,
  });
  // A claim still `starting` is a start in flight, or one whose process died before Temporal answered:
  // start again (Temporal refuses a second workflow with the id), so a resend never finds a run that never began.
  if (!claim.created && claim.run.status !== 'starting') return { runId: claim.run.id, workflowId: r.workflowId, created: false };
  const options: RunOptions = {
    runId: claim.run.id,
    workspaceId: r.workspaceId,
    flowId: r.flowId,
    version: r.version,
    mode: r.mode,
    actionDefaults: actionDefaults(r.snapshot, catalog),
    record: true,
  };
  const input: RunFlowInput = { snapshot: r.snapshot, trigger: r.trigger, options };
  try {
    const start = {
      args: [input] as [RunFlowInput],
      taskQueue: temporal.taskQueue,
      workflowId: r.workflowId,
      // A resent event must not start the workflow again, even after the first run finished.
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      memo: { runId: claim.run.id, flowId: r.flowId, version: r.version, mode: r.mode },
    };
    const signal = r.signal;
    const temporalRunId = await temporal.call(async (client) =>
      signal
        ? (await client.workflow.signalWithStart(RUN_FLOW_WORKFLOW, { ...start, signal: signal.name, signalArgs: signal.args })).signaledRunId
        : (await client.workflow.start(RUN_FLOW_WORKFLOW, start)).firstExecutionRunId,
    );
    await runs.markRunStarted(db, claim.run.id, temporalRunId);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      await runs.markRunStarted(db, claim.run.id, '');
      return { runId: claim.run.id, workflowId: r.workflowId, created: false };
    }
    // A start that timed out may still have reached Temporal: keep the claim if the workflow exists.
    const started = await temporal.call((client) => client.workflow.getHandle(r.workflowId).describe()).catch(() => undefined);
    if (started) {
      await runs.markRunStarted(db, claim.run.id, started.runId);
      return { runId: claim.run.id, workflowId: r.workflowId, created: claim.created };
    }
    if (claim.created) await runs.releaseRun(db, claim.run.id);
    throw err;
  }
  return { runId: claim.run.id, workflowId: r.workflowId, created: claim.created };
}

/** Catalog defaults (retry, timeout) for each action in the snapshot, frozen into the run's input. */
function actionDefaults(snapshot: FlowSnapshot, catalog: CatalogIndex): RunOptions['actionDefaults'] {
  const out: RunOptions['actionDefaults'] = {};
  for (const { node } of walkNodes(snapshot)) {
    if (node.type !== 'action' || out[node.action]) continue;
    const info = catalog.getAction(node.action);
    if (info) out[node.action] = { ...(info.retry ? { retry: info.retry } : {}), ...(info.timeout ? { timeout: info.timeout } : {}) };
  }
  return out;
}

/** A run with its per-node state: live from the workflow while it runs, from the database after. */
export async function runDetail(db: Db, temporal: TemporalAccess, caller: Caller, runId: string) {
  const row = await requireRun(db, caller, runId);
  const { workspaceId } = caller;
  let state = row.state ? (JSON.parse(row.state) as RunState) : undefined;
  let status = row.status;
  // A live run answers from the workflow itself (the stored state is only a snapshot from its last park).
  if (['running', 'starting', 'parked', 'waitingForCredits'].includes(status)) {
    try {
      const handle = temporal.client.workflow.getHandle(row.workflow_id);
      state = await temporal.call(() => handle.query<RunState>(RunQueries.state));
      // A run ended by terminate never reports itself: take the truth from Temporal.
      const description = await temporal.call(() => handle.describe());
      const closed = { TERMINATED: 'cancelled', CANCELLED: 'cancelled', FAILED: 'failed', TIMED_OUT: 'failed', COMPLETED: 'completed' } as const;
      const temporalStatus = description.status.name as keyof typeof closed;
      if (temporalStatus in closed) {
        // The workflow ended without its end reaching the database (terminated, or its report was lost): record it now.
        if (!['completed', 'failed', 'cancelled'].includes(state.status)) {
          state = { ...state, status: closed[temporalStatus], endedAt: description.closeTime?.toISOString() ?? new Date().toISOString() };
        }
        await runs.finishRun(db, { runId, workspaceId, state });
      }
      status = state.status;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && !(err instanceof AppError)) throw err;
    }
  }
  // Every attempt of every action node (Temporal keeps only the last failure of an activity).
  const attemptLog = new Map<
    string,
    { activityId: string; attempt: number; status: string; error: string | null; startedAt: string; endedAt: string | null }[]
  >();
  for (const a of await attemptsOfRun(db, workspaceId, row.workflow_id)) {
    const list = attemptLog.get(a.node_key) ?? [];
    list.push({ activityId: a.activity_id, attempt: a.attempt, status: a.status, error: a.error, startedAt: a.started_at, endedAt: a.ended_at });
    attemptLog.set(a.node_key, list);
  }
  return {
    id: row.id,
    flowId: row.flow_id,
    version: row.version,
    workflowId: row.workflow_id,
    mode: row.mode,
    status,
    trigger: JSON.parse(row.trigger) as TriggerPayload,
    createdAt: row.created_at,
    startedAt: state?.startedAt ?? row.created_at,
    endedAt: state?.endedAt ?? row.ended_at,
    output: state?.output,
    error: state?.error,
    /** What the run cost: credits charged (0 in test mode), their list price, API requests sent. */
    cost: await runCost(db, workspaceId, row.workflow_id),
    nodes: (state ? Object.values(state.nodes) : []).map((n) => ({ ...n, attemptLog: attemptLog.get(n.key) ?? [] })),
  };
}

export async function cancelRun(db: Db, temporal: TemporalAccess, caller: Caller, runId: string) {
  const row = await requireRun(db, caller, runId);
  if (!['running', 'starting', 'parked', 'waitingForCredits'].includes(row.status)) {
    throw new AppError('CONFLICT', `Run "${runId}" is ${row.status}; only a running or parked run can be cancelled (or one waiting for credits)`);
  }
  await temporal.call((client) => client.workflow.getHandle(row.workflow_id).cancel());
  return { runId, status: 'cancelling' };
}
