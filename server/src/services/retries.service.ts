import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import Long from 'long';
import { AppError } from '#core/errors';
import { RunUpdates, type NodeDecision, type RunStatus } from '#core/run';
import type { Db } from '#store/database';
import * as runs from '#store/runs.repository';
import type { TemporalAccess } from '../temporal';
import type { Request } from 'express';
import { changedPaths } from '#core/json-diff';
import type { AuthContext } from '../http/auth';
import { audit } from './audit.service';
import { requireRun, type Caller } from './runs.service';

/**
 * Decides for a parked node through the workflow's `decideNode` Update. The workflow's validator refuses
 * a node that is not parked; that refusal becomes a 409 with its message.
 */
export async function decideNode(db: Db, temporal: TemporalAccess, caller: Caller, runId: string, decision: NodeDecision) {
  const row = await requireRun(db, caller, runId);
  if (!['running', 'parked'].includes(row.status))
    throw new AppError(
      'CONFLICT',
      `Run "${runId}" is ${row.status}; nodes can be retried only while a run is parked (a failed run can be reset: POST /api/runs/${runId}/reset)`,
    );
  try {
    // An Update waits for a worker to accept it: allow longer than a plain call.
    await temporal.call((client) => client.workflow.getHandle(row.workflow_id).executeUpdate(RunUpdates.decideNode, { args: [decision] }), {
      deadlineMs: 30_000,
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new AppError('CONFLICT', err.cause?.message ?? err.message);
    // The run ended after its row was read (another decision finished it, or its end is not recorded yet).
    if (err instanceof WorkflowNotFoundError)
      throw new AppError('CONFLICT', `Run "${runId}" has already ended; nodes can be retried only while a run is parked`);
    throw err;
  }
  return { runId, nodeKey: decision.nodeKey, action: decision.action, accepted: true };
}

/**
 * `decideNode` for a person or key, recorded in the audit log. A retry with edited input records which fields changed
 * against the parked node's input (paths only: an input may hold a credential typed into it).
 */
export async function decideNodeRecorded(db: Db, temporal: TemporalAccess, auth: AuthContext, req: Request, runId: string, decision: NodeDecision) {
  const edited = decision.action === 'retry' && decision.input !== undefined;
  const before = edited ? (await runs.getRun(db, auth.workspaceId, runId))?.state?.nodes?.[decision.nodeKey]?.input : undefined;
  const result = await decideNode(db, temporal, auth, runId, decision);
  const action = decision.action === 'retry' ? 'run.retried' : decision.action === 'skip' ? 'run.skipped' : 'run.aborted';
  await audit(db, auth, req, action, {
    target: `${runId} / ${decision.nodeKey}`,
    details: {
      runId,
      nodeKey: decision.nodeKey,
      ...(decision.action === 'retry' ? { inputEdited: edited, ...(edited ? { changedFields: changedPaths(before, decision.input) } : {}) } : {}),
      ...(decision.action === 'skip' ? { outputGiven: decision.output !== undefined } : {}),
      ...(decision.action === 'abort' && decision.reason ? { reason: decision.reason } : {}),
    },
  });
  return result;
}

/**
 * Retries a run that already failed: resets its workflow to just before the failed node's activity was
 * scheduled. Everything completed before that point keeps its result and is not run again; what was
 * scheduled after it (the failed node, and parallel branches started after it) runs again.
 */
export async function resetRun(db: Db, temporal: TemporalAccess, caller: Caller, runId: string) {
  const row = await requireRun(db, caller, runId);
  const { workspaceId } = caller;
  if (row.status !== 'failed')
    throw new AppError('CONFLICT', `Run "${runId}" is ${row.status}; only a failed run can be reset (a parked node is retried instead)`);
  const handle = temporal.client.workflow.getHandle(row.workflow_id);
  const history = await temporal.call(() => handle.fetchHistory());
  const events = history.events ?? [];
  // The last activity that failed, or (a big loop's item failed in its batch) the last batch that failed, and the
  // workflow task that scheduled it: the batch runs again, the batches before it keep their results.
  const failed = [...events]
    .reverse()
    .find((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes || e.childWorkflowExecutionFailedEventAttributes);
  const scheduledId = Number(
    failed?.activityTaskFailedEventAttributes?.scheduledEventId ??
      failed?.activityTaskTimedOutEventAttributes?.scheduledEventId ??
      failed?.childWorkflowExecutionFailedEventAttributes?.initiatedEventId ??
      0,
  );
  const scheduled = events.find((e) => Number(e.eventId) === scheduledId);
  const resetTo = Number(
    scheduled?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ??
      scheduled?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId ??
      0,
  );
  if (!resetTo) throw new AppError('CONFLICT', `Run "${runId}" did not fail in an action, so there is no step to retry from; start a new run instead`);
  const description = await temporal.call(() => handle.describe());
  // Reopen the row first: the reset run may finish (and record its end) before the reset call returns.
  await runs.reopenRun(db, { runId, workspaceId, temporalRunId: description.runId });
  let newRunId: string | null | undefined;
  try {
    ({ runId: newRunId } = await temporal.call((client) =>
      client.workflowService.resetWorkflowExecution({
        namespace: client.options.namespace,
        workflowExecution: { workflowId: row.workflow_id, runId: description.runId },
        workflowTaskFinishEventId: Long.fromNumber(resetTo),
        reason: `Retry of run ${runId} from its failed step`,
        requestId: `${runId}:${description.runId}:${resetTo}`,
      }),
    ));
  } catch (err) {
    await runs.restoreFailedRun(db, { runId, workspaceId, status: row.status, error: row.error, endedAt: row.ended_at });
    throw err;
  }
  await runs.setTemporalRunId(db, { runId, workspaceId, temporalRunId: newRunId ?? '' });
  return { runId, status: 'running' satisfies RunStatus, resetToEventId: resetTo };
}

export interface BulkRetryFilter {
  flowId?: string;
  status: 'parked' | 'failed';
  /** Only runs whose error has this type (`NonRetryable`, `Retryable`, `Timeout`, …). */
  errorType?: string;
  from?: string;
  to?: string;
  limit: number;
}

/** Retries every matching run: parked nodes get a retry decision, failed runs are reset. Reports each outcome. A test key's matches are test runs only. */
export async function bulkRetry(db: Db, temporal: TemporalAccess, caller: Caller, f: BulkRetryFilter) {
  const { workspaceId } = caller;
  const rows = await runs.listRuns(db, workspaceId, { ...f, offset: 0, ...(caller.mode === 'test' ? { mode: 'test' as const } : {}) });
  const results: { runId: string; ok: boolean; error?: string }[] = [];
  for (const row of rows) {
    try {
      if (f.status === 'failed') {
        if (f.errorType && row.error?.type !== f.errorType) continue;
        await resetRun(db, temporal, caller, row.id);
      } else {
        const detail = await runs.getRun(db, workspaceId, row.id);
        const parked = Object.values(detail?.state?.nodes ?? {}).filter((n) => n.status === 'parked' && (!f.errorType || n.error?.type === f.errorType));
        if (parked.length === 0) continue;
        for (const node of parked) await decideNode(db, temporal, caller, row.id, { nodeKey: node.key, action: 'retry' });
      }
      results.push({ runId: row.id, ok: true });
    } catch (err) {
      results.push({ runId: row.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { matched: results.length, retried: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results };
}
