import crypto from 'node:crypto';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleIds } from '#core/names';
import { openAccount } from '#store/credits.repository';
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
    // Fires every second for ~3.5 s; each run takes 4 s, so every fire after the first meets a run still going.
    const window = (overlap: string) => ({ interval: { every: '1s' }, overlap, endAt: new Date(Date.now() + 3500).toISOString() });
    const skipFlow = await createFlow(slowFlow(window('skip'), '4s'));
    const bufferFlow = await createFlow(slowFlow(window('bufferOne'), '4s'));
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
