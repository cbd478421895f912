import type { Db } from './database';
import { nowIso } from './database';

/**
 * One row per activity attempt of an action node: when it started and ended, and its (scrubbed) error.
 * Temporal keeps only the last failure of an activity; this keeps every attempt visible per node.
 */
export interface AttemptKey {
  workspaceId: string;
  workflowId: string;
  nodeKey: string;
  activityId: string;
  attempt: number;
}

/** The suffix an attempt's activity id gets when a reset runs its activity again: `fetch~reset1` (before reset 1). */
export const RESET_MARK = '~reset';

/**
 * Records an attempt as started. The same activity and attempt number starting again after it had ended means the run
 * was reset (retry from the failed step) and runs it again: the earlier attempt is kept, its activity id marked
 * `~resetN`, so the log shows every attempt across resets.
 */
export async function attemptStarted(db: Db, a: AttemptKey): Promise<void> {
  const previous = await db
    .selectFrom('node_attempts')
    .select(['ended_at'])
    .where('workflow_id', '=', a.workflowId)
    .where('activity_id', '=', a.activityId)
    .where('attempt', '=', a.attempt)
    .executeTakeFirst();
  if (previous?.ended_at) {
    const resets = await db
      .selectFrom('node_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workflow_id', '=', a.workflowId)
      .where('activity_id', 'like', `${a.activityId}${RESET_MARK}%`)
      .where('attempt', '=', a.attempt)
      .executeTakeFirst();
    await db
      .updateTable('node_attempts')
      .set({ activity_id: `${a.activityId}${RESET_MARK}${Number(resets?.n ?? 0) + 1}` })
      .where('workflow_id', '=', a.workflowId)
      .where('activity_id', '=', a.activityId)
      .where('attempt', '=', a.attempt)
      .execute();
  }
  await db
    .insertInto('node_attempts')
    .values({
      workspace_id: a.workspaceId,
      workflow_id: a.workflowId,
      node_key: a.nodeKey,
      activity_id: a.activityId,
      attempt: a.attempt,
      status: 'running',
      error: null,
      started_at: nowIso(),
      ended_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['workflow_id', 'activity_id', 'attempt']).doUpdateSet({ status: 'running', error: null, started_at: nowIso(), ended_at: null }),
    )
    .execute();
}

export async function attemptEnded(db: Db, a: AttemptKey, result: { error?: string }): Promise<void> {
  await db
    .updateTable('node_attempts')
    .set({ status: result.error === undefined ? 'succeeded' : 'failed', error: result.error ?? null, ended_at: nowIso() })
    .where('workflow_id', '=', a.workflowId)
    .where('activity_id', '=', a.activityId)
    .where('attempt', '=', a.attempt)
    .execute();
}

export async function attemptsOfRun(db: Db, workspaceId: string, workflowId: string) {
  return db
    .selectFrom('node_attempts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('workflow_id', '=', workflowId)
    .orderBy('started_at')
    .orderBy('attempt')
    .execute();
}
