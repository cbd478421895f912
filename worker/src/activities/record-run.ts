import type { RunState } from '../../../core/src/run';
import type { Db } from '../../../store/src/database';
import { finishRun } from '../../../store/src/runs.repository';

export type RecordRunActivity = (input: { runId: string; workspaceId: string; workflowId: string; state: RunState }) => Promise<void>;

/** Local activity run by the interpreter at the end of a run: writes the final state to the runs table. */
export function createRecordRunActivity(db: Db): RecordRunActivity {
  return async ({ runId, workspaceId, state }) => {
    await finishRun(db, { runId, workspaceId, state });
  };
}
