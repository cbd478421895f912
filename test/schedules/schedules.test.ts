import crypto from 'node:crypto';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleTrigger } from '#core/flow';
import { ScheduleIds } from '#core/names';
import { nextFireTimes } from '#core/schedule';
import { Writable } from 'node:stream';
import pino from 'pino';
import { openAccount } from '#store/credits.repository';
import { deleteFlow as deleteFlowRow } from '#store/flows.repository';
import { setBackendFunctions } from '#store/settings.repository';
import { reconcileFlowSchedules } from '#worker/schedules/reconcile';
import { startTestApi, type ApiBody, type ApiResponse, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { startTestWorker, temporalClient } from '../helpers/temporal';

/**
 * Schedules (issue 14) on the real dev server: flows published with a schedule trigger get a Temporal Schedule that
 * fires every second or two here (publish accepts it because this API's minimum interval is lowered to 1 s), and
 * each fire starts a run through the same checks as any other start. Every test stays within a few seconds of
 * schedule time and deletes what it created.
 */

const taskQueue = `schedules-${crypto.randomUUID()}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let client: Client;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;

beforeAll(async () => {
  api = await startTestApi({ taskQueue, scheduleMinIntervalMs: 1000 });
  [worker, temporal, peer] = await Promise.all([startTestWorker({ db: api.db, taskQueue }), temporalClient(), startHttpPeer(() => ({ body: { ok: true } }))]);
  client = temporal.client;
});

afterAll(async () => {
  // No schedule of this file outlives it.
  for await (const s of client.schedule.list()) {
    if (s.memo?.taskQueue === taskQueue)
      await client.schedule
        .getHandle(s.scheduleId)
        .delete()
        .catch(() => undefined);
  }
  await worker?.stop();
  await peer?.close();
  await temporal?.close();
  await api?.close();
});

// ---------------------------------------------------------------------------------------------------------

type Trigger = Record<string, unknown>;
const endFlow = (trigger: Trigger, output: unknown) => ({
  trigger: { type: 'schedule', ...trigger },
  nodes: [{ id: 'done', type: 'end', output }],
  edges: [{ from: 'trigger', to: 'done' }],
});
const slowFlow = (trigger: Trigger, duration: string) => ({
  trigger: { type: 'schedule', ...trigger },
  nodes: [{ id: 'wait', type: 'delay', duration }],
  edges: [{ from: 'trigger', to: 'wait' }],
});

function ok(res: ApiResponse, status = 200): ApiBody {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

async function createFlow(document: unknown, key?: string): Promise<string> {
  return ok(await api.request('POST', '/api/flows', { body: { name: `Scheduled ${crypto.randomUUID().slice(0, 6)}`, document }, ...(key ? { key } : {}) }), 201)
    .id;
}

async function setDraft(flowId: string, document: unknown, key?: string): Promise<void> {
  ok(await api.request('PATCH', `/api/flows/${flowId}`, { body: { document }, ...(key ? { key } : {}) }));
}

async function publish(flowId: string, key?: string): Promise<number> {
  return ok(await api.request('POST', `/api/flows/${flowId}/publish`, { body: {}, ...(key ? { key } : {}) }), 201).version;
}

interface RunRow {
  id: string;
  version: number;
  status: string;
  mode: string;
  workflowId: string;
  createdAt: string;
  trigger: { type: string; data: { scheduledTime: string; actualTime: string } };
  error: { type: string; message: string } | null;
}

/** The runs of a flow, oldest first, straight from the runs table. */
async function runsOf(flowId: string): Promise<RunRow[]> {
  const rows = await api.db.selectFrom('runs').selectAll().where('flow_id', '=', flowId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    status: r.status,
    mode: r.mode,
    workflowId: r.workflow_id,
    createdAt: r.created_at,
    trigger: JSON.parse(r.trigger),
    error: r.error ? JSON.parse(r.error) : null,
  }));
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await sleep(100);
    last = await read();
  }
  return last;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const scheduleId = (flowId: string, mode: 'live' | 'test' = 'live') => ScheduleIds.flow({ workspaceId: api.workspaceId, flowId, mode });

async function scheduleExists(id: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

const byScheduledTime = (a: RunRow, b: RunRow) => a.trigger.data.scheduledTime.localeCompare(b.trigger.data.scheduledTime);

// ---------------------------------------------------------------------------------------------------------

describe('validation at publish', () => {
  it('refuses an invalid cron, an unknown zone, an end before the start and too short an interval, 422 naming each field', async () => {
    const cases: [Trigger, string, RegExp][] = [
      [{ cron: '61 * * * *' }, 'trigger.cron', /Invalid cron expression "61 \* \* \* \*"/],
      [{ cron: '* * *' }, 'trigger.cron', /3 fields/],
      [{ cron: '0 9 * * 1', timezone: 'Mars/Olympus_Mons' }, 'trigger.timezone', /Unknown time zone "Mars\/Olympus_Mons"/],
      [{ cron: '0 9 * * 1', startAt: '2027-01-02T00:00:00Z', endAt: '2027-01-01T00:00:00Z' }, 'trigger.endAt', /ends .* before it starts/],
      [{ interval: { every: '500ms' } }, 'trigger.interval.every', /shorter than the minimum of 1 s/],
      [{ cron: '* * * * * *', timezone: 'UTC', interval: { every: '1m' } }, 'trigger.cron', /exactly one of/],
    ];
    for (const [trigger, field, message] of cases) {
      const flowId = await createFlow(endFlow(trigger, 'x'));
      const res = await api.request('POST', `/api/flows/${flowId}/publish`, { body: {} });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe('FLOW_INVALID');
      const problem = res.body.error.details.problems.find((p: ApiBody) => p.field === field);
      expect(problem, `${field} in ${JSON.stringify(res.body.error.details.problems)}`).toMatchObject({ code: 'INVALID_SCHEDULE' });
      expect(problem.message).toMatch(message);
      // Nothing was published, and no schedule exists.
      expect(ok(await api.request('GET', `/api/flows/${flowId}`)).publishedVersion).toBeNull();
      expect(await scheduleExists(scheduleId(flowId))).toBe(false);
    }
  });

  it('the cost estimate shows the same schedule problems as publish', async () => {
    const flowId = await createFlow(endFlow({ cron: '0 9 * * 1', timezone: 'Nowhere/Land' }, 'x'));
    const estimate = ok(await api.request('GET', `/api/flows/${flowId}/estimate`));
    expect(estimate.problems).toEqual([expect.objectContaining({ code: 'INVALID_SCHEDULE', field: 'trigger.timezone' })]);
  });

  it("refuses a Free plan workspace's schedule at publish (422 PLAN_REQUIRED naming the trigger)", async () => {
    const ws = await api.createWorkspace('Free schedules');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'free' });
    const flowId = await createFlow(endFlow({ cron: '0 9 * * 1' }, 'x'), ws.keys.live);
    const res = await api.request('POST', `/api/flows/${flowId}/publish`, { body: {}, key: ws.keys.live });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.details.problems).toEqual([expect.objectContaining({ code: 'PLAN_REQUIRED', field: 'trigger' })]);
    expect(res.body.error.message).toMatch(/Builder plan required: flows that run on a schedule/);
    expect(await scheduleExists(ScheduleIds.flow({ workspaceId: ws.workspaceId, flowId, mode: 'live' }))).toBe(false);
  });
});

describe('scheduled runs', () => {
  it('an every-second schedule starts runs on the published version; a publish midway switches later runs to the new one; unpublishing removes the schedule', async () => {
    const trigger = { interval: { every: '1s' } };
    const flowId = await createFlow(endFlow(trigger, { version: 'one', scheduled: { $expr: 'trigger.data.scheduledTime' } }));
    expect(await publish(flowId)).toBe(1);
    expect(await scheduleExists(scheduleId(flowId))).toBe(true);
    await waitFor(
      'two runs of version 1',
      () => runsOf(flowId),
      (runs) => runs.filter((r) => r.status === 'completed').length >= 2,
    );

    await setDraft(flowId, endFlow(trigger, { version: 'two', scheduled: { $expr: 'trigger.data.scheduledTime' } }));
    expect(await publish(flowId)).toBe(2);
    const publishedAt = Date.now();
    await waitFor(
      'two runs of version 2',
      () => runsOf(flowId),
      (runs) => runs.filter((r) => r.version === 2 && r.status === 'completed').length >= 2,
    );

    ok(await api.request('POST', `/api/flows/${flowId}/unpublish`), 200);
    expect(await scheduleExists(scheduleId(flowId))).toBe(false);
    await sleep(1500); // a run started just before the unpublish may still end
    const runs = (await runsOf(flowId)).sort(byScheduledTime);
    const settled = runs.length;
    await sleep(1500);
    expect((await runsOf(flowId)).length, 'no fire after the unpublish').toBe(settled);

    // Versions never go back: every run of version 1 was scheduled before every run of version 2.
    const versions = runs.map((r) => r.version);
    expect(versions).toEqual([...versions].sort());
    expect(versions).toContain(1);
    expect(versions).toContain(2);
    for (const run of runs) {
      expect(run.trigger.type).toBe('schedule');
      expect(run.workflowId).toBe(`schedule:${api.workspaceId}:${flowId}:live:${run.trigger.data.scheduledTime}`);
      expect(Date.parse(run.trigger.data.actualTime)).toBeGreaterThanOrEqual(Date.parse(run.trigger.data.scheduledTime));
      expect(Date.parse(run.trigger.data.actualTime) - Date.parse(run.trigger.data.scheduledTime)).toBeLessThan(5000);
    }
    // Runs on version 2 were scheduled after (or around) the second publish, and ran version 2's document.
    const detail = ok(await api.request('GET', `/api/runs/${runs.at(-1)!.id}`));
    expect(detail).toMatchObject({ version: 2, status: 'completed', output: { version: 'two', scheduled: runs.at(-1)!.trigger.data.scheduledTime } });
    expect(Date.parse(runs.find((r) => r.version === 2)!.trigger.data.scheduledTime)).toBeGreaterThan(publishedAt - 2000);
    // The runs list filters scheduled runs.
    const listed = ok(await api.request('GET', `/api/runs?flowId=${flowId}&trigger=schedule&limit=200`)).runs;
    expect(listed).toHaveLength(runs.length);
    expect(ok(await api.request('GET', `/api/runs?flowId=${flowId}&trigger=event`)).runs).toEqual([]);
  });

  it('overlap: a slow flow with `skip` starts no second run while one is going; `bufferOne` starts exactly one after it', async () => {
    // Fires every second for ~5 s; each run takes 7 s, so every fire after the first meets a run still going.
    const window = (overlap: string) => ({ interval: { every: '1s' }, overlap, endAt: new Date(Date.now() + 5000).toISOString() });
    const skipFlow = await createFlow(slowFlow(window('skip'), '7s'));
    const bufferFlow = await createFlow(slowFlow(window('bufferOne'), '7s'));
    await Promise.all([publish(skipFlow), publish(bufferFlow)]);
    // Long enough for the buffered run to start after the first ended (≈ 1 + 4 s) and end.
    await waitFor(
      'the buffered run to end',
      () => runsOf(bufferFlow),
      (runs) => runs.length === 2 && runs.every((r) => r.status === 'completed'),
      20_000,
    );
    await sleep(1000);
    const skipped = await runsOf(skipFlow);
    const buffered = (await runsOf(bufferFlow)).sort(byScheduledTime);
    expect(skipped.map((r) => r.status)).toEqual(['completed']);
    expect(buffered).toHaveLength(2);
    // The buffered run started only once the first had ended.
    const first = ok(await api.request('GET', `/api/runs/${buffered[0]!.id}`));
    expect(Date.parse(buffered[1]!.trigger.data.actualTime)).toBeGreaterThanOrEqual(Date.parse(first.endedAt) - 50);
    const skipInfo = ok(await api.request('GET', `/api/flows/${skipFlow}/schedules/live`));
    expect(skipInfo.overlap).toBe('skip');
    expect(skipInfo.skippedOverlap).toBeGreaterThanOrEqual(1);
    expect(ok(await api.request('GET', `/api/flows/${bufferFlow}/schedules/live`)).overlap).toBe('bufferOne');
  });
});

describe('operations', () => {
  it('pause stops runs and resume restarts them; Run now starts one while paused; the notes are kept', async () => {
    const flowId = await createFlow(endFlow({ interval: { every: '1s' } }, 'tick'));
    await publish(flowId);
    await waitFor(
      'a first run',
      () => runsOf(flowId),
      (runs) => runs.length >= 1,
    );
    const paused = ok(await api.request('POST', `/api/flows/${flowId}/schedules/live/pause`, { body: { note: 'maintenance window' } }));
    const pausedAt = new Date().toISOString();
    expect(paused).toMatchObject({ state: 'paused', note: 'maintenance window', mode: 'live', scheduleId: scheduleId(flowId) });
    // A fire taken just before the pause may still record its run; none is scheduled after it.
    const scheduledAfter = async (t: string) => (await runsOf(flowId)).filter((r) => r.trigger.data.scheduledTime > t);
    await sleep(3000);
    expect(await scheduledAfter(pausedAt), 'no run while paused').toEqual([]);

    // Run now: one fire at once, even while paused.
    ok(await api.request('POST', `/api/flows/${flowId}/schedules/live/run`), 202);
    const manual = await waitFor(
      'the Run now run',
      () => scheduledAfter(pausedAt),
      (runs) => runs.length === 1,
    );
    await sleep(2000);
    // The same one run (its status moves on meanwhile: compared by id).
    expect(
      (await scheduledAfter(pausedAt)).map((r) => r.id),
      'still paused after Run now',
    ).toEqual(manual.map((r) => r.id));
    const atResume = new Date().toISOString();

    const resumed = ok(await api.request('POST', `/api/flows/${flowId}/schedules/live/resume`, { body: { note: 'back' } }));
    expect(resumed).toMatchObject({ state: 'active', note: 'back' });
    await waitFor(
      'runs again after resume',
      () => scheduledAfter(atResume),
      (runs) => runs.length >= 2,
    );
    const described = ok(await api.request('GET', `/api/flows/${flowId}/schedules/live`));
    expect(described.recentActions.length).toBeGreaterThan(0);
    // Newest first, each with its nominal time and (once its start was admitted) its run.
    expect(described.recentActions[0]).toMatchObject({ takenAt: expect.any(String), scheduledAt: expect.any(String) });
    const withRun = described.recentActions.find((a: ApiBody) => a.runId);
    expect((await runsOf(flowId)).find((r) => r.id === withRun.runId)?.trigger.data.scheduledTime).toBe(withRun.scheduledAt);
    expect(described.nextFireTimes.length).toBeGreaterThan(0);
    ok(await api.request('DELETE', `/api/flows/${flowId}`), 204);
  });

  it('a backfill of a 1-hour range at 10-minute steps starts 6 runs with the right scheduled times; more than 1,000 fires are refused', async () => {
    const flowId = await createFlow(endFlow({ interval: { every: '10m' } }, { at: { $expr: 'trigger.data.scheduledTime' } }));
    await publish(flowId);
    const from = '2026-01-05T10:00:00.000Z';
    const to = '2026-01-05T11:00:00.000Z';
    const backfill = ok(await api.request('POST', `/api/flows/${flowId}/schedules/live/backfill`, { body: { from, to } }), 202);
    const expected = [0, 10, 20, 30, 40, 50].map((m) => new Date(Date.parse(from) + m * 60_000).toISOString());
    expect(backfill).toEqual({ flowId, mode: 'live', fires: 6, scheduledTimes: expected });
    const inRange = (runs: RunRow[]) => runs.filter((r) => r.trigger.data.scheduledTime < to);
    const runs = await waitFor(
      'six backfilled runs',
      () => runsOf(flowId),
      (all) => inRange(all).filter((r) => r.status === 'completed').length === 6,
    );
    expect(
      inRange(runs)
        .map((r) => r.trigger.data.scheduledTime)
        .sort(),
    ).toEqual(expected);
    await sleep(1000);
    expect(inRange(await runsOf(flowId))).toHaveLength(6);

    // One week at 10-minute steps is 1,008 fires: refused, nothing started.
    const tooMany = await api.request('POST', `/api/flows/${flowId}/schedules/live/backfill`, {
      body: { from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z' },
    });
    expect(tooMany.status, JSON.stringify(tooMany.body)).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'to' } });
    expect(tooMany.body.error.message).toMatch(/more than 1000 fires/);
    const backwards = await api.request('POST', `/api/flows/${flowId}/schedules/live/backfill`, { body: { from: to, to: from } });
    expect(backwards.status).toBe(400);
    // The refused backfills started nothing.
    await sleep(500);
    expect(await runsOf(flowId)).toHaveLength(runs.length);
    ok(await api.request('DELETE', `/api/flows/${flowId}`), 204);
  });

  it('deleting the flow removes its schedule; a flow without one answers 409', async () => {
    const flowId = await createFlow(endFlow({ cron: '0 9 * * 1' }, 'x'));
    await publish(flowId);
    expect(await scheduleExists(scheduleId(flowId))).toBe(true);
    ok(await api.request('DELETE', `/api/flows/${flowId}`), 204);
    expect(await scheduleExists(scheduleId(flowId))).toBe(false);
    expect((await api.request('GET', `/api/flows/${flowId}/schedules/live`)).status).toBe(404);
    // Published with another trigger: the schedule goes too.
    const other = await createFlow(endFlow({ cron: '0 9 * * 1' }, 'x'));
    await publish(other);
    await setDraft(other, { trigger: { type: 'manual' }, nodes: [{ id: 'done', type: 'end' }], edges: [{ from: 'trigger', to: 'done' }] });
    await publish(other);
    expect(await scheduleExists(scheduleId(other))).toBe(false);
    const res = await api.request('GET', `/api/flows/${other}/schedules/live`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/not published with a schedule trigger/);
  });

  it('reconciliation at worker start recreates a schedule deleted behind our back and removes one whose flow is gone, logging each repair', async () => {
    const kept = await createFlow(endFlow({ cron: '0 9 * * 1', timezone: 'Europe/Berlin' }, 'kept'));
    const gone = await createFlow(endFlow({ cron: '0 9 * * 1' }, 'gone'));
    await Promise.all([publish(kept), publish(gone)]);
    await client.schedule.getHandle(scheduleId(kept)).delete(); // behind Switchyard's back
    await deleteFlowRow(api.db, api.workspaceId, gone); // the row goes, the schedule stays
    expect(await scheduleExists(scheduleId(gone))).toBe(true);

    const lines: { msg: string; scheduleId?: string }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const report = await reconcileFlowSchedules({ client, db: api.db, taskQueue, logger });
    expect(report.created).toContain(scheduleId(kept));
    expect(report.deleted).toContain(scheduleId(gone));
    expect(await scheduleExists(scheduleId(kept))).toBe(true);
    expect(await scheduleExists(scheduleId(gone))).toBe(false);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'recreated a missing flow schedule', scheduleId: scheduleId(kept) }),
        expect.objectContaining({ msg: expect.stringMatching(/^removed a stray flow schedule/), scheduleId: scheduleId(gone) }),
      ]),
    );
    // The recreated schedule is the published one (zone included), and a second pass has nothing to repair.
    expect(ok(await api.request('GET', `/api/flows/${kept}/schedules/live`)).timezone).toBe('Europe/Berlin');
    const again = await reconcileFlowSchedules({ client, db: api.db, taskQueue, logger });
    expect([...again.created, ...again.deleted, ...again.updated].filter((id) => id === scheduleId(kept) || id === scheduleId(gone))).toEqual([]);
    ok(await api.request('DELETE', `/api/flows/${kept}`), 204);
  });
});

describe('time zones', () => {
  it('`0 9 * * 1` in Europe/Berlin fires at 09:00 local across the March 2027 daylight-saving change, as Temporal describes it', async () => {
    const trigger = { cron: '0 9 * * 1', timezone: 'Europe/Berlin', startAt: '2027-03-01T00:00:00Z' };
    const flowId = await createFlow(endFlow(trigger, 'x'));
    await publish(flowId);
    const described = ok(await api.request('GET', `/api/flows/${flowId}/schedules/live`));
    // CET (UTC+1) until Sunday 28 March 2027, CEST (UTC+2) after: 08:00Z, then 07:00Z.
    const expected = [
      '2027-03-01T08:00:00.000Z',
      '2027-03-08T08:00:00.000Z',
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
      '2027-04-12T07:00:00.000Z',
      '2027-04-19T07:00:00.000Z',
      '2027-04-26T07:00:00.000Z',
      '2027-05-03T07:00:00.000Z',
    ];
    expect(described.nextFireTimes).toEqual(expected);
    // The editor's preview (core, cron-parser) says the same as Temporal.
    const preview = nextFireTimes({ type: 'schedule', ...trigger }, { from: new Date('2027-03-01T00:00:00Z') })!.map((d) => d.toISOString());
    expect(preview).toEqual(expected);
    ok(await api.request('DELETE', `/api/flows/${flowId}`), 204);
  });
});

describe('what Temporal makes of our specs', () => {
  it('calendar specs, a 6-field cron (seconds first) and an interval with an offset fire when the trigger says', async () => {
    const startAt = '2027-03-01T00:00:00Z'; // a Monday
    const cases: [Trigger, string[]][] = [
      [
        { calendars: [{ hour: 9, minute: 30, dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' } }], timezone: 'Asia/Tokyo', startAt },
        [
          '2027-03-01T00:30:00.000Z',
          '2027-03-02T00:30:00.000Z',
          '2027-03-03T00:30:00.000Z',
          '2027-03-04T00:30:00.000Z',
          '2027-03-05T00:30:00.000Z',
          '2027-03-08T00:30:00.000Z',
        ],
      ],
      [{ cron: '30 0 9 * * 1', startAt }, ['2027-03-01T09:00:30.000Z', '2027-03-08T09:00:30.000Z']],
      [{ interval: { every: '6h', offset: '90m' }, startAt }, ['2027-03-01T01:30:00.000Z', '2027-03-01T07:30:00.000Z', '2027-03-01T13:30:00.000Z']],
    ];
    for (const [trigger, expected] of cases) {
      const flowId = await createFlow(endFlow(trigger, 'x'));
      await publish(flowId);
      const described = ok(await api.request('GET', `/api/flows/${flowId}/schedules/live`));
      expect(described.nextFireTimes.slice(0, expected.length), JSON.stringify(trigger)).toEqual(expected);
      // The editor's preview agrees for crons and intervals (calendar specs are left to Temporal).
      const preview = nextFireTimes({ type: 'schedule', ...trigger } as ScheduleTrigger, { from: new Date(startAt), count: expected.length });
      if (!trigger.calendars) expect(preview!.map((d) => d.toISOString())).toEqual(expected);
      ok(await api.request('DELETE', `/api/flows/${flowId}`), 204);
    }
  });
});

describe('the start path', () => {
  it('a schedule whose workspace has no credits leaves its runs waiting for credits, as other runs do, and they go on when credits are added', async () => {
    const ws = await api.createWorkspace('No credits');
    await openAccount(api.db, { workspaceId: ws.workspaceId, plan: 'builder', credits: 0 });
    await api.db.updateTable('credit_accounts').set({ allowance_balance: 0, topup_balance: 0 }).where('workspace_id', '=', ws.workspaceId).execute();
    const document = {
      trigger: { type: 'schedule', interval: { every: '2s' } },
      nodes: [{ id: 'call', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/ping` } }],
      edges: [{ from: 'trigger', to: 'call' }],
    };
    const flowId = await createFlow(document, ws.keys.live);
    await publish(flowId, ws.keys.live);
    const runs = await waitFor(
      'a run waiting for credits',
      () => runsOf(flowId),
      (all) => all.some((r) => r.status === 'waitingForCredits'),
    );
    const waiting = runs.find((r) => r.status === 'waitingForCredits')!;
    const detail = ok(await api.request('GET', `/api/runs/${waiting.id}`, { key: ws.keys.live }));
    expect(detail.nodes[0]).toMatchObject({ nodeId: 'call', status: 'waitingForCredits' });
    ok(await api.request('POST', `/api/flows/${flowId}/unpublish`, { key: ws.keys.live }));
    // Credits added: the waiting run goes on by itself, as any run waiting for credits does.
    ok(await api.request('POST', `/api/admin/workspaces/${ws.workspaceId}/credits`, { key: api.adminToken!, body: { credits: 100 } }));
    await waitFor(
      'the waiting run to complete',
      () => runsOf(flowId),
      (all) => all.find((r) => r.id === waiting.id)?.status === 'completed',
    );
    expect(ok(await api.request('GET', `/api/runs/${waiting.id}`, { key: ws.keys.live })).cost).toMatchObject({ credits: 1, requests: 1 });
    for (const run of await runsOf(flowId)) if (run.status !== 'completed') await api.request('POST', `/api/runs/${run.id}/cancel`, { key: ws.keys.live });
  });

  it('a refused start (Backend functions switched off after publishing) is recorded as a failed run naming why, and the schedule goes on', async () => {
    const ws = await api.createWorkspace('Refused');
    const document = {
      trigger: { type: 'schedule', interval: { every: '1s' } },
      nodes: [{ id: 'call', type: 'action', action: 'http.request@1', inputs: { url: `${peer.url}/ping` } }],
      edges: [{ from: 'trigger', to: 'call' }],
    };
    const flowId = await createFlow(document, ws.keys.live);
    await publish(flowId, ws.keys.live);
    await setBackendFunctions(api.db, ws.workspaceId, false);
    const runs = await waitFor(
      'two refused starts',
      () => runsOf(flowId),
      (all) => all.filter((r) => r.error?.type === 'StartRefused').length >= 2,
    );
    const refused = runs.find((r) => r.error?.type === 'StartRefused')!;
    expect(refused.status).toBe('failed');
    expect(refused.error!.message).toMatch(/^The scheduled run was not started: Backend functions are off/);
    const detail = ok(await api.request('GET', `/api/runs/${refused.id}`, { key: ws.keys.live }));
    expect(detail).toMatchObject({ status: 'failed', error: { type: 'StartRefused' }, trigger: { type: 'schedule' } });
    const listed = ok(await api.request('GET', `/api/runs?flowId=${flowId}&trigger=schedule&status=failed`, { key: ws.keys.live })).runs;
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(ok(await api.request('GET', `/api/flows/${flowId}/schedules/live`, { key: ws.keys.live })).state).toBe('active');
    ok(await api.request('DELETE', `/api/flows/${flowId}`, { key: ws.keys.live }), 204);
  });
});

describe('test mode', () => {
  it('a test key operates the test schedule only: it creates one on demand, whose runs are test runs, and is refused the live one', async () => {
    const flowId = await createFlow(endFlow({ interval: { every: '1s' } }, 'tested'));
    await publish(flowId);
    ok(await api.request('POST', `/api/flows/${flowId}/schedules/live/pause`, { body: { note: 'live off for the test' } }));
    const key = api.keys.test;
    for (const [method, path] of [
      ['GET', `/api/flows/${flowId}/schedules/live`],
      ['POST', `/api/flows/${flowId}/schedules/live/pause`],
      ['POST', `/api/flows/${flowId}/schedules/live/resume`],
      ['POST', `/api/flows/${flowId}/schedules/live/run`],
    ] as const) {
      const res = await api.request(method, path, { key, ...(method === 'POST' ? { body: {} } : {}) });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body.error.message).toMatch(/test key/);
    }
    const backfill = await api.request('POST', `/api/flows/${flowId}/schedules/live/backfill`, {
      key,
      body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:05Z' },
    });
    expect(backfill.status).toBe(403);
    expect((await api.request('POST', `/api/flows/${flowId}/unpublish`, { key })).status).toBe(403);
    expect((await api.request('GET', `/api/flows/${flowId}/schedules/test`, { key })).status).toBe(404);

    const created = ok(await api.request('PUT', `/api/flows/${flowId}/schedules/test`, { key }));
    expect(created).toMatchObject({ mode: 'test', state: 'active', scheduleId: scheduleId(flowId, 'test') });
    const runs = await waitFor(
      'test runs',
      () => runsOf(flowId),
      (all) => all.filter((r) => r.mode === 'test').length >= 2,
    );
    expect(runs.filter((r) => r.mode === 'test').every((r) => r.workflowId.includes(':test:'))).toBe(true);
    const listed = ok(await api.request('GET', `/api/runs?flowId=${flowId}&trigger=schedule`, { key })).runs;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((r: ApiBody) => r.mode === 'test')).toBe(true);
    ok(await api.request('DELETE', `/api/flows/${flowId}/schedules/test`, { key }), 204);
    expect(await scheduleExists(scheduleId(flowId, 'test'))).toBe(false);
    ok(await api.request('DELETE', `/api/flows/${flowId}`), 204);
  });
});
