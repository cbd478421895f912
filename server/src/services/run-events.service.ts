/**
 * Following a run from an app: `GET /v1/runs/:id` (what it did, without node internals unless asked) and
 * `GET /v1/runs/:id/events` (its event log as server-sent events, resumable with `Last-Event-ID`). The log is the
 * interpreter's own (`RunState.events`, append-only, `seq` from 1): read from the workflow while the run is live
 * (the `runEvents` query), from the run's row once it ended.
 */
import type { Response } from 'express';
import { serverStopping } from '../lifecycle';
import { ENDED_RUN_STATUSES, RunQueries, type RunEvent, type RunEventsPage, type RunEventsRequest, type RunState } from '#core/run';
import type { Db } from '#store/database';
import * as runs from '#store/runs.repository';
import type { TemporalAccess } from '../temporal';
import { requireRun, type Caller } from './runs.service';

const POLL_MS = 200;
const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; the client reconnects with Last-Event-ID (every SSE client does so by itself). */
const MAX_STREAM_MS = 10 * 60_000;

const isEnded = (status: string) => (ENDED_RUN_STATUSES as readonly string[]).includes(status);

/** The events of a run's stored state after `after`; a run that ended without a `run.ended` event (stopped from outside, or older than the log) gets one. */
function storedEvents(state: RunState | null | undefined, status: string, after: number): RunEvent[] {
  const events = [...(state?.events ?? [])];
  if (isEnded(status) && !events.some((e) => e.type === 'run.ended')) {
    events.push({
      seq: events.length + 1,
      type: 'run.ended',
      at: state?.endedAt ?? new Date().toISOString(),
      status,
      ...(state?.error ? { error: state.error } : {}),
    });
  }
  return events.slice(after);
}

/** The run's events after `after` (a seq), from the workflow while it runs, else from its row. */
export async function runEventsAfter(db: Db, temporal: TemporalAccess, caller: Caller, runId: string, after: number): Promise<RunEvent[]> {
  const row = await requireRun(db, caller, runId);
  if (isEnded(row.status)) return storedEvents(row.state, row.status, after);
  try {
    const handle = temporal.client.workflow.getHandle(row.workflow_id);
    const page = await temporal.call(() => handle.query<RunEventsPage, [RunEventsRequest]>(RunQueries.events, { after }));
    return page.events;
  } catch {
    // Not started yet, or closed between the read and the query: the row says which.
    const again = await runs.getRun(db, caller.workspaceId, runId);
    return again && isEnded(again.status) ? storedEvents(again.state, again.status, after) : [];
  }
}

/** One SSE message: `id` is the event's seq (the browser sends it back as Last-Event-ID), `event` its type. */
function sseMessage(e: RunEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Streams the run's events after `after` until `run.ended` was sent (then the stream ends), the client goes away,
 * or MAX_STREAM_MS passed. The first read happens before the headers are sent, so an unknown run is a plain 404.
 */
export async function streamRunEvents(db: Db, temporal: TemporalAccess, caller: Caller, runId: string, after: number) {
  const first = await runEventsAfter(db, temporal, caller, runId, after);
  return async (res: Response) => {
    res
      .status(200)
      .set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => (closed = true));
    const startedAt = Date.now();
    let lastWrite = Date.now();
    let cursor = after;
    let batch = first;
    for (;;) {
      for (const e of batch) {
        res.write(sseMessage(e));
        cursor = e.seq;
        lastWrite = Date.now();
        if (e.type === 'run.ended') return void res.end();
      }
      // A stopping server ends its streams: the client reconnects elsewhere with Last-Event-ID.
      if (closed || serverStopping.aborted || Date.now() - startedAt > MAX_STREAM_MS) return void res.end();
      if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': still running\n\n');
        lastWrite = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, batch.length > 0 ? 0 : POLL_MS));
      if (closed || serverStopping.aborted) return void res.end();
      try {
        batch = await runEventsAfter(db, temporal, caller, runId, cursor);
      } catch {
        // Temporal unreachable for a moment: keep the stream, try again.
        batch = [];
      }
    }
  };
}
