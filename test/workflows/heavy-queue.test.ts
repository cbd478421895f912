import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { catalogIndex, defineAction, defineIntegration } from '#core/catalog-sdk';
import { actionDefaultsOf } from '#core/run-admission';
import { HEAVY_QUEUE_PATCH, heavyTaskQueue } from '#core/run';
import type { Db } from '#store/database';
import { linearFlow, newWorkflowId, runFlow } from '../helpers/flows';
import { startTestWorker, temporalClient, testDataConverter, testDb } from '../helpers/temporal';

/**
 * Heavy actions (catalog `queue: 'heavy'`: AI, files) run on `<task queue>-heavy`, served by workers started with
 * `heavy` in WORKER_QUEUES; everything else stays on the run's queue. Two workers here: one serves only the default
 * queue, the other only the heavy one, so where each activity ran shows which queue it was scheduled on.
 */
const Where = z.object({ taskQueue: z.string() });
const where = async () => ({ taskQueue: Context.current().info.taskQueue });
const probe = defineIntegration({
  key: 'queue-probe',
  version: 1,
  title: 'Queue probe',
  description: 'Says which task queue ran it, for tests.',
  category: 'Testing',
  auth: { type: 'none' },
  actions: [
    defineAction({ key: 'light', title: 'Light', description: 'A default action', input: z.object({}), output: Where, credits: 0, run: where }),
    defineAction({ key: 'heavy', title: 'Heavy', description: 'A heavy action', input: z.object({}), output: Where, credits: 0, queue: 'heavy', run: where }),
  ],
});

describe('the heavy task queue', () => {
  const taskQueue = `queues-${crypto.randomUUID()}`;
  let db: Db;
  let flows: Awaited<ReturnType<typeof startTestWorker>>;
  let heavy: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof temporalClient>>;

  beforeAll(async () => {
    db = await testDb();
    [flows, heavy, temporal] = await Promise.all([
      startTestWorker({ db, taskQueue, integrations: [probe], queues: ['default'] }),
      startTestWorker({ db, taskQueue, integrations: [probe], queues: ['heavy'] }),
      temporalClient(),
    ]);
  });

  afterAll(async () => {
    await flows?.stop();
    await heavy?.stop();
    await temporal?.close();
  });

  const run = async (actions: string[]) => {
    const input = linearFlow(
      actions.map((a, i) => ({ id: `n${i}`, type: 'action', action: `queue-probe.${a}@1`, inputs: {} })),
      { mode: 'live', workspaceId: 'ws_queues' },
    );
    // As the API and the scheduler do: the catalog's defaults (the heavy queue among them) are frozen into the run.
    input.options.actionDefaults = actionDefaultsOf(input.snapshot, catalogIndex([probe]));
    const workflowId = newWorkflowId();
    const state = await runFlow(temporal.client, taskQueue, input, { workflowId });
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return { state, history };
  };

  it('runs a heavy action on the heavy queue and the others on the run’s queue', async () => {
    const { state, history } = await run(['light', 'heavy', 'light']);
    expect(state.status).toBe('completed');
    expect(state.nodes.n0!.output).toEqual({ taskQueue });
    expect(state.nodes.n1!.output).toEqual({ taskQueue: heavyTaskQueue(taskQueue) });
    expect(state.nodes.n2!.output).toEqual({ taskQueue });
    const scheduled = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    expect(scheduled.map((a) => `${a.activityType?.name}→${a.taskQueue?.name}`)).toEqual([
      `queue-probe.light@1→${taskQueue}`,
      `queue-probe.heavy@1→${heavyTaskQueue(taskQueue)}`,
      `queue-probe.light@1→${taskQueue}`,
    ]);
    // The change is gated: the history records the patch marker, so it replays the same way.
    const markers = history.events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(markers).toHaveLength(1);
    // Core writes the marker's details itself (plain JSON, not through the codec): `{ id, deprecated }`.
    const patchData = markers[0]!.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!;
    expect(Buffer.from(patchData).toString('utf8')).toContain(HEAVY_QUEUE_PATCH);
    // And the current interpreter replays it (its payloads decrypted by the same codec).
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter }, history);
  });

  it('records no patch marker in a run without a heavy action (its history is as before the change)', async () => {
    const { state, history } = await run(['light']);
    expect(state.status).toBe('completed');
    expect(history.events!.some((e) => e.markerRecordedEventAttributes)).toBe(false);
  });
});
