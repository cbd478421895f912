import type { RunState } from '#core/run';
import type { Db } from '#store/database';
import { finishRun, updateRunProgress } from '#store/runs.repository';

export type RecordRunActivity = (input: { runId: string; workspaceId: string; workflowId: string; state: RunState; final?: boolean }) => Promise<void>;

/** Local activity run by the interpreter when a run parks, resumes and ends: writes its state to the runs table. */
export function createRecordRunActivity(db: Db): RecordRunActivity {
  return async ({ runId, workspaceId, state, final }) => {
    if (final === false) await updateRunProgress(db, { runId, workspaceId, state });
    else await finishRun(db, { runId, workspaceId, state });
  };
}
