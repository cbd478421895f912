import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FlowDocument, toSnapshot, type ScheduleTrigger } from '#core/flow';
import { ScheduleIds } from '#core/names';
import { scheduleDefinition } from '#core/schedule';
import { openDatabase, type Db } from '#store/database';
import { testDatabaseUrl } from '../helpers/database';
import { deleteFlow, insertFlow, publishVersion } from '#store/flows.repository';
import { migrateToLatest } from '#store/migrate';
import { createWorkspace } from '#store/workspaces.repository';
import { spawnTs, type Spawned } from '../helpers/processes';
import { temporalClient, testMasterKey } from '../helpers/temporal';

/**
 * The worker's own start (worker/src/main.ts), not a call of the function: with a database whose schedule flows
 * Temporal does not match (a schedule missing as after a new namespace, one made from an older trigger, one whose
 * flow row is gone), the worker repairs each at start and logs it (docs/schedules.md, "Reconciliation").
 */
describe('flow schedules are reconciled when the worker starts', () => {
  const taskQueue = `reconcile-${crypto.randomUUID()}`;
  let dir: string;
  let dbUrl: string;
  let db: Db;
  let temporal: Awaited<ReturnType<typeof temporalClient>>;
  let client: Client;
  let worker: Spawned | undefined;
  const ids: Record<'missing' | 'outdated' | 'stray', string> = { missing: '', outdated: '', stray: '' };

  async function publishedScheduleFlow(workspaceId: string, trigger: ScheduleTrigger): Promise<string> {
    const document = FlowDocument.parse({ trigger, nodes: [{ id: 'done', type: 'end' }], edges: [{ from: 'trigger', to: 'done' }] });
    const flow = await insertFlow(db, { workspaceId, name: 'Reconciled', draft: document });
    await publishVersion(db, { workspaceId, flowId: flow.id, snapshot: toSnapshot(document), triggerType: 'schedule', triggerEvent: null });
    return flow.id;
  }

  const create = (trigger: ScheduleTrigger, workspaceId: string, flowId: string) =>
    client.schedule.create({ ...scheduleDefinition(trigger, { workspaceId, flowId, mode: 'live', taskQueue }), memo: { taskQueue } });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-reconcile-'));
    dbUrl = await testDatabaseUrl(dir);
    db = openDatabase(dbUrl);
    await migrateToLatest(db);
    temporal = await temporalClient();
    client = temporal.client;
    const ws = (await createWorkspace(db, 'Reconcile')).id;
    const weekly: ScheduleTrigger = { type: 'schedule', cron: '0 9 * * 1', timezone: 'Europe/Berlin' };
    // Published, but Temporal has no schedule for it (a new namespace).
    const missing = await publishedScheduleFlow(ws, weekly);
    // Published with one trigger; Temporal's schedule was made from an older one (a publish whose update failed).
    const outdated = await publishedScheduleFlow(ws, { type: 'schedule', cron: '30 7 * * *' });
    await create(weekly, ws, outdated);
    // A schedule whose flow row is gone.
    const stray = await publishedScheduleFlow(ws, weekly);
    await create(weekly, ws, stray);
    await deleteFlow(db, ws, stray);
    for (const [name, flowId] of Object.entries({ missing, outdated, stray }))
      ids[name as keyof typeof ids] = ScheduleIds.flow({ workspaceId: ws, flowId, mode: 'live' });
  }, 60_000);

  afterAll(async () => {
    worker?.signalGroup('SIGKILL');
    for (const id of Object.values(ids))
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await temporal?.close();
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('recreates the missing schedule, updates the outdated one, deletes the stray one, and logs each repair', async () => {
    worker = spawnTs('worker/src/main.ts', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      // The test's Temporal client encrypts with the test master key (test/helpers/temporal.ts): the worker reads the schedules' memos with it.
      SWITCHYARD_MASTER_KEY: testMasterKey.key.toString('hex'),
      DATABASE_URL: dbUrl,
      DATA_DIR: dir,
      SWITCHYARD_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      LOG_LEVEL: 'info',
    });
    await worker.waitForOutput(/flow schedules reconciled/, 120_000);
    const logged = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; scheduleId?: string; created?: string[]; updated?: string[]; deleted?: string[] });
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'recreated a missing flow schedule', scheduleId: ids.missing }),
        expect.objectContaining({ msg: 'updated a flow schedule to its published trigger', scheduleId: ids.outdated }),
        expect.objectContaining({ msg: expect.stringMatching(/^removed a stray flow schedule/), scheduleId: ids.stray }),
        expect.objectContaining({ msg: 'flow schedules reconciled', created: [ids.missing], updated: [ids.outdated], deleted: [ids.stray] }),
      ]),
    );
    expect((await client.schedule.getHandle(ids.missing).describe()).spec.timezone).toBe('Europe/Berlin');
    const updated = await client.schedule.getHandle(ids.outdated).describe();
    expect(updated.spec.timezone).toBe('UTC');
    expect(updated.action.memo?.trigger).toContain('30 7 * * *');
    await expect(client.schedule.getHandle(ids.stray).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
