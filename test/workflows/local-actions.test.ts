import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { integrations } from '#catalog';
import { catalogIndex, defineAction, defineIntegration } from '#core/catalog-sdk';
import { LIGHT_STEPS_PATCH, LOCAL_ACTIONS_PATCH } from '#core/run';
import { actionDefaultsOf } from '#core/run-admission';
import type { Db } from '#store/database';
import { linearFlow, newWorkflowId, runFlow } from '../helpers/flows';
import { startTestWorker, temporalClient, testDataConverter, testDb } from '../helpers/temporal';

/**
 * Local actions (catalog `local: true`: the data step) run as Temporal local activities in the worker that runs the
 * run's workflow: no activity is scheduled on a task queue, the history is shorter, and the run is the same. Gated by
 * a patch, so runs recorded before it (test/replay's histories) replay as ordinary activities.
 */
const failuresLeft = new Map<string, number>();
const probe = defineIntegration({
  key: 'local-probe',
  version: 1,
  title: 'Local probe',
  description: 'A local action that fails a given number of attempts first, for tests.',
  category: 'Testing',
  auth: { type: 'none' },
  actions: [
    defineAction({
      key: 'flaky',
      title: 'Flaky',
      description: 'Fails `failures` attempts, then answers with its attempt and whether it ran locally.',
      input: z.object({ id: z.string() }),
      output: z.object({ attempt: z.number(), isLocal: z.boolean() }),
      credits: 0,
      local: true,
      retry: { initialInterval: '10ms', backoffCoefficient: 1, maximumAttempts: 5 },
      async run({ id }) {
        const left = failuresLeft.get(id) ?? 0;
        if (left > 0) {
          failuresLeft.set(id, left - 1);
          throw new Error(`flaky failure, ${left} to go`);
        }
        return { attempt: Context.current().info.attempt, isLocal: Context.current().info.isLocal };
      },
    }),
  ],
});
const all = [...integrations, probe];

describe('local actions', () => {
  const taskQueue = `local-${crypto.randomUUID()}`;
  let db: Db;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof temporalClient>>;

  beforeAll(async () => {
    db = await testDb();
    [worker, temporal] = await Promise.all([startTestWorker({ db, taskQueue, integrations: all }), temporalClient()]);
  });

  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
  });

  const run = async (nodes: { id: string; action: string; inputs: Record<string, unknown> }[]) => {
    const input = linearFlow(
      nodes.map((n) => ({ ...n, type: 'action' })),
      { mode: 'live', workspaceId: 'ws_local' },
    );
    // As the API and the scheduler do: the catalog's defaults (`local` among them) are frozen into the run.
    input.options.actionDefaults = actionDefaultsOf(input.snapshot, catalogIndex(all));
    const workflowId = newWorkflowId();
    const state = await runFlow(temporal.client, taskQueue, input, { workflowId });
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return { state, history, workflowId };
  };

  it('runs data steps as local activities: no activity scheduled, one patch marker, the same outputs, and it replays', async () => {
    const { state, history, workflowId } = await run([
      { id: 'shape', action: 'data.transform@1', inputs: { data: { first: 'Ada', last: 'Lovelace' }, expression: 'data.first & " " & data.last' } },
      { id: 'upper', action: 'data.transform@1', inputs: { data: { $expr: 'nodes.shape.result' }, expression: '$uppercase(data)' } },
    ]);
    expect(state.status).toBe('completed');
    expect(state.nodes.shape!.output).toEqual({ result: 'Ada Lovelace' });
    expect(state.nodes.upper!.output).toEqual({ result: 'ADA LOVELACE' });
    expect(history.events!.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    const markers = history.events!.flatMap((e) => (e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes.markerName] : []));
    expect(markers.filter((m) => m === 'core_local_activity').length).toBeGreaterThanOrEqual(2);
    // One marker per patch: local actions, and the light steps (`nodes.shape.result` is a plain path).
    const patches = history.events!.flatMap((e) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch'
        ? [(JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details!['patch-data']!.payloads![0]!.data!).toString('utf8')) as { id: string }).id]
        : [],
    );
    expect(patches.sort()).toEqual([LIGHT_STEPS_PATCH, LOCAL_ACTIONS_PATCH].sort());
    // The attempt log (the run view's attempts) has each step, as for any action.
    const attempts = await db.selectFrom('node_attempts').select(['node_key', 'activity_id']).where('workflow_id', '=', workflowId).execute();
    expect(attempts.map((a) => `${a.node_key}:${a.activity_id}`).sort()).toEqual(['shape:shape', 'upper:upper']);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter }, history);
  });

  it('retries a failing local action with its retry policy, and fails a run whose expression is wrong, naming the node', async () => {
    const id = crypto.randomUUID();
    failuresLeft.set(id, 2);
    const { state } = await run([{ id: 'flaky', action: 'local-probe.flaky@1', inputs: { id } }]);
    expect(state.status).toBe('completed');
    expect(state.nodes.flaky!.output).toEqual({ attempt: 3, isLocal: true });

    // A wrong expression is not retried: the run fails at once, naming the node and what is wrong.
    const failed = (await run([{ id: 'broken', action: 'data.transform@1', inputs: { data: {}, expression: '$nope(' } }]).catch((e: unknown) => e)) as {
      cause: { message: string; details: unknown[] };
    };
    expect(failed.cause.message).toMatch(/Expression "\$nope\(" at position 6/);
    expect(failed.cause.details[0]).toMatchObject({ nodeId: 'broken', type: 'NonRetryable' });
  });

  it('keeps HTTP and other outside calls ordinary activities on the task queue', async () => {
    const { history } = await run([{ id: 'shape', action: 'data.transform@1', inputs: { data: 1, expression: 'data + 1' } }]);
    expect(history.events!.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    const info = catalogIndex(all);
    expect(info.getAction('http.request@1')?.local).toBeUndefined();
    expect(info.getAction('data.transform@1')?.local).toBe(true);
  });
});
