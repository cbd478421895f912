import { WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { CatalogIndex } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { RunSignals, type RunState, type WebhookSignal } from '#core/run';
import type { Db } from '#store/database';
import { getVersion } from '#store/flows.repository';
import * as runs from '#store/runs.repository';
import type { TemporalAccess } from '../temporal';
import { startRun } from './runs.service';

/** A claim younger than this may still be on its way to Temporal (a start takes well under the API's 5 s deadline). */
export const STUCK_START_AFTER_MS = 30_000;

/**
 * Resolves runs claimed but never started: the API process died (or lost Temporal) between the run's claim and
 * Temporal's answer, so the row says `starting` with nothing behind it, and an app that does not resend its event
 * would never see it run. For each such claim older than `olderThanMs`:
 * - the workflow exists (the start reached Temporal; only the answer was lost): the run is marked started;
 * - it does not: the run is started now, from the row's own trigger and the flow version it claimed (a webhook's run
 *   with its delivery signal), exactly as the first attempt would have (same workflow id, so a concurrent resend or a
 *   second API server's sweep starts it once);
 * - a start refused now (the plan changed, the version is gone): the run is recorded failed with the reason;
 * - a scheduled run is left to its schedule's workflow, which owns its start and retries it.
 * Temporal unreachable: the pass stops; the next one tries again.
 */
export async function resolveStuckStarts(
  o: { db: Db; temporal: TemporalAccess; catalog: CatalogIndex },
  olderThanMs = STUCK_START_AFTER_MS,
): Promise<{ marked: number; started: number; failed: number }> {
  const counts = { marked: 0, started: 0, failed: 0 };
  const stuck = await runs.runsStartingBefore(o.db, new Date(Date.now() - olderThanMs).toISOString());
  for (const run of stuck) {
    const exists = await o.temporal
      .call((client) => client.workflow.getHandle(run.workflow_id).describe())
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    if (exists) {
      await runs.markRunStarted(o.db, run.id, exists.runId);
      counts.marked++;
      continue;
    }
    if (run.trigger.type === 'schedule') continue;
    try {
      await startAgain(o, run);
      counts.started++;
    } catch (err) {
      if (err instanceof AppError && err.code === 'TEMPORAL_UNAVAILABLE') throw err;
      const message = err instanceof Error ? err.message : String(err);
      await runs.finishRun(o.db, { runId: run.id, workspaceId: run.workspace_id, state: refused(run, message) });
      counts.failed++;
    }
  }
  return counts;
}

async function startAgain(o: { db: Db; temporal: TemporalAccess; catalog: CatalogIndex }, run: runs.RunRecord): Promise<void> {
  const version = await getVersion(o.db, run.workspace_id, run.flow_id, run.version);
  if (!version) throw new AppError('NOT_FOUND', `The run's flow version ${run.version} no longer exists, so it cannot start`);
  const { trigger } = run;
  const signal: WebhookSignal | undefined =
    trigger.type === 'webhook' && trigger.deliveryId && trigger.id
      ? { deliveryId: trigger.deliveryId, eventId: trigger.id, ...(trigger.name ? { eventType: trigger.name } : {}) }
      : undefined;
  await startRun(o.db, o.temporal, o.catalog, {
    workspaceId: run.workspace_id,
    flowId: run.flow_id,
    version: run.version,
    snapshot: version.snapshot,
    trigger,
    mode: run.mode,
    workflowId: run.workflow_id,
    ...(signal ? { signal: { name: RunSignals.webhook, args: [signal] } } : {}),
  });
}

/** The state of a claim that cannot be started: failed before its first node, saying why. */
function refused(run: runs.RunRecord, message: string): RunState {
  const at = new Date().toISOString();
  return {
    status: 'failed',
    mode: run.mode,
    nodes: {},
    startedAt: run.created_at,
    endedAt: at,
    error: { message: `This run was received but could not be started: ${message}`, type: 'StartFailed' },
  };
}

/** Runs resolveStuckStarts every `everyMs` (default 20 s), so no claim stays `starting` much past a minute. */
export function startStuckStartSweep(o: { db: Db; temporal: TemporalAccess; catalog: CatalogIndex; logger: Logger; everyMs?: number; olderThanMs?: number }): () => void {
  const sweep = async () => {
    try {
      const counts = await resolveStuckStarts(o, o.olderThanMs);
      if (counts.marked + counts.started + counts.failed > 0) o.logger.info(counts, 'resolved runs claimed but never started');
    } catch (err) {
      o.logger.warn({ err }, 'could not resolve runs claimed but never started; trying again later');
    }
  };
  const every = setInterval(() => void sweep(), o.everyMs ?? 20_000);
  every.unref();
  return () => clearInterval(every);
}
