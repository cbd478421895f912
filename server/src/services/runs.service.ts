import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ActionInfo, CatalogIndex, RunMode } from '#core/catalog-sdk';
import { withImported } from '#core/instant';
import { importedForRefs } from '#store/imported-integrations.repository';
import { AppError } from '#core/errors';
import type { FlowSnapshot } from '#core/flow';
import { actionDefaultsOf, runInputTooLarge } from '#core/run-admission';
import { RUN_FLOW_WORKFLOW, WorkflowIds } from '#core/names';
import { disabledFlowsFor, versionsSubscribedTo } from '#store/flows.repository';
import { LIVE_RUN_STATUSES, UNFINISHED_NODE_STATUSES, type NodeError, type RunFlowInput, type RunOptions, type RunState, type TriggerPayload } from '#core/run';
import type { Logger } from 'pino';
import type { Db } from '#store/database';
import { attemptsOfRun, RESET_MARK } from '#store/attempts.repository';
import { runCost } from '#store/credits.repository';
import * as runs from '#store/runs.repository';
import type { TemporalAccess } from '../temporal';
import { requirePlanForRun } from './credits.service';
import { closedOutside, isStuck, queryRunState, stuckWorkflowTask } from './live-runs.service';
import { requireBackendFunctionsForRun } from './settings.service';
import { actionRefsOf } from './imported.service';

/** Who is asking: the workspace of the API key, and its mode (a test key sees and operates test runs only). */
export interface Caller {
  workspaceId: string;
  mode: RunMode;
  /** Set for a publishable key (`sy_pub_…`): it starts only flows whose trigger is marked public. */
  publishable?: unknown;
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

/** Runs, newest first; a test key's list holds test runs only, whatever the filter asks for. */
export async function listRunSummaries(db: Db, caller: Caller, filter: runs.RunFilter) {
  const rows = await runs.listRuns(db, caller.workspaceId, { ...filter, ...(caller.mode === 'test' ? { mode: 'test' as const } : {}) });
  return rows.map((r) => ({
    id: r.id,
    flowId: r.flow_id,
    version: r.version,
    workflowId: r.workflow_id,
    mode: r.mode,
    status: r.status,
    error: r.error ?? undefined,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  }));
}

/**
 * An app event: starts every published flow subscribed to it, each once per event id (the workflow id derives
 * from the event id, so a resend finds the same run).
 */
export async function startEventRuns(
  deps: { db: Db; temporal: TemporalAccess; catalog: CatalogIndex },
  caller: Caller,
  event: { name: string; id: string; data: unknown },
) {
  const started = [];
  for (const v of await versionsSubscribedTo(deps.db, caller.workspaceId, event.name)) {
    // A browser's key starts only the flows that say a browser may (the event trigger's `public`).
    if (caller.publishable && !(v.snapshot.trigger.type === 'event' && v.snapshot.trigger.public === true)) continue;
    const run = await startRun(deps.db, deps.temporal, deps.catalog, {
      workspaceId: caller.workspaceId,
      flowId: v.flow_id,
      version: v.version,
      snapshot: v.snapshot,
      trigger: { type: 'event', name: event.name, id: event.id, data: event.data },
      mode: caller.mode,
      workflowId: WorkflowIds.event({ workspaceId: caller.workspaceId, flowId: v.flow_id, mode: caller.mode, eventId: event.id }),
    });
    started.push({ flowId: v.flow_id, runId: run.runId, duplicate: !run.created });
  }
  return started;
}

/** The disabled flows an app event would have started: said in the event's answer, so nothing is silently lost. */
export async function ignoredByDisabledFlows(db: Db, workspaceId: string, eventName: string) {
  return (await disabledFlowsFor(db, workspaceId, eventName)).map((flowId) => ({ flowId, reason: 'disabled' as const }));
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
  requireInputFits(r);
  // The workspace's imported integrations are part of its catalog: the versions this snapshot pins.
  const imported = await importedForRefs(db, r.workspaceId, actionRefsOf(r.snapshot));
  catalog = withImported(catalog as CatalogIndex & { actions: ActionInfo[] }, imported);
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
    actionDefaults: actionDefaultsOf(r.snapshot, catalog),
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

/** The workflow's input is one Temporal payload: refused before anything is claimed, naming the size (core's rule). */
function requireInputFits(r: StartRunRequest): void {
  const tooLarge = runInputTooLarge(r);
  if (tooLarge) throw new AppError('PAYLOAD_TOO_LARGE', tooLarge);
}

/** A run with its per-node state: live from the workflow while it runs, from the database after. */
export async function runDetail(db: Db, temporal: TemporalAccess, caller: Caller, runId: string) {
  const row = await requireRun(db, caller, runId);
  const { workspaceId } = caller;
  let state = row.state ?? undefined;
  let status = row.status;
  let stuck: { message: string; attempts: number } | undefined;
  // A live run answers from the workflow itself (the stored state is only a snapshot from its last park). A read only:
  // a run stopped from outside shows how it ended here at once, and is recorded by the sweep (reconcileRun).
  if (LIVE_STATUSES.includes(status)) {
    const live = await observeRun(temporal, row, state);
    if (live) ({ state, stuck } = live);
    status = state?.status ?? status;
  }
  // Every attempt of every action node (Temporal keeps only the last failure of an activity).
  const attemptLog = new Map<
    string,
    { activityId: string; beforeReset?: number; attempt: number; status: string; error: string | null; startedAt: string; endedAt: string | null }[]
  >();
  for (const a of await attemptsOfRun(db, workspaceId, row.workflow_id)) {
    const list = attemptLog.get(a.node_key) ?? [];
    // An attempt from before a reset keeps its own row (attempts.repository: `~resetN`).
    const [activityId, reset] = a.activity_id.split(RESET_MARK);
    list.push({
      activityId: activityId!,
      ...(reset ? { beforeReset: Number(reset) } : {}),
      attempt: a.attempt,
      status: a.status,
      error: a.error,
      startedAt: a.started_at,
      endedAt: a.ended_at,
    });
    attemptLog.set(a.node_key, list);
  }
  return {
    id: row.id,
    flowId: row.flow_id,
    version: row.version,
    workflowId: row.workflow_id,
    mode: row.mode,
    status,
    trigger: row.trigger,
    createdAt: row.created_at,
    startedAt: state?.startedAt ?? row.created_at,
    endedAt: state?.endedAt ?? row.ended_at,
    output: state?.output,
    error: state?.error,
    /** What the run cost: credits charged (0 in test mode), their list price, API requests sent. */
    cost: await runCost(db, workspaceId, row.workflow_id),
    nodes: (state ? Object.values(state.nodes) : []).map((n) => ({ ...n, attemptLog: attemptLog.get(n.key) ?? [] })),
    /** Set while Temporal keeps retrying a failing workflow task of this run (see stuckWorkflowTask). */
    ...(stuck ? { stuck } : {}),
  };
}

const LIVE_STATUSES: readonly string[] = LIVE_RUN_STATUSES;
const ENDED_STATUSES: string[] = ['completed', 'failed', 'cancelled'];

/**
 * The truth about a run the database still shows live, from Temporal: its state (the query), and how it closed when
 * it ended without recording its end (terminated, timed out). A read: it writes nothing (recording such an end is
 * reconcileRun's job, run by the server's sweep). Never throws for a run Temporal cannot answer about: the stored
 * state stands (undefined: Temporal is unreachable or has no such workflow).
 */
async function observeRun(temporal: TemporalAccess, row: { workflow_id: string; mode: string }, stored?: RunState) {
  const handle = temporal.client.workflow.getHandle(row.workflow_id);
  let description;
  try {
    description = await temporal.call(() => handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || err instanceof AppError) return undefined;
    throw err;
  }
  if (['RUNNING', 'CONTINUED_AS_NEW', 'PAUSED', 'UNSPECIFIED', 'UNKNOWN'].includes(description.status.name)) {
    // A stuck workflow cannot answer a query (its task fails): the stored state stands.
    const stuck = await stuckWorkflowTask(temporal, handle, description).catch(() => undefined);
    return { state: stuck ? stored : await queryRunState(temporal, handle).catch(() => stored), stuck, closed: false };
  }
  // A closed workflow is queried by replaying its history on a worker: the query may fail (no worker, a task that cannot replay).
  const state = await queryRunState(temporal, handle).catch(() => stored);
  // Closed. The interpreter records its own end; a workflow stopped from outside (terminate, timeout) never does.
  let ended = state ?? { status: 'running', mode: row.mode as RunMode, nodes: {}, startedAt: description.startTime.toISOString() };
  if (!ENDED_STATUSES.includes(ended.status)) {
    const endedAt = description.closeTime?.toISOString() ?? new Date().toISOString();
    const outside = await closedOutside(temporal, handle, description);
    ended = outside ? endEarly(ended, outside, endedAt) : { ...ended, status: 'completed', endedAt };
  }
  return { state: ended, stuck: undefined, closed: true };
}

/**
 * The reconcile step: a run the database shows live whose workflow has closed (stopped from outside Switchyard, so
 * the interpreter never recorded its end) gets its end recorded. Returns the state it recorded, if any.
 */
async function reconcileRun(
  db: Db,
  temporal: TemporalAccess,
  row: { id: string; workspace_id: string; workflow_id: string; mode: string; state: RunState | null },
) {
  const observed = await observeRun(temporal, row, row.state ?? undefined);
  if (!observed?.closed || !observed.state) return undefined;
  await runs.finishRun(db, { runId: row.id, workspaceId: row.workspace_id, state: observed.state });
  return observed.state;
}

/**
 * Records the runs Temporal stopped from outside (terminated, timed out) since `since`, without waiting for someone
 * to open them: the run list shows them failed too. Uses Temporal's visibility store; returns how many it recorded.
 */
export async function recordStoppedRuns(db: Db, temporal: TemporalAccess, since: Date): Promise<number> {
  const query = `WorkflowType = '${RUN_FLOW_WORKFLOW}' AND ExecutionStatus IN ('Terminated', 'TimedOut') AND CloseTime > '${since.toISOString()}'`;
  let recorded = 0;
  for await (const workflow of temporal.client.workflow.list({ query })) {
    const row = await runs.liveRunOfWorkflow(db, workflow.workflowId);
    if (!row) continue;
    const ended = await reconcileRun(db, temporal, row);
    if (ended && ENDED_STATUSES.includes(ended.status)) recorded++;
  }
  return recorded;
}

/**
 * Runs recordStoppedRuns every `everyMs` (default a minute): first over the last day, then since the last sweep that
 * worked (with 5 minutes of overlap, for the visibility store's lag). Returns the function that stops it.
 */
export function startStoppedRunSweep(o: { db: Db; temporal: TemporalAccess; logger: Logger; everyMs?: number }): () => void {
  let since = new Date(Date.now() - 86_400_000);
  const sweep = async () => {
    const started = Date.now();
    try {
      const recorded = await recordStoppedRuns(o.db, o.temporal, since);
      since = new Date(started - 300_000);
      if (recorded > 0) o.logger.info({ recorded }, 'recorded runs Temporal stopped from outside as failed');
    } catch (err) {
      o.logger.warn({ err }, 'could not look for runs Temporal stopped from outside; trying again later');
    }
  };
  const every = setInterval(() => void sweep(), o.everyMs ?? 60_000);
  every.unref();
  return () => clearInterval(every);
}

/** The state of a run Temporal stopped from outside: failed with Temporal's reason; nodes still under way failed with it. */
function endEarly(state: RunState, error: NodeError, endedAt: string): RunState {
  const nodes = Object.fromEntries(
    Object.entries(state.nodes).map(([key, n]) => [
      key,
      (UNFINISHED_NODE_STATUSES as readonly string[]).includes(n.status) ? { ...n, status: 'failed' as const, error, endedAt } : n,
    ]),
  );
  return { ...state, status: 'failed', error, nodes, endedAt };
}

export async function cancelRun(db: Db, temporal: TemporalAccess, caller: Caller, runId: string) {
  const row = await requireRun(db, caller, runId);
  if (!LIVE_STATUSES.includes(row.status)) {
    throw new AppError('CONFLICT', `Run "${runId}" is ${row.status}; only a running or parked run can be cancelled (or one waiting for credits)`);
  }
  const handle = temporal.client.workflow.getHandle(row.workflow_id);
  // A stuck workflow (its task keeps failing) would never carry a cancellation out: it is terminated, and its run recorded as failed with this reason.
  if (await temporal.call(() => handle.describe()).then(isStuck, () => false)) {
    await temporal.call(() => handle.terminate('Cancelled from Switchyard while its workflow task kept failing'));
    return { runId, status: 'terminated' };
  }
  await temporal.call(() => handle.cancel());
  return { runId, status: 'cancelling' };
}
