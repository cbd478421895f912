import type { NodeError, RunState, RunStatus, TriggerPayload, TriggerType } from '#core/run';
import { sql } from 'kysely';
import type { Db } from './database';
import { nowIso } from './database';
import { newId } from './ids';

export interface NewRun {
  workspaceId: string;
  flowId: string;
  version: number;
  workflowId: string;
  mode: 'live' | 'test';
  trigger: unknown;
}

/**
 * Claims a workflow id by inserting the run as `starting`. The unique workflow_id makes this the
 * dedupe point: a second claim of the same id returns the existing run with `created: false`.
 */
export async function claimRun(db: Db, run: NewRun) {
  const row = {
    id: newId('run'),
    workspace_id: run.workspaceId,
    flow_id: run.flowId,
    version: run.version,
    workflow_id: run.workflowId,
    temporal_run_id: null,
    mode: run.mode,
    status: 'starting' satisfies RunStatus,
    trigger: JSON.stringify(run.trigger),
    state: null,
    error: null,
    created_at: nowIso(),
    ended_at: null,
  };
  const inserted = await db
    .insertInto('runs')
    .values(row)
    .onConflict((oc) => oc.column('workflow_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { run: row, created: true };
  const existing = await db.selectFrom('runs').selectAll().where('workflow_id', '=', run.workflowId).executeTakeFirstOrThrow();
  return { run: existing, created: false };
}

export async function markRunStarted(db: Db, runId: string, temporalRunId: string) {
  // `running` only from `starting` (a fast run may already have recorded its end); the Temporal run id if not known yet. One statement: it is on every start's path.
  await db
    .updateTable('runs')
    .set({
      status: sql<string>`case when status = 'starting' then 'running' else status end`,
      temporal_run_id: sql<string>`case when status = 'starting' or temporal_run_id is null then ${temporalRunId} else temporal_run_id end`,
    })
    .where('id', '=', runId)
    .execute();
}

/** Removes a claim whose workflow never started (Temporal refused or was unreachable). */
export async function releaseRun(db: Db, runId: string) {
  await db.deleteFrom('runs').where('id', '=', runId).where('status', '=', 'starting').execute();
}

export async function finishRun(db: Db, run: { runId: string; workspaceId: string; state: RunState }) {
  await db
    .updateTable('runs')
    .set({
      status: run.state.status,
      state: JSON.stringify(run.state),
      error: run.state.error ? JSON.stringify(run.state.error) : null,
      ended_at: run.state.endedAt ?? nowIso(),
    })
    .where('id', '=', run.runId)
    .where('workspace_id', '=', run.workspaceId)
    .execute();
}

/** A live run's status and state (parked, running again), without ending it. */
export async function updateRunProgress(db: Db, run: { runId: string; workspaceId: string; state: RunState }) {
  await db
    .updateTable('runs')
    .set({ status: run.state.status, state: JSON.stringify(run.state) })
    .where('id', '=', run.runId)
    .where('workspace_id', '=', run.workspaceId)
    .where('ended_at', 'is', null)
    .execute();
}

/** A failed run reset in Temporal runs again: same row, the new Temporal run id, no end yet. */
export async function reopenRun(db: Db, run: { runId: string; workspaceId: string; temporalRunId: string }) {
  await db
    .updateTable('runs')
    .set({ status: 'running', temporal_run_id: run.temporalRunId, ended_at: null, error: null })
    .where('id', '=', run.runId)
    .where('workspace_id', '=', run.workspaceId)
    .execute();
}

/** Undoes reopenRun when the reset itself failed. */
export async function restoreFailedRun(db: Db, run: { runId: string; workspaceId: string; status: string; error: RunError | null; endedAt: string | null }) {
  await db
    .updateTable('runs')
    .set({ status: run.status, error: run.error === null ? null : JSON.stringify(run.error), ended_at: run.endedAt })
    .where('id', '=', run.runId)
    .where('workspace_id', '=', run.workspaceId)
    .where('ended_at', 'is', null)
    .execute();
}

export async function setTemporalRunId(db: Db, run: { runId: string; workspaceId: string; temporalRunId: string }) {
  await db.updateTable('runs').set({ temporal_run_id: run.temporalRunId }).where('id', '=', run.runId).where('workspace_id', '=', run.workspaceId).execute();
}

/** A run's row with its JSON columns parsed: the one shape services see (no `JSON.parse(...) as` above the store). */
export interface RunRecord {
  id: string;
  workspace_id: string;
  flow_id: string;
  version: number;
  workflow_id: string;
  temporal_run_id: string | null;
  mode: 'live' | 'test';
  status: RunStatus;
  trigger: TriggerPayload;
  /** The last state recorded (at a park, a wait or the end); the live state is the workflow's. */
  state: RunState | null;
  error: RunError | null;
  created_at: string;
  ended_at: string | null;
}

/** Why a run failed: the failed node's error and its key. */
export type RunError = NodeError & { nodeId?: string };

function toRecord<R extends { trigger: string; state: string | null; error: string | null }>(row: R) {
  return {
    ...row,
    trigger: JSON.parse(row.trigger) as TriggerPayload,
    state: row.state === null ? null : (JSON.parse(row.state) as RunState),
    error: row.error === null ? null : (JSON.parse(row.error) as RunError),
  };
}

/**
 * Runs still `starting` that were claimed before `before`, oldest first: claims whose process may have died between
 * the claim and Temporal's answer (server/src/services/stuck-starts.service.ts). Across workspaces: a system sweep.
 */
export async function runsStartingBefore(db: Db, before: string, limit = 100): Promise<RunRecord[]> {
  const rows = await db
    .selectFrom('runs')
    .selectAll()
    .where('status', '=', 'starting')
    .where('created_at', '<', before)
    .orderBy('created_at', 'asc')
    .limit(limit)
    .execute();
  return rows.map((row) => toRecord(row) as RunRecord);
}

/** The run of a workflow id, while the database still shows it live (not ended). */
export async function liveRunOfWorkflow(db: Db, workflowId: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom('runs').selectAll().where('workflow_id', '=', workflowId).where('ended_at', 'is', null).executeTakeFirst();
  return row && (toRecord(row) as RunRecord);
}

export async function getRun(db: Db, workspaceId: string, id: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom('runs').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row && (toRecord(row) as RunRecord);
}

/** The runs of these workflow ids in the workspace (a schedule's recent fires). */
export async function runsOfWorkflows(db: Db, workspaceId: string, workflowIds: string[]) {
  if (workflowIds.length === 0) return [];
  return db
    .selectFrom('runs')
    .select(['id', 'workflow_id', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('workflow_id', 'in', workflowIds)
    .execute();
}

export interface RunFilter {
  flowId?: string;
  status?: RunStatus;
  mode?: 'live' | 'test';
  /** How the runs started: `schedule`, `event`, `manual` or `webhook` (the first part of their workflow id, core/src/names.ts). */
  trigger?: TriggerType;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listRuns(db: Db, workspaceId: string, f: RunFilter) {
  let q = db
    .selectFrom('runs')
    .select(['id', 'flow_id', 'version', 'workflow_id', 'mode', 'status', 'error', 'created_at', 'ended_at'])
    .where('workspace_id', '=', workspaceId);
  if (f.flowId) q = q.where('flow_id', '=', f.flowId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.mode) q = q.where('mode', '=', f.mode);
  if (f.trigger) q = q.where('workflow_id', 'like', `${f.trigger}:%`);
  if (f.from) q = q.where('created_at', '>=', f.from);
  if (f.to) q = q.where('created_at', '<', f.to);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
  return rows.map((r) => ({
    ...r,
    mode: r.mode as RunRecord['mode'],
    status: r.status as RunStatus,
    error: r.error === null ? null : (JSON.parse(r.error) as RunError),
  }));
}

/**
 * Live runs with a node waiting for credits, oldest first, at most `limit`: runs shown as waiting for credits and
 * parked runs (a node waits for a decision) whose stored state has another node waiting for credits. A run parked
 * only for a decision is not one. `workspaceId` narrows to one workspace; `funded` to workspaces with credits left.
 */
export async function runsWaitingForCredits(
  db: Db,
  o: { workspaceId?: string; funded?: boolean; limit: number },
): Promise<{ id: string; workflowId: string }[]> {
  let q = db
    .selectFrom('runs')
    .select(['runs.id', 'runs.workflow_id', 'runs.status', 'runs.state'])
    .where('runs.status', 'in', ['waitingForCredits', 'parked'])
    .where('runs.ended_at', 'is', null);
  if (o.workspaceId !== undefined) q = q.where('runs.workspace_id', '=', o.workspaceId);
  if (o.funded) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('credit_accounts as a')
          .select('a.workspace_id')
          .whereRef('a.workspace_id', '=', 'runs.workspace_id')
          .where(sql<number>`a.allowance_balance + a.topup_balance`, '>', 0),
      ),
    );
  }
  const rows = await q.orderBy('runs.created_at').limit(o.limit).execute();
  return rows.filter((r) => r.status === 'waitingForCredits' || waitsForCredits(r.state)).map((r) => ({ id: r.id, workflowId: r.workflow_id }));
}

function waitsForCredits(state: string | null): boolean {
  if (!state) return false;
  try {
    return Object.values((JSON.parse(state) as RunState).nodes ?? {}).some((n) => n.status === 'waitingForCredits');
  } catch {
    return false;
  }
}

/**
 * Live runs of the workspace and mode with a node waiting for a reconnect of `connectionId`, oldest first, at most
 * `limit`: whatever the run's own status shows (a parked node or one waiting for credits outranks it).
 */
export async function runsWaitingForReconnect(
  db: Db,
  o: { workspaceId: string; connectionId: string; mode: 'live' | 'test'; limit: number },
): Promise<{ id: string; workflowId: string }[]> {
  const rows = await db
    .selectFrom('runs')
    .select(['runs.id', 'runs.workflow_id', 'runs.state'])
    .where('runs.workspace_id', '=', o.workspaceId)
    .where('runs.mode', '=', o.mode)
    .where('runs.status', 'in', ['waitingForReconnect', 'waitingForCredits', 'parked'])
    .where('runs.ended_at', 'is', null)
    .orderBy('runs.created_at')
    .limit(o.limit)
    .execute();
  const waits = (state: string | null) => {
    if (!state) return false;
    try {
      return Object.values((JSON.parse(state) as RunState).nodes ?? {}).some(
        (n) => n.status === 'waitingForReconnect' && n.error?.connectionId === o.connectionId,
      );
    } catch {
      return false;
    }
  };
  return rows.filter((r) => waits(r.state)).map((r) => ({ id: r.id, workflowId: r.workflow_id }));
}
