import type { RunState } from '#core/run';
import type { Db } from '#store/database';
import { finishRun, updateRunProgress } from '#store/runs.repository';
import { notifyRunChange, type RunNotifier } from '../notifications/notify-run';

export type RecordRunActivity = (input: { runId: string; workspaceId: string; workflowId: string; state: RunState; final?: boolean }) => Promise<void>;

/**
 * Local activity run by the interpreter when a run parks, resumes and ends: writes its state to the runs table, then
 * hands the change to the workspace's notification endpoints (none subscribed: one query). A notification that could
 * not be handed on fails the activity, which is retried: notifications are at least once, deduplicated by id.
 */
export function createRecordRunActivity(db: Db, notifier?: RunNotifier): RecordRunActivity {
  return async ({ runId, workspaceId, state, final }) => {
    if (final === false) await updateRunProgress(db, { runId, workspaceId, state });
    else await finishRun(db, { runId, workspaceId, state });
    if (notifier) await notifyRunChange(notifier, { runId, workspaceId, state });
  };
}
